// PeerService: the answering side of the peer protocol. Given the bytes of a POST
// /v1/peer/query (or /v1/peer/announce) and the TLS identity of the connection, it verifies
// (federation/verifier.h), checks the nonce, has the AnswerService authorise, compute and
// protect the answer, logs every decision durably in the audit log together with the spent
// nonce and the privacy budget charge (fail-closed), and returns a signed partial result or a
// signed refusal: the one place where refusals are signed. HTTP stays in node/.
// Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/fair_semaphore.h"
#include "config/policy.h"
#include "federation/announcement.h"
#include "federation/answer/answer_service.h"
#include "federation/envelope.h"
#include "federation/query.h"
#include "federation/verifier.h"
#include "storage/audit_log.h"
#include "storage/nonce_store.h"
#include "storage/peer_registry.h"

namespace verbind::federation {

// Signs with the node's current key (swappable for key rotation).
class NodeSigner {
 public:
  explicit NodeSigner(std::string org_id, std::shared_ptr<const crypto::SigningKey> key)
      : org_id_(std::move(org_id)), key_(std::move(key)) {}
  Envelope Seal(std::string_view type, std::string payload) const;
  void SetKey(std::shared_ptr<const crypto::SigningKey> key);
  std::shared_ptr<const crypto::SigningKey> key() const;
  const std::string& org_id() const { return org_id_; }

 private:
  std::string org_id_;
  mutable std::mutex mu_;
  std::shared_ptr<const crypto::SigningKey> key_;
};

struct PeerRequestInfo {
  std::string tls_fingerprint;
  std::string trace_id;
  std::string foreign_operation_id;  // the caller's span id from traceparent
  bool json_content_type = true;     // the media type is exactly application/json
};

// The answer to a peer request: a signed partial result (or an accepted announcement), or a
// signed refusal.
struct PeerReply {
  bool ok = false;
  Refusal refusal;       // when !ok
  std::string envelope;  // the signed partial or refusal (wire form); empty for an accepted
                         // announcement
};

class PeerService {
 public:
  // `answers` may be null: the node then shares no data and denies every query.
  PeerService(storage::PeerRegistry* peers, storage::NonceStore* nonces, storage::AuditLog* audit,
              const NodeSigner* signer, const common::Clock* clock, VerifySettings settings,
              AnnouncementSettings announcements, int rate_per_minute, AnswerService* answers);

  PeerReply HandleQuery(std::string_view body, const PeerRequestInfo& info);
  // This node's own part of a federated query it coordinates: verified like a peer's query
  // (its own key as the signer's, no TLS), then the same nonce, policy, computation and audit.
  PeerReply HandleOwnQuery(std::string_view body, const PeerRequestInfo& info);
  // A key announcement from the peer on the TLS connection: checked, the new key pinned, and
  // every decision audited.
  PeerReply HandleAnnouncement(std::string_view body, const PeerRequestInfo& info);

 private:
  // Signs `r` (bound to `q` when there is one), audits it under `operation` with `extra`, and
  // returns it; `unavailable` when the audit log cannot be written.
  PeerReply Refuse(Refusal r, const VerifiedQuery* q, const PeerRequestInfo& info,
                   const storage::WriteBatch* extra, std::string_view operation = "peer.query");
  // The signed refusal envelope for `r` (bound to the query its hash and id name).
  PeerReply Sign(Refusal r, const PeerRequestInfo& info) const;
  PeerReply Handle(const storage::PeerRegistry::Snapshot& snap, std::string_view body,
                   const PeerRequestInfo& info);
  bool RateLimited(const std::string& org);
  common::Result<uint64_t> Log(const storage::AuditEntry& e, const storage::WriteBatch* extra);
  storage::AuditEntry BaseEntry(std::string_view operation, const VerifiedQuery* q,
                                const PeerRequestInfo& info) const;

  storage::PeerRegistry* peers_;
  storage::NonceStore* nonces_;
  storage::AuditLog* audit_;
  const NodeSigner* signer_;
  const common::Clock* clock_;
  VerifySettings settings_;
  AnnouncementSettings announcements_;
  int rate_per_minute_;
  AnswerService* answers_;
  std::mutex rate_mu_;
  std::map<std::string, std::pair<double, int64_t>> buckets_;  // org -> (tokens, last ms)
};

// A new operation id (16 hex), as used in audit entries and traceparent span ids.
std::string NewOperationId();

}  // namespace verbind::federation
