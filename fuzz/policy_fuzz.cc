// Fuzz target: sharing policy files (config::ParsePolicyToml), which administrators write and
// apply over the API, and their stored JSON form (PolicyFromJson). Invariant: a policy that
// parses converts to JSON that parses back to the same policy.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/check.h"
#include "config/policy.h"
#include "fuzz/fuzz_util.h"

namespace {

void CheckRoundTrip(const verbind::config::Policy& policy) {
  namespace c = verbind::config;
  std::string json = c::PolicyToJson(policy);
  auto again = c::PolicyFromJson(json);
  CHECK(again.ok());
  CHECK(c::PolicyToJson(*again) == json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace c = verbind::config;
  std::string_view text = verbind::fuzz::AsText(data, size);
  auto toml = c::ParsePolicyToml(text, "policy.toml");
  if (toml.ok()) {
    CheckRoundTrip(*toml);
  } else {
    CHECK(!toml.status().message().empty());
  }
  auto json = c::PolicyFromJson(text);
  if (json.ok()) {
    CheckRoundTrip(*json);
  }
  return 0;
}
