#include "storage/policy_store.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace verbind::storage {

using common::Result;
using common::Status;
using nlohmann::json;

namespace {

std::string CurrentKey(std::string_view id) { return "cur/" + std::string(id); }

std::string VersionKey(std::string_view id, int64_t version) {
  std::string k = "ver/" + std::string(id) + "/";
  AppendU64(&k, static_cast<uint64_t>(version));
  return k;
}

std::string Encode(const StoredPolicy& p) {
  return json{{"policy", json::parse(config::PolicyToJson(p.policy))},
              {"version", p.version},
              {"removed", p.removed},
              {"applied_at_ms", p.applied_at_ms},
              {"applied_by", p.applied_by},
              {"source", p.source}}
      .dump();
}

Result<StoredPolicy> Decode(std::string_view bytes) {
  json j = json::parse(bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("policy")) {
    return common::DataLoss("stored policy version is damaged");
  }
  StoredPolicy p;
  ASSIGN_OR_RETURN(p.policy, config::PolicyFromJson(j["policy"].dump()));
  p.version = j.value("version", 0);
  p.removed = j.value("removed", false);
  p.applied_at_ms = j.value("applied_at_ms", int64_t{0});
  p.applied_by = j.value("applied_by", "");
  p.source = j.value("source", "");
  return p;
}

}  // namespace

Result<std::unique_ptr<PolicyStore>> PolicyStore::Load(Database* db, const common::Clock* clock) {
  std::unique_ptr<PolicyStore> store(new PolicyStore(db, clock));
  std::vector<StoredPolicy> current;
  Status error;
  RETURN_IF_ERROR(db->Scan(Family::kPolicies, "cur/", [&](std::string_view, std::string_view v) {
    auto p = Decode(v);
    if (!p.ok()) {
      error = p.status();
      return false;
    }
    if (!p->removed) current.push_back(std::move(*p));
    return true;
  }));
  RETURN_IF_ERROR(error);
  store->Publish(std::move(current));
  return store;
}

std::shared_ptr<const std::vector<StoredPolicy>> PolicyStore::Current() const {
  std::lock_guard<std::mutex> lock(snap_mu_);
  return current_;
}

void PolicyStore::Publish(std::vector<StoredPolicy> current) {
  std::sort(current.begin(), current.end(), [](const StoredPolicy& a, const StoredPolicy& b) {
    return a.policy.id < b.policy.id;
  });
  auto snap = std::make_shared<const std::vector<StoredPolicy>>(std::move(current));
  std::lock_guard<std::mutex> lock(snap_mu_);
  current_ = std::move(snap);
}

Result<StoredPolicy> PolicyStore::Store(StoredPolicy p) {
  ASSIGN_OR_RETURN(auto existing, db_->Get(Family::kPolicies, CurrentKey(p.policy.id)));
  int64_t last = 0;
  if (existing) {
    ASSIGN_OR_RETURN(StoredPolicy old, Decode(*existing));
    last = old.version;
  }
  p.version = last + 1;
  p.applied_at_ms = clock_->NowMillis();
  std::string bytes = Encode(p);
  WriteBatch batch;
  batch.Put(Family::kPolicies, CurrentKey(p.policy.id), bytes);
  batch.Put(Family::kPolicies, VersionKey(p.policy.id, p.version), bytes);
  RETURN_IF_ERROR(db_->Write(batch, true));
  std::vector<StoredPolicy> current;
  for (const auto& c : *Current()) {
    if (c.policy.id != p.policy.id) current.push_back(c);
  }
  if (!p.removed) current.push_back(p);
  Publish(std::move(current));
  return p;
}

Result<StoredPolicy> PolicyStore::Apply(const config::Policy& policy, const std::string& source,
                                        const std::string& actor) {
  std::lock_guard<std::mutex> lock(write_mu_);
  StoredPolicy p;
  p.policy = policy;
  p.source = source;
  p.applied_by = actor;
  return Store(std::move(p));
}

Result<StoredPolicy> PolicyStore::Remove(const std::string& id, const std::string& actor) {
  std::lock_guard<std::mutex> lock(write_mu_);
  for (const auto& c : *Current()) {
    if (c.policy.id != id) continue;
    StoredPolicy p = c;
    p.removed = true;
    p.applied_by = actor;
    return Store(std::move(p));
  }
  return common::NotFound("no policy " + id + " in force");
}

Result<std::vector<StoredPolicy>> PolicyStore::History(const std::string& id) const {
  std::vector<StoredPolicy> out;
  Status error;
  RETURN_IF_ERROR(db_->Scan(Family::kPolicies, "ver/" + id + "/",
                            [&](std::string_view, std::string_view v) {
                              auto p = Decode(v);
                              if (!p.ok()) {
                                error = p.status();
                                return false;
                              }
                              out.push_back(std::move(*p));
                              return true;
                            }));
  RETURN_IF_ERROR(error);
  if (out.empty()) return common::NotFound("no policy " + id);
  return out;
}

}  // namespace verbind::storage
