// PeerRegistry: the trust store. Which organisations this node knows, the keys and TLS
// certificates pinned for each, their status (active, suspended, revoked) and groups.
//
// Reads go through an immutable Snapshot swapped atomically on every change, so the TLS pin
// check and the envelope verifier never block on writers, and a change takes effect on the
// next handshake or request without a restart. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "storage/database.h"

namespace verbind::storage {

enum class PeerStatus { kActive, kSuspended, kRevoked };
std::string_view PeerStatusName(PeerStatus s);

// A pinned Ed25519 key. A key is accepted for signatures in [valid_from_ms, valid_until_ms);
// valid_until_ms == 0 means no end (the current key).
struct PinnedKey {
  std::string key_id;
  std::string public_key;  // 32 raw bytes
  int64_t valid_from_ms = 0;
  int64_t valid_until_ms = 0;
};

// A pinned TLS certificate, accepted until valid_until_ms (0: while the peer is active).
struct PinnedCertificate {
  std::string fingerprint;  // lower-case hex SHA-256 of the DER
  std::string pem;
  int64_t valid_until_ms = 0;
};

struct PeerRecord {
  std::string org_id;
  std::string name;
  std::string peer_url;
  std::vector<PinnedKey> keys;
  std::vector<PinnedCertificate> certificates;
  std::string x25519_public_key;  // 32 raw bytes
  PeerStatus status = PeerStatus::kActive;
  std::string status_reason;
  std::vector<std::string> groups;
  int64_t added_at_ms = 0;
  int64_t updated_at_ms = 0;

  // The key with `key_id` accepted at `now_ms`, or nullptr.
  const PinnedKey* KeyFor(std::string_view key_id, int64_t now_ms) const;
  bool HasCertificate(std::string_view fingerprint, int64_t now_ms) const;
  // The fingerprints of the certificates accepted at `now_ms`, in pinning order.
  std::vector<std::string> CertificatesAt(int64_t now_ms) const;
  bool InGroup(std::string_view group) const;
};

class PeerRegistry {
 public:
  struct Snapshot {
    std::map<std::string, PeerRecord, std::less<>> by_org;
    std::map<std::string, std::string, std::less<>> org_by_fingerprint;
    // The record whose pinned certificate has this fingerprint (any status), or nullptr.
    const PeerRecord* ByFingerprint(std::string_view fingerprint) const;
    const PeerRecord* ByOrg(std::string_view org_id) const;
  };

  // Loads every stored peer. `clock` must outlive the registry.
  static common::Result<std::unique_ptr<PeerRegistry>> Load(Database* db,
                                                            const common::Clock* clock);

  std::shared_ptr<const Snapshot> snapshot() const;
  // True when `fingerprint` belongs to an active peer now: the TLS pin check.
  bool IsActiveFingerprint(std::string_view fingerprint) const;

  // Adds a new peer; AlreadyExists when the org id is known. Refuses a fingerprint or key
  // already pinned for another organisation.
  common::Status Add(PeerRecord record);
  // Replaces a known peer's record (keys, certificates, groups), keeping its status.
  common::Status Update(PeerRecord record);
  common::Status SetStatus(std::string_view org_id, PeerStatus status, std::string_view reason);
  common::Status Remove(std::string_view org_id);

  static std::string Encode(const PeerRecord& r);
  static common::Result<PeerRecord> Decode(std::string_view bytes);

 private:
  PeerRegistry(Database* db, const common::Clock* clock) : db_(db), clock_(clock) {}
  common::Status Store(const PeerRecord& r);
  void Publish(std::map<std::string, PeerRecord, std::less<>> by_org);
  common::Status CheckUnique(const PeerRecord& r, const Snapshot& snap) const;

  Database* db_;
  const common::Clock* clock_;
  std::mutex write_mu_;  // serialises changes
  mutable std::mutex snap_mu_;
  std::shared_ptr<const Snapshot> snap_;
};

}  // namespace verbind::storage
