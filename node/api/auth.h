// API authentication: bearer tokens mapped to a principal with a role. Tokens are compared by
// their SHA-256 hash (tokens have 256 bits of entropy, so the hash is the lookup key and no
// token text is kept). Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/random.h"
#include "common/status.h"
#include "config/tokens_file.h"

namespace verbind::node {

// analyst: queries; admin: everything but raw answers; owner: everything, including the
// audited raw (unprotected) answers over this node's own data.
enum class Role { kAdmin, kAnalyst, kOwner };
std::string_view RoleName(Role r);
// "admin", "analyst" or "owner"; nullopt otherwise.
std::optional<Role> RoleFromName(std::string_view name);
// Whether a principal with role `have` may do what needs `need`.
bool RoleAllows(Role have, Role need);

struct Principal {
  std::string name;
  Role role;
};

// A new token text: "vbt_" and 43 base64url characters (32 random bytes).
std::string NewToken(common::RandomSource& rng);
std::string TokenHash(std::string_view token);

class TokenStore {
 public:
  // Loads the tokens file. The file is rewritten (atomically) on every change.
  static common::Result<std::unique_ptr<TokenStore>> Load(const std::string& path);
  // The principal for an "Authorization" header value ("Bearer TOKEN"), or nullopt.
  std::optional<Principal> Authenticate(std::string_view authorization) const;
  // A token valid until the process ends (the CLI's credential in run/cli.token).
  void AddEphemeral(std::string_view token, std::string name, Role role);
  // Creates and stores a token; returns its text (shown once). AlreadyExists for a used name.
  common::Result<std::string> Create(const std::string& name, Role role, common::RandomSource& rng,
                                     std::string created);
  common::Status Revoke(const std::string& name);
  std::vector<config::TokenEntry> List() const;

 private:
  explicit TokenStore(std::string path) : path_(std::move(path)) {}
  common::Status Save() const;
  std::string path_;
  mutable std::mutex mu_;
  std::vector<config::TokenEntry> entries_;
  std::map<std::string, Principal> by_hash_;
};

}  // namespace verbind::node
