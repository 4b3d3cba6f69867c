// Entry points for the fuzz targets of the query parsers (kept out of the production libraries): each takes arbitrary bytes, must never
// crash, leak or trip a sanitizer, and checks the parsers' round-trip invariants, aborting
// (CHECK) when one breaks: a query that parses renders to SQL and to canonical JSON that parse
// back to an equal query, and the canonical JSON is a fixed point. A libFuzzer target calls
// one of these from LLVMFuzzerTestOneInput. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace verbind::fuzz {

// Feeds `data` to ParseSql. Always returns 0.
int FuzzParseSql(const uint8_t* data, size_t size);
// Feeds `data` to ParseQueryJson. Always returns 0.
int FuzzParseQueryJson(const uint8_t* data, size_t size);

}  // namespace verbind::fuzz
