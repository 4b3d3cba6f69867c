#include "storage/definition_store.h"

#include <cstdio>
#include <mutex>

#include "common/strings.h"

namespace verbind::storage {

namespace {

// "<publisher> 0x00 <name> 0x00 <version, 12 digits>": sorts by version within a name.
std::string Prefix(const std::string& publisher, const std::string& name) {
  return publisher + '\0' + name + '\0';
}

std::string Key(const std::string& publisher, const std::string& name, int64_t version) {
  char digits[16];
  std::snprintf(digits, sizeof(digits), "%012lld", static_cast<long long>(version));
  return Prefix(publisher, name) + digits;
}

common::Result<StoredDefinition> FromRecord(std::string_view key, std::string_view value) {
  size_t a = key.find('\0');
  size_t b = a == std::string_view::npos ? a : key.find('\0', a + 1);
  StoredDefinition d;
  if (b == std::string_view::npos || key.size() - b - 1 != 12 ||
      !common::ParseInt64(key.substr(b + 1), &d.version)) {
    return common::DataLoss("a stored definition's key is corrupt");
  }
  d.publisher = std::string(key.substr(0, a));
  d.name = std::string(key.substr(a + 1, b - a - 1));
  d.document = std::string(value);
  return d;
}

}  // namespace

common::Status DefinitionStore::Put(const StoredDefinition& d) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = Key(d.publisher, d.name, d.version);
  ASSIGN_OR_RETURN(auto existing, db_->Get(Family::kDefinitions, key));
  if (existing) {
    if (*existing == d.document) return common::Status::Ok();
    return common::AlreadyExists("version " + std::to_string(d.version) + " of " + d.publisher +
                                 "/" + d.name + " is already stored with other contents");
  }
  return db_->Put(Family::kDefinitions, key, d.document);
}

common::Result<std::optional<StoredDefinition>> DefinitionStore::Get(const std::string& publisher,
                                                                     const std::string& name,
                                                                     int64_t version) const {
  std::string key = Key(publisher, name, version);
  ASSIGN_OR_RETURN(auto value, db_->Get(Family::kDefinitions, key));
  if (!value) return std::optional<StoredDefinition>();
  ASSIGN_OR_RETURN(StoredDefinition d, FromRecord(key, *value));
  return std::optional<StoredDefinition>(std::move(d));
}

common::Result<std::optional<StoredDefinition>> DefinitionStore::Latest(
    const std::string& publisher, const std::string& name) const {
  std::optional<StoredDefinition> latest;
  common::Status failed = common::Status::Ok();
  RETURN_IF_ERROR(db_->Scan(Family::kDefinitions, Prefix(publisher, name),
                            [&](std::string_view key, std::string_view value) {
                              auto d = FromRecord(key, value);
                              if (!d.ok()) {
                                failed = d.status();
                                return false;
                              }
                              latest = std::move(d).value();
                              return true;
                            }));
  RETURN_IF_ERROR(failed);
  return latest;
}

common::Result<std::vector<StoredDefinition>> DefinitionStore::List() const {
  std::vector<StoredDefinition> out;
  common::Status failed = common::Status::Ok();
  RETURN_IF_ERROR(db_->Scan(Family::kDefinitions, "",
                            [&](std::string_view key, std::string_view value) {
                              auto d = FromRecord(key, value);
                              if (!d.ok()) {
                                failed = d.status();
                                return false;
                              }
                              out.push_back(std::move(d).value());
                              return true;
                            }));
  RETURN_IF_ERROR(failed);
  return out;
}

}  // namespace verbind::storage
