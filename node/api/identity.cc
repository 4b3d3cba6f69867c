#include "node/api/identity.h"

#include "common/encoding.h"
#include "federation/identity.h"

namespace verbind::node {

using common::Result;
using common::Status;

namespace {
std::string OwnKeyKey(std::string_view key_id) { return "ownkey/" + std::string(key_id); }
}  // namespace

Result<std::string> IdentityDocumentJson(const std::string& org_id, const std::string& name,
                                         const std::string& peer_url, const NodeKeys& keys) {
  federation::IdentityDocument doc;
  doc.org_id = org_id;
  doc.name = name;
  doc.peer_url = peer_url;
  doc.x25519_public_key = std::string(common::AsChars(keys.x25519_public));
  doc.tls_certificate_pem = keys.tls_cert_pem;
  return federation::RenderIdentityDocument(doc, *keys.signing);
}

NodeIdentity::NodeIdentity(std::string org_id, std::string name, std::string peer_url,
                           NodeKeys keys, storage::Database* db)
    : org_id_(std::move(org_id)),
      name_(std::move(name)),
      db_(db),
      signer_(org_id_, keys.signing),
      peer_url_(std::move(peer_url)),
      keys_(std::move(keys)) {}

Result<std::unique_ptr<NodeIdentity>> NodeIdentity::Open(std::string org_id, std::string name,
                                                         std::string peer_url, NodeKeys keys,
                                                         storage::Database* db) {
  std::unique_ptr<NodeIdentity> identity(new NodeIdentity(
      std::move(org_id), std::move(name), std::move(peer_url), std::move(keys), db));
  RETURN_IF_ERROR(identity->RememberKey(*identity->signer_.key()));
  return identity;
}

std::string NodeIdentity::peer_url() const {
  std::lock_guard<std::mutex> lock(mu_);
  return peer_url_;
}

void NodeIdentity::set_peer_url(std::string url) {
  std::lock_guard<std::mutex> lock(mu_);
  peer_url_ = std::move(url);
}

NodeCertificate NodeIdentity::certificate() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {keys_.tls_cert_pem, keys_.tls_key_pem, keys_.tls_fingerprint};
}

Result<std::string> NodeIdentity::DocumentJson() const {
  NodeKeys keys;
  std::string url;
  {
    std::lock_guard<std::mutex> lock(mu_);
    keys.x25519_public = keys_.x25519_public;
    keys.tls_cert_pem = keys_.tls_cert_pem;
    url = peer_url_;
  }
  keys.signing = signer_.key();
  return IdentityDocumentJson(org_id_, name_, url, keys);
}

std::optional<std::string> NodeIdentity::PublicKey(std::string_view key_id) const {
  auto v = db_->Get(storage::Family::kMeta, OwnKeyKey(key_id));
  if (!v.ok() || !v->has_value()) return std::nullopt;
  return **v;
}

Status NodeIdentity::RememberKey(const crypto::SigningKey& key) {
  std::string id = crypto::KeyIdOf(key.public_key());
  std::string pk(common::AsChars(key.public_key()));
  return db_->Put(storage::Family::kMeta, OwnKeyKey(id), pk);
}

void NodeIdentity::UseSigningKey(std::shared_ptr<const crypto::SigningKey> key) {
  std::lock_guard<std::mutex> lock(mu_);
  retired_keys_.push_back(signer_.key());
  signer_.SetKey(key);
  keys_.signing = std::move(key);
}

void NodeIdentity::UseCertificate(NodeCertificate certificate) {
  std::lock_guard<std::mutex> lock(mu_);
  keys_.tls_cert_pem = std::move(certificate.cert_pem);
  keys_.tls_key_pem = std::move(certificate.key_pem);
  keys_.tls_fingerprint = std::move(certificate.fingerprint);
}

}  // namespace verbind::node
