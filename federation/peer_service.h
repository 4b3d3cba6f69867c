// PeerService: the answering side of the peer protocol. Given the bytes of a POST
// /v1/peer/query and the TLS identity of the connection, it verifies (federation/verifier.h),
// checks the nonce, has the AnswerService authorise, compute and protect the answer, logs the
// decision durably in the audit log together with the spent nonce and the privacy budget
// charge (fail-closed), and returns a signed partial result or a signed refusal. HTTP stays
// in node/.
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
  bool json_content_type = true;
};

struct PeerReply {
  bool ok = false;         // a partial result
  std::string code;        // refusal code when !ok
  std::string message;
  std::string envelope;    // the signed partial or refusal (wire form); empty if unsigned
};

class PeerService {
 public:
  // `answers` may be null: the node then shares no data and denies every query.
  PeerService(const storage::PeerRegistry* peers, storage::NonceStore* nonces,
              storage::AuditLog* audit, const NodeSigner* signer, const common::Clock* clock,
              VerifySettings settings, int rate_per_minute, AnswerService* answers);

  PeerReply HandleQuery(std::string_view body, const PeerRequestInfo& info);
  // This node's own part of a federated query it coordinates: verified like a peer's query
  // (its own key as the signer's, no TLS), then the same nonce, policy, computation and audit.
  PeerReply HandleOwnQuery(std::string_view body, const PeerRequestInfo& info);

 private:
  PeerReply Refuse(const std::string& code, const std::string& message,
                   const VerifiedQuery* q, const PeerRequestInfo& info,
                   const storage::WriteBatch* extra);
  PeerReply Handle(const storage::PeerRegistry::Snapshot& snap, std::string_view body,
                   const PeerRequestInfo& info);
  bool RateLimited(const std::string& org);
  common::Result<uint64_t> Log(const storage::AuditEntry& e, const storage::WriteBatch* extra);
  storage::AuditEntry BaseEntry(const VerifiedQuery* q, const PeerRequestInfo& info) const;

  const storage::PeerRegistry* peers_;
  storage::NonceStore* nonces_;
  storage::AuditLog* audit_;
  const NodeSigner* signer_;
  const common::Clock* clock_;
  VerifySettings settings_;
  int rate_per_minute_;
  AnswerService* answers_;
  std::mutex rate_mu_;
  std::map<std::string, std::pair<double, int64_t>> buckets_;  // org -> (tokens, last ms)
};

// A new operation id (16 hex), as used in audit entries and traceparent span ids.
std::string NewOperationId();

}  // namespace verbind::federation
