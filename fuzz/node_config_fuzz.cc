// Fuzz target: the node configuration file, verbind.toml (config::ParseNodeConfig, the text
// parser behind LoadNodeConfig), once with no environment and once with every VERBIND_*
// override set to the input's first line, so the environment parser sees the same bytes.
// Invariant: whatever loads has values inside the documented ranges.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/check.h"
#include "config/node_config.h"
#include "fuzz/fuzz_util.h"

namespace {

void CheckRanges(const verbind::config::NodeConfig& c) {
  CHECK(c.limits.threads >= 1 && c.limits.threads <= 1024);
  CHECK(c.limits.max_body_bytes >= 1);
  CHECK(c.limits.read_timeout_ms >= 1);
  CHECK(!c.org_id.empty());
  CHECK(c.peer_listen.port >= 0 && c.peer_listen.port <= 65535);
  CHECK(c.api_listen.port >= 0 && c.api_listen.port <= 65535);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace c = verbind::config;
  std::string_view text = verbind::fuzz::AsText(data, size);
  auto plain = c::ParseNodeConfig(text, "/fuzz/node", nullptr);
  if (plain.ok()) {
    CheckRanges(*plain);
  } else {
    CHECK(!plain.status().message().empty());
  }
  std::string first_line(text.substr(0, text.find('\n')));
  auto from_env = c::ParseNodeConfig(
      text, "/fuzz/node", [&](const char*) -> const char* { return first_line.c_str(); });
  if (from_env.ok()) {
    CheckRanges(*from_env);
  }
  return 0;
}
