#include "node/key_rotation.h"

#include <future>
#include <mutex>

#include "common/encoding.h"
#include "common/files.h"
#include "common/log.h"
#include "crypto/certificate.h"
#include "federation/envelope.h"
#include "federation/messages.h"
#include "federation/verifier.h"
#include "node/node.h"
#include "node/node_keys.h"

namespace verbind::node {

using common::Result;
using common::Status;
using nlohmann::json;

namespace {

std::mutex g_rotation_mu;

std::string KeyFolder(const NodeServices& s) {
  std::string path = s.config.signing_key_path;
  return path.substr(0, path.rfind('/'));
}

// The new certificate keeps the current one's subject and names.
Result<crypto::TlsKeyAndCertificate> RenewCertificate(const NodeServices& s) {
  crypto::CertificateRequest req;
  req.org_id = s.config.org_id;
  req.org_name = s.config.name;
  req.dns = {"localhost"};
  req.ips = {"127.0.0.1"};
  std::string host = s.peer_url.substr(8);
  host = host.substr(0, host.rfind(':'));
  if (!host.empty() && host != "localhost" && host != "127.0.0.1") {
    bool ip = host.find_first_not_of("0123456789.") == std::string::npos || host[0] == '[';
    (ip ? req.ips : req.dns).push_back(host[0] == '[' ? host.substr(1, host.size() - 2) : host);
  }
  return crypto::GenerateSelfSignedCertificate(req);
}

// Writes the new key material, keeping the old files under their key id / fingerprint.
Status PersistNewKeys(const NodeServices& s, const crypto::SigningKey& old_key,
                      const crypto::SigningKey& new_key, const crypto::TlsKeyAndCertificate* tls) {
  std::string dir = KeyFolder(s);
  std::string archived = dir + "/signing-" + crypto::KeyIdOf(old_key.public_key()) + ".key";
  if (!common::PathExists(archived)) {
    RETURN_IF_ERROR(WriteKeyFile(archived, old_key.seed().span()));
  }
  if (tls) {
    std::string tag = s.keys.tls_fingerprint.substr(0, 16);
    RETURN_IF_ERROR(
        common::WriteFileAtomic(dir + "/tls-" + tag + ".crt", s.keys.tls_cert_pem, 0644));
    RETURN_IF_ERROR(
        crypto::WriteSecretFile(dir + "/tls-" + tag + ".key", s.keys.tls_key_pem.span(), true));
    RETURN_IF_ERROR(
        crypto::WriteSecretFile(s.config.tls_key_path, common::AsBytes(tls->key_pem), true));
    RETURN_IF_ERROR(common::WriteFileAtomic(s.config.tls_cert_path, tls->cert_pem, 0644));
  }
  return WriteKeyFile(s.config.signing_key_path, new_key.seed().span(), true);
}

// Sends the announcement to every active peer at once; returns (notified, failed).
std::pair<json, json> Announce(NodeServices& s, const std::string& envelope) {
  std::vector<std::pair<std::string, std::future<Result<HttpResponse>>>> calls;
  auto snap = s.peers->snapshot();
  for (const auto& [org, peer] : snap->by_org) {
    if (peer.status != storage::PeerStatus::kActive) continue;
    storage::PeerRecord copy = peer;
    calls.emplace_back(org, std::async(std::launch::async, [&s, copy, &envelope] {
                         return s.peer_clients->Call(copy, "POST", "/v1/peer/announce",
                                                     {{"Content-Type", "application/json"}},
                                                     envelope,
                                                     After(s.config.federation.deadline_ms));
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

}  // namespace

Result<json> RotateKeys(NodeServices& s, bool tls, const std::string& actor,
                        const std::string& trace_id) {
  std::lock_guard<std::mutex> lock(g_rotation_mu);
  std::shared_ptr<const crypto::SigningKey> old_key = s.signer->key();
  auto new_key = std::make_shared<const crypto::SigningKey>(crypto::SigningKey::Generate(*s.rng));
  std::optional<crypto::TlsKeyAndCertificate> cert;
  if (tls) {
    ASSIGN_OR_RETURN(cert, RenewCertificate(s));
  }
  int64_t now = s.clock->NowSeconds();
  federation::KeyAnnouncement a;
  a.org_id = s.config.org_id;
  a.new_key_id = crypto::KeyIdOf(new_key->public_key());
  a.new_public_key = std::string(common::AsChars(new_key->public_key()));
  if (cert) {
    a.tls_certificate = cert->cert_pem;
    a.tls_fingerprint = crypto::InspectCertificate(cert->cert_pem)->fingerprint;
  }
  a.overlap_until = now + s.config.protocol.key_overlap_s;
  a.issued_at = now;
  a.nonce = federation::NewNonce(*s.rng);
  RETURN_IF_ERROR(RememberOwnKey(s.db.get(), *new_key));
  RETURN_IF_ERROR(PersistNewKeys(s, *old_key, *new_key, cert ? &*cert : nullptr));
  std::string envelope = federation::EncodeEnvelope(
      federation::SealEnvelope(federation::kTypeKeyAnnouncement, s.config.org_id, *old_key,
                               federation::EncodeKeyAnnouncement(a)));
  auto [notified, failed] = Announce(s, envelope);
  // Switch: from now on everything is signed with the new key (and served with the new cert).
  s.retired_keys.push_back(old_key);
  s.signer->SetKey(new_key);
  s.audit->SetSigner(new_key.get());
  s.keys.signing = new_key;
  if (cert) {
    ASSIGN_OR_RETURN(auto server_tls, PeerServerTls(s, cert->cert_pem, cert->key_pem));
    ASSIGN_OR_RETURN(auto client_tls, crypto::TlsContext::Client(cert->cert_pem, cert->key_pem));
    s.peer_tls->set(std::move(server_tls));
    s.client_tls = std::move(client_tls);
    s.peer_clients->SetTls(s.client_tls);
    std::lock_guard<std::mutex> keys_lock(s.keys_mu);
    s.keys.tls_cert_pem = cert->cert_pem;
    s.keys.tls_key_pem = crypto::SecretBytes(common::AsBytes(cert->key_pem));
    s.keys.tls_fingerprint = a.tls_fingerprint;
  }
  json out = {{"new_key_id", a.new_key_id},
              {"previous_key_id", crypto::KeyIdOf(old_key->public_key())},
              {"overlap_until", common::FormatRfc3339(a.overlap_until * 1000)},
              {"notified", notified},
              {"failed", failed}};
  if (cert) out["tls_fingerprint_sha256"] = a.tls_fingerprint;
  s.AuditLocal(trace_id, actor, "keys.rotate", "applied", out.dump()).IgnoreError();
  return out;
}

}  // namespace verbind::node
