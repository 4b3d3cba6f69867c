// The API token file (`tokens.toml`, mode 0600): token hashes with a name and a role. Tokens
// themselves are shown once when created and never stored. Thread-safe (pure functions).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace verbind::config {

struct TokenEntry {
  std::string name;     // e.g. "admin", "analyst-jan"
  std::string role;     // "admin" or "analyst"
  std::string sha256;   // lower-case hex SHA-256 of the token text
  std::string created;  // RFC 3339
};

common::Result<std::vector<TokenEntry>> ParseTokensFile(const std::string& path);
std::string RenderTokensFile(const std::vector<TokenEntry>& tokens);

}  // namespace verbind::config
