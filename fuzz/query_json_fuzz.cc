// Fuzz target: the JSON form of a query (federation::ParseQueryJson) with its round-trip
// invariants; see fuzz/query_checks.h.
#include <cstddef>
#include <cstdint>

#include "fuzz/query_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return verbind::fuzz::FuzzParseQueryJson(data, size);
}
