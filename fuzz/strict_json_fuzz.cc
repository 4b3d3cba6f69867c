// Fuzz target: the strict JSON parser for untrusted bytes (common::ParseStrictJson: no
// duplicate keys, bounded nesting). Invariants: whatever it accepts, the plain parser accepts
// as the same value, and the value's serialisation is accepted again and serialises the same
// (nlohmann writes an out-of-range number such as 1e400, read as infinity, as null).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "common/check.h"
#include "common/strict_json.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = verbind::fuzz::AsText(data, size);
  auto strict = verbind::common::ParseStrictJson(text, "input");
  if (!strict.ok()) {
    CHECK(!strict.status().message().empty());
    return 0;
  }
  nlohmann::json plain = nlohmann::json::parse(text, nullptr, false);
  CHECK(!plain.is_discarded());
  CHECK(plain == *strict);
  auto again = verbind::common::ParseStrictJson(strict->dump(), "dump");
  CHECK(again.ok());
  CHECK(again->dump() == strict->dump());
  return 0;
}
