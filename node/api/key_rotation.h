// KeyRotation (docs/protocol.md, "Key rotation"): a new Ed25519 signing key (and optionally a new
// TLS certificate) is announced to every active peer in a message signed with the old key;
// peers pin the new key and keep accepting the old one until the overlap ends. The old key files
// are kept beside the new ones under their key id or fingerprint. Thread-safe (one rotation at a
// time).
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "crypto/certificate.h"
#include "node/api/identity.h"
#include "node/api/local_audit.h"
#include "node/net/http_server.h"
#include "node/net/peer_clients.h"
#include "storage/audit_log.h"
#include "storage/peer_registry.h"

namespace verbind::node {

class KeyRotation {
 public:
  // What a rotation changes and whom it tells. Every pointer must outlive the KeyRotation.
  struct Parts {
    NodeIdentity* identity;
    storage::PeerRegistry* peers;  // who is told, and who may connect after renewal
    PeerClients* peer_clients;     // how they are told (and our new client certificate)
    std::shared_ptr<TlsContextSlot> peer_listener_tls;  // the certificate the listener presents
    storage::AuditLog* audit_log;                       // signs its checkpoints with the new key
    const LocalAudit* audit;
    std::string signing_key_path;  // keys.signing_key
    std::string tls_cert_path;     // peer.tls_cert
    std::string tls_key_path;      // peer.tls_key
    int64_t overlap_s = 0;         // protocol.key_overlap_s
    int announce_deadline_ms = 0;  // federation.deadline_ms
    common::RandomSource* rng;
    const common::Clock* clock;
  };
  explicit KeyRotation(Parts parts) : p_(std::move(parts)) {}

  // Rotates the signing key (and the TLS certificate when `tls`), announces it, and switches.
  // Returns {new_key_id, previous_key_id, overlap_until, notified: [...], failed: [{org_id,
  // error}]}. Audited as done by `actor` under the request trace `trace_id`.
  common::Result<nlohmann::json> Rotate(bool tls, const std::string& actor,
                                        const std::string& trace_id);

 private:
  common::Result<crypto::TlsKeyAndCertificate> RenewCertificate() const;
  common::Status PersistNewKeys(const crypto::SigningKey& old_key,
                                const crypto::SigningKey& new_key,
                                const crypto::TlsKeyAndCertificate* tls) const;
  std::pair<nlohmann::json, nlohmann::json> Announce(const std::string& envelope);
  common::Status SwitchCertificate(const crypto::TlsKeyAndCertificate& cert,
                                   const std::string& fingerprint);

  Parts p_;
  std::mutex mu_;
};

}  // namespace verbind::node
