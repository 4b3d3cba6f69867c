#include "storage/peer_registry.h"

#include <nlohmann/json.hpp>

#include "common/encoding.h"

namespace verbind::storage {

using common::Result;
using common::Status;
using nlohmann::json;

std::string_view PeerStatusName(PeerStatus s) {
  switch (s) {
    case PeerStatus::kActive:
      return "active";
    case PeerStatus::kSuspended:
      return "suspended";
    case PeerStatus::kRevoked:
      return "revoked";
  }
  return "unknown";
}

namespace {
Result<PeerStatus> ParseStatus(std::string_view s) {
  if (s == "active") return PeerStatus::kActive;
  if (s == "suspended") return PeerStatus::kSuspended;
  if (s == "revoked") return PeerStatus::kRevoked;
  return common::DataLoss("stored peer has unknown status " + std::string(s));
}

std::string B64(const std::string& raw) { return common::Base64UrlEncode(common::AsBytes(raw)); }
std::string Raw(const std::string& b64) {
  auto b = common::Base64UrlDecode(b64);
  return b.ok() ? std::string(common::AsChars(*b)) : std::string();
}
}  // namespace

const PinnedKey* PeerRecord::KeyFor(std::string_view key_id, int64_t now_ms) const {
  for (const auto& k : keys) {
    if (k.key_id == key_id && now_ms >= k.valid_from_ms &&
        (k.valid_until_ms == 0 || now_ms < k.valid_until_ms)) {
      return &k;
    }
  }
  return nullptr;
}

bool PeerRecord::HasCertificate(std::string_view fingerprint, int64_t now_ms) const {
  for (const auto& c : certificates) {
    if (c.fingerprint == fingerprint && (c.valid_until_ms == 0 || now_ms < c.valid_until_ms)) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> PeerRecord::CertificatesAt(int64_t now_ms) const {
  std::vector<std::string> out;
  for (const auto& c : certificates) {
    if (c.valid_until_ms == 0 || now_ms < c.valid_until_ms) out.push_back(c.fingerprint);
  }
  return out;
}

bool PeerRecord::InGroup(std::string_view group) const {
  for (const auto& g : groups) {
    if (g == group) return true;
  }
  return false;
}

const PeerRecord* PeerRegistry::Snapshot::ByFingerprint(std::string_view fp) const {
  auto it = org_by_fingerprint.find(fp);
  return it == org_by_fingerprint.end() ? nullptr : ByOrg(it->second);
}

const PeerRecord* PeerRegistry::Snapshot::ByOrg(std::string_view org_id) const {
  auto it = by_org.find(org_id);
  return it == by_org.end() ? nullptr : &it->second;
}

std::string PeerRegistry::Encode(const PeerRecord& r) {
  json j;
  j["org_id"] = r.org_id;
  j["name"] = r.name;
  j["peer_url"] = r.peer_url;
  j["status"] = PeerStatusName(r.status);
  j["status_reason"] = r.status_reason;
  j["groups"] = r.groups;
  j["x25519_public_key"] = B64(r.x25519_public_key);
  j["added_at_ms"] = r.added_at_ms;
  j["updated_at_ms"] = r.updated_at_ms;
  j["keys"] = json::array();
  for (const auto& k : r.keys) {
    j["keys"].push_back({{"key_id", k.key_id},
                         {"public_key", B64(k.public_key)},
                         {"valid_from_ms", k.valid_from_ms},
                         {"valid_until_ms", k.valid_until_ms}});
  }
  j["certificates"] = json::array();
  for (const auto& c : r.certificates) {
    j["certificates"].push_back(
        {{"fingerprint", c.fingerprint}, {"pem", c.pem}, {"valid_until_ms", c.valid_until_ms}});
  }
  return j.dump();
}

Result<PeerRecord> PeerRegistry::Decode(std::string_view bytes) {
  json j = json::parse(bytes, nullptr, false);
  if (j.is_discarded()) return common::DataLoss("stored peer record is not JSON");
  try {
    PeerRecord r;
    r.org_id = j.at("org_id");
    r.name = j.at("name");
    r.peer_url = j.at("peer_url");
    ASSIGN_OR_RETURN(r.status, ParseStatus(j.at("status").get<std::string>()));
    r.status_reason = j.value("status_reason", "");
    r.groups = j.at("groups").get<std::vector<std::string>>();
    r.x25519_public_key = Raw(j.at("x25519_public_key"));
    r.added_at_ms = j.at("added_at_ms");
    r.updated_at_ms = j.at("updated_at_ms");
    for (const auto& k : j.at("keys")) {
      r.keys.push_back(
          {k.at("key_id"), Raw(k.at("public_key")), k.at("valid_from_ms"), k.at("valid_until_ms")});
    }
    for (const auto& c : j.at("certificates")) {
      r.certificates.push_back({c.at("fingerprint"), c.at("pem"), c.at("valid_until_ms")});
    }
    return r;
  } catch (const json::exception& e) {
    return common::DataLoss(std::string("stored peer record is damaged: ") + e.what());
  }
}

Result<std::unique_ptr<PeerRegistry>> PeerRegistry::Load(Database* db, const common::Clock* clock) {
  std::unique_ptr<PeerRegistry> reg(new PeerRegistry(db, clock));
  std::map<std::string, PeerRecord, std::less<>> by_org;
  Status decode_error;
  RETURN_IF_ERROR(db->Scan(Family::kPeers, "", [&](std::string_view, std::string_view value) {
    auto r = Decode(value);
    if (!r.ok()) {
      decode_error = r.status();
      return false;
    }
    std::string org = r->org_id;
    by_org.emplace(std::move(org), std::move(r).value());
    return true;
  }));
  RETURN_IF_ERROR(decode_error);
  reg->Publish(std::move(by_org));
  return reg;
}

std::shared_ptr<const PeerRegistry::Snapshot> PeerRegistry::snapshot() const {
  std::lock_guard<std::mutex> lock(snap_mu_);
  return snap_;
}

bool PeerRegistry::IsActiveFingerprint(std::string_view fingerprint) const {
  auto snap = snapshot();
  const PeerRecord* r = snap->ByFingerprint(fingerprint);
  return r && r->status == PeerStatus::kActive &&
         r->HasCertificate(fingerprint, clock_->NowMillis());
}

void PeerRegistry::Publish(std::map<std::string, PeerRecord, std::less<>> by_org) {
  auto snap = std::make_shared<Snapshot>();
  snap->by_org = std::move(by_org);
  for (const auto& [org, r] : snap->by_org) {
    for (const auto& c : r.certificates) snap->org_by_fingerprint[c.fingerprint] = org;
  }
  std::lock_guard<std::mutex> lock(snap_mu_);
  snap_ = std::move(snap);
}

Status PeerRegistry::Store(const PeerRecord& r) {
  return db_->Put(Family::kPeers, r.org_id, Encode(r));
}

Status PeerRegistry::CheckUnique(const PeerRecord& r, const Snapshot& snap) const {
  for (const auto& c : r.certificates) {
    const PeerRecord* other = snap.ByFingerprint(c.fingerprint);
    if (other && other->org_id != r.org_id) {
      return common::AlreadyExists("TLS certificate " + c.fingerprint + " is already pinned for " +
                                   other->org_id);
    }
  }
  for (const auto& [org, other] : snap.by_org) {
    if (org == r.org_id) continue;
    for (const auto& k : other.keys) {
      for (const auto& mine : r.keys) {
        if (k.public_key == mine.public_key) {
          return common::AlreadyExists("signing key " + mine.key_id + " is already pinned for " +
                                       org);
        }
      }
    }
  }
  return Status::Ok();
}

Status PeerRegistry::Add(PeerRecord record) {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto snap = snapshot();
  if (snap->ByOrg(record.org_id)) {
    return common::AlreadyExists("peer " + record.org_id + " is already registered");
  }
  RETURN_IF_ERROR(CheckUnique(record, *snap));
  record.added_at_ms = record.updated_at_ms = clock_->NowMillis();
  RETURN_IF_ERROR(Store(record));
  auto by_org = snap->by_org;
  by_org[record.org_id] = std::move(record);
  Publish(std::move(by_org));
  return Status::Ok();
}

Status PeerRegistry::Update(PeerRecord record) {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto snap = snapshot();
  const PeerRecord* old = snap->ByOrg(record.org_id);
  if (!old) return common::NotFound("no peer " + record.org_id);
  RETURN_IF_ERROR(CheckUnique(record, *snap));
  record.status = old->status;
  record.status_reason = old->status_reason;
  record.added_at_ms = old->added_at_ms;
  record.updated_at_ms = clock_->NowMillis();
  RETURN_IF_ERROR(Store(record));
  auto by_org = snap->by_org;
  by_org[record.org_id] = std::move(record);
  Publish(std::move(by_org));
  return Status::Ok();
}

Status PeerRegistry::SetStatus(std::string_view org_id, PeerStatus status,
                               std::string_view reason) {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto snap = snapshot();
  const PeerRecord* old = snap->ByOrg(org_id);
  if (!old) return common::NotFound("no peer " + std::string(org_id));
  if (old->status == PeerStatus::kRevoked && status != PeerStatus::kRevoked) {
    return common::FailedPrecondition("peer " + std::string(org_id) +
                                      " is revoked; revocation is final (remove and add it again)");
  }
  PeerRecord r = *old;
  r.status = status;
  r.status_reason = std::string(reason);
  r.updated_at_ms = clock_->NowMillis();
  RETURN_IF_ERROR(Store(r));
  auto by_org = snap->by_org;
  by_org[r.org_id] = std::move(r);
  Publish(std::move(by_org));
  return Status::Ok();
}

Status PeerRegistry::Remove(std::string_view org_id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto snap = snapshot();
  if (!snap->ByOrg(org_id)) return common::NotFound("no peer " + std::string(org_id));
  RETURN_IF_ERROR(db_->Delete(Family::kPeers, org_id));
  auto by_org = snap->by_org;
  by_org.erase(by_org.find(org_id));
  Publish(std::move(by_org));
  return Status::Ok();
}

}  // namespace verbind::storage
