// Fuzz target: the JSON form of a query (federation::ParseQueryJson) with its round-trip
// invariants; see federation/query_fuzz_entry.h.
#include <cstddef>
#include <cstdint>

#include "federation/query_fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verbind::federation::FuzzParseQueryJson(data, size);
}
