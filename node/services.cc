#include "node/services.h"

#include "common/encoding.h"
#include "federation/identity.h"
#include "node/node.h"

namespace verbind::node {

using common::Result;
using common::Status;

namespace {
std::string OwnKeyKey(std::string_view key_id) { return "ownkey/" + std::string(key_id); }
}  // namespace

Status RememberOwnKey(storage::Database* db, const crypto::SigningKey& key) {
  std::string id = crypto::KeyIdOf(key.public_key());
  std::string pk(common::AsChars(key.public_key()));
  return db->Put(storage::Family::kMeta, OwnKeyKey(id), pk);
}

std::optional<std::string> NodeServices::OwnPublicKey(std::string_view key_id) const {
  auto v = db->Get(storage::Family::kMeta, OwnKeyKey(key_id));
  if (!v.ok() || !v->has_value()) return std::nullopt;
  return **v;
}

Result<std::string> NodeServices::IdentityJson() const {
  federation::IdentityDocument doc;
  doc.org_id = config.org_id;
  doc.name = config.name;
  doc.peer_url = peer_url;
  doc.x25519_public_key = std::string(common::AsChars(keys.x25519_public));
  {
    std::lock_guard<std::mutex> lock(keys_mu);
    doc.tls_certificate_pem = keys.tls_cert_pem;
  }
  auto key = signer ? signer->key() : keys.signing;
  return federation::RenderIdentityDocument(doc, *key);
}

Status NodeServices::AuditLocal(const std::string& trace_id, const std::string& actor,
                                const std::string& operation, const std::string& decision,
                                const std::string& detail, const std::string& foreign_org,
                                const std::string& dataset) {
  storage::AuditEntry e;
  e.time_ms = clock->NowMillis();
  e.direction = "local";
  e.operation = operation;
  e.operation_id = federation::NewOperationId();
  e.trace_id = trace_id;
  e.actor = actor;
  e.decision = decision;
  e.reason = detail;
  e.foreign_org = foreign_org;
  e.dataset = dataset;
  auto seq = audit->Append(e);
  return seq.ok() ? Status::Ok() : seq.status();
}

}  // namespace verbind::node
