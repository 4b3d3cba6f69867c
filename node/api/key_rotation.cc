#include "node/api/key_rotation.h"

#include <future>
#include <optional>

#include "common/encoding.h"
#include "common/files.h"
#include "common/log.h"
#include "crypto/certificate.h"
#include "federation/envelope.h"
#include "federation/messages.h"
#include "federation/verifier.h"
#include "node/api/node_keys.h"
#include "node/net/peer_tls.h"

namespace verbind::node {

using common::Result;
using common::Status;
using nlohmann::json;

Result<crypto::TlsKeyAndCertificate> KeyRotation::RenewCertificate() const {
  // The new certificate keeps the current one's subject and names.
  crypto::CertificateRequest req;
  req.org_id = p_.identity->org_id();
  req.org_name = p_.identity->name();
  req.dns = {"localhost"};
  req.ips = {"127.0.0.1"};
  std::string host = p_.identity->peer_url().substr(8);
  host = host.substr(0, host.rfind(':'));
  if (!host.empty() && host != "localhost" && host != "127.0.0.1") {
    bool ip = host.find_first_not_of("0123456789.") == std::string::npos || host[0] == '[';
    (ip ? req.ips : req.dns).push_back(host[0] == '[' ? host.substr(1, host.size() - 2) : host);
  }
  return crypto::GenerateSelfSignedCertificate(req);
}

// Writes the new key material, keeping the old files under their key id / fingerprint.
Status KeyRotation::PersistNewKeys(const crypto::SigningKey& old_key,
                                   const crypto::SigningKey& new_key,
                                   const crypto::TlsKeyAndCertificate* tls) const {
  std::string dir = p_.signing_key_path.substr(0, p_.signing_key_path.rfind('/'));
  std::string archived = dir + "/signing-" + crypto::KeyIdOf(old_key.public_key()) + ".key";
  if (!common::PathExists(archived)) {
    RETURN_IF_ERROR(WriteKeyFile(archived, old_key.seed().span()));
  }
  if (tls) {
    NodeCertificate old_cert = p_.identity->certificate();
    std::string tag = old_cert.fingerprint.substr(0, 16);
    RETURN_IF_ERROR(common::WriteFileAtomic(dir + "/tls-" + tag + ".crt", old_cert.cert_pem, 0644));
    RETURN_IF_ERROR(
        crypto::WriteSecretFile(dir + "/tls-" + tag + ".key", old_cert.key_pem.span(), true));
    RETURN_IF_ERROR(crypto::WriteSecretFile(p_.tls_key_path, common::AsBytes(tls->key_pem), true));
    RETURN_IF_ERROR(common::WriteFileAtomic(p_.tls_cert_path, tls->cert_pem, 0644));
  }
  return WriteKeyFile(p_.signing_key_path, new_key.seed().span(), true);
}

// Sends the announcement to every active peer at once; returns (notified, failed).
std::pair<json, json> KeyRotation::Announce(const std::string& envelope) {
  std::vector<std::pair<std::string, std::future<Result<HttpResponse>>>> calls;
  auto snap = p_.peers->snapshot();
  for (const auto& [org, peer] : snap->by_org) {
    if (peer.status != storage::PeerStatus::kActive) continue;
    storage::PeerRecord copy = peer;
    calls.emplace_back(org, std::async(std::launch::async, [this, copy, &envelope] {
                         return p_.peer_clients->Call(copy, "POST", "/v1/peer/announce",
                                                      {{"Content-Type", "application/json"}},
                                                      envelope, After(p_.announce_deadline_ms));
                       }));
  }
  json notified = json::array(), failed = json::array();
  for (auto& [org, f] : calls) {
    auto r = f.get();
    if (r.ok() && r->status == 200) {
      notified.push_back(org);
    } else {
      failed.push_back(
          {{"org_id", org},
           {"error", r.ok() ? "HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 300)
                            : r.status().message()}});
    }
  }
  return {notified, failed};
}

// Serves and presents the new certificate: to peers connecting to us, and to peers we call.
Status KeyRotation::SwitchCertificate(const crypto::TlsKeyAndCertificate& cert,
                                      const std::string& fingerprint) {
  ASSIGN_OR_RETURN(auto server_tls, PeerListenerTls(p_.peers, cert.cert_pem, cert.key_pem));
  ASSIGN_OR_RETURN(auto client_tls, crypto::TlsContext::Client(cert.cert_pem, cert.key_pem));
  p_.peer_listener_tls->set(std::move(server_tls));
  p_.peer_clients->SetTls(std::move(client_tls));
  p_.identity->UseCertificate(
      {cert.cert_pem, crypto::SecretBytes(common::AsBytes(cert.key_pem)), fingerprint});
  return Status::Ok();
}

Result<json> KeyRotation::Rotate(bool tls, const std::string& actor, const std::string& trace_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<const crypto::SigningKey> old_key = p_.identity->signer()->key();
  auto new_key = std::make_shared<const crypto::SigningKey>(crypto::SigningKey::Generate(*p_.rng));
  std::optional<crypto::TlsKeyAndCertificate> cert;
  if (tls) {
    ASSIGN_OR_RETURN(cert, RenewCertificate());
  }
  int64_t now = p_.clock->NowSeconds();
  federation::KeyAnnouncement a;
  a.org_id = p_.identity->org_id();
  a.new_key_id = crypto::KeyIdOf(new_key->public_key());
  a.new_public_key = std::string(common::AsChars(new_key->public_key()));
  if (cert) {
    a.tls_certificate = cert->cert_pem;
    a.tls_fingerprint = crypto::InspectCertificate(cert->cert_pem)->fingerprint;
  }
  a.overlap_until = now + p_.overlap_s;
  a.issued_at = now;
  a.nonce = federation::NewNonce(*p_.rng);
  RETURN_IF_ERROR(p_.identity->RememberKey(*new_key));
  RETURN_IF_ERROR(PersistNewKeys(*old_key, *new_key, cert ? &*cert : nullptr));
  std::string envelope = federation::EncodeEnvelope(federation::SealEnvelope(
      federation::kTypeKeyAnnouncement, a.org_id, *old_key, federation::EncodeKeyAnnouncement(a)));
  auto [notified, failed] = Announce(envelope);
  // Switch: from now on everything is signed with the new key (and served with the new cert).
  p_.identity->UseSigningKey(new_key);
  p_.audit_log->SetSigner(new_key.get());
  if (cert) RETURN_IF_ERROR(SwitchCertificate(*cert, a.tls_fingerprint));
  json out = {{"new_key_id", a.new_key_id},
              {"previous_key_id", crypto::KeyIdOf(old_key->public_key())},
              {"overlap_until", common::FormatRfc3339(a.overlap_until * 1000)},
              {"notified", notified},
              {"failed", failed}};
  if (cert) out["tls_fingerprint_sha256"] = a.tls_fingerprint;
  p_.audit
      ->Record(
          trace_id,
          {.actor = actor, .operation = "keys.rotate", .decision = "applied", .detail = out.dump()})
      .IgnoreError();
  return out;
}

}  // namespace verbind::node
