#include "node/api/auth.h"

#include "common/encoding.h"
#include "common/files.h"
#include "common/strings.h"
#include "crypto/hash.h"

namespace verbind::node {

using common::Result;
using common::Status;

std::string_view RoleName(Role r) {
  return r == Role::kAdmin ? "admin" : r == Role::kOwner ? "owner" : "analyst";
}

std::optional<Role> RoleFromName(std::string_view name) {
  for (Role r : {Role::kAdmin, Role::kAnalyst, Role::kOwner}) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

bool RoleAllows(Role have, Role need) {
  auto rank = [](Role r) { return r == Role::kAnalyst ? 0 : r == Role::kAdmin ? 1 : 2; };
  return rank(have) >= rank(need);
}

std::string NewToken(common::RandomSource& rng) {
  uint8_t b[32];
  rng.Fill(b);
  return "vbt_" + common::Base64UrlEncode(b);
}

std::string TokenHash(std::string_view token) { return crypto::Sha256Hex(token); }

Result<std::unique_ptr<TokenStore>> TokenStore::Load(const std::string& path) {
  ASSIGN_OR_RETURN(auto entries, config::ParseTokensFile(path));
  std::unique_ptr<TokenStore> store(new TokenStore(path));
  for (auto& e : entries) {
    store->by_hash_[e.sha256] = {e.name, RoleFromName(e.role).value_or(Role::kAnalyst)};
  }
  store->entries_ = std::move(entries);
  return store;
}

std::optional<Principal> TokenStore::Authenticate(std::string_view authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (!common::StartsWith(authorization, kBearer)) return std::nullopt;
  std::string_view token = common::Trim(authorization.substr(kBearer.size()));
  if (token.size() < 16 || token.size() > 256) return std::nullopt;
  std::string hash = TokenHash(token);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  return it->second;
}

void TokenStore::AddEphemeral(std::string_view token, std::string name, Role role) {
  std::lock_guard<std::mutex> lock(mu_);
  by_hash_[TokenHash(token)] = {std::move(name), role};
}

Result<std::string> TokenStore::Create(const std::string& name, Role role,
                                       common::RandomSource& rng, std::string created) {
  if (!common::IsValidName(name)) {
    return common::InvalidArgument("token name \"" + name + "\" is not a valid name");
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& e : entries_) {
    if (e.name == name) return common::AlreadyExists("a token named " + name + " exists");
  }
  std::string token = NewToken(rng);
  config::TokenEntry e{name, std::string(RoleName(role)), TokenHash(token), std::move(created)};
  entries_.push_back(e);
  Status s = Save();
  if (!s.ok()) {
    entries_.pop_back();
    return s;
  }
  by_hash_[e.sha256] = {name, role};
  return token;
}

Status TokenStore::Revoke(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->name != name) continue;
    config::TokenEntry removed = *it;
    entries_.erase(it);
    Status s = Save();
    if (!s.ok()) {
      entries_.push_back(removed);
      return s;
    }
    by_hash_.erase(removed.sha256);
    return Status::Ok();
  }
  return common::NotFound("no token named " + name);
}

std::vector<config::TokenEntry> TokenStore::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_;
}

Status TokenStore::Save() const {
  return common::WriteFileAtomic(path_, config::RenderTokensFile(entries_), 0600);
}

}  // namespace verbind::node
