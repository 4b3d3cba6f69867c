// Fuzz target: the SQL subset (federation::ParseSql) with its round-trip invariants (rendered
// SQL and canonical JSON parse back to the same query); see federation/query_fuzz_entry.h.
#include <cstddef>
#include <cstdint>

#include "federation/query_fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verbind::federation::FuzzParseSql(data, size);
}
