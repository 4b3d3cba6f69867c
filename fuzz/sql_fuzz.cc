// Fuzz target: the SQL subset (federation::ParseSql) with its round-trip invariants (rendered
// SQL and canonical JSON parse back to the same query); see fuzz/query_checks.h.
#include <cstddef>
#include <cstdint>

#include "fuzz/query_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verbind::fuzz::FuzzParseSql(data, size);
}
