#include "federation/peer_service.h"

#include "common/encoding.h"
#include "common/strings.h"
#include "crypto/system_random.h"
#include "federation/transparency.h"

namespace verbind::federation {

using storage::AuditEntry;

std::string NewOperationId() {
  uint8_t b[8];
  crypto::SystemRandom::Get().Fill(b);
  return common::HexEncode(b);
}

Envelope NodeSigner::Seal(std::string_view type, std::string payload) const {
  return SealEnvelope(type, org_id_, *key(), std::move(payload));
}

void NodeSigner::SetKey(std::shared_ptr<const crypto::SigningKey> key) {
  std::lock_guard<std::mutex> lock(mu_);
  key_ = std::move(key);
}

std::shared_ptr<const crypto::SigningKey> NodeSigner::key() const {
  std::lock_guard<std::mutex> lock(mu_);
  return key_;
}

PeerService::PeerService(storage::PeerRegistry* peers, storage::NonceStore* nonces,
                         storage::AuditLog* audit, const NodeSigner* signer,
                         const common::Clock* clock, VerifySettings settings,
                         AnnouncementSettings announcements, int rate_per_minute,
                         AnswerService* answers)
    : peers_(peers),
      nonces_(nonces),
      audit_(audit),
      signer_(signer),
      clock_(clock),
      settings_(std::move(settings)),
      announcements_(announcements),
      rate_per_minute_(rate_per_minute),
      answers_(answers) {}

bool PeerService::RateLimited(const std::string& org) {
  // A token bucket per peer: rate_per_minute tokens per minute, bursts up to a minute's worth.
  std::lock_guard<std::mutex> lock(rate_mu_);
  int64_t now = clock_->NowMillis();
  auto [it, inserted] = buckets_.try_emplace(org, double(rate_per_minute_), now);
  auto& [tokens, last] = it->second;
  tokens = std::min<double>(rate_per_minute_,
                            tokens + double(now - last) * rate_per_minute_ / 60000.0);
  last = now;
  if (tokens < 1) return true;
  tokens -= 1;
  return false;
}

AuditEntry PeerService::BaseEntry(std::string_view operation, const VerifiedQuery* q,
                                  const PeerRequestInfo& info) const {
  AuditEntry e;
  e.time_ms = clock_->NowMillis();
  e.direction = "inbound";
  e.operation = std::string(operation);
  e.trace_id = info.trace_id;
  e.operation_id = NewOperationId();
  e.foreign_operation_id = info.foreign_operation_id;
  if (q) {
    e.foreign_org = q->envelope.signer;
    e.processing_activity = q->payload.purpose;
    e.legal_basis = q->payload.legal_basis;
    e.dataset = q->payload.dataset;
    e.query_id = q->payload.query_id;
    e.query_hash = q->query_hash;
    e.aggregates = AggregatesOf(q->payload.query);
  } else {
    auto snap = peers_->snapshot();
    if (const auto* p = snap->ByFingerprint(info.tls_fingerprint)) e.foreign_org = p->org_id;
  }
  return e;
}

common::Result<uint64_t> PeerService::Log(const AuditEntry& e, const storage::WriteBatch* extra) {
  // Most of an answer's time goes to waiting for the synced write; meanwhile the request's
  // execution permit serves another request (no lock is held here).
  common::FairSemaphore::Lending lend;
  return audit_->Append(e, extra);
}

PeerReply PeerService::Refuse(Refusal r, const VerifiedQuery* q, const PeerRequestInfo& info,
                              const storage::WriteBatch* extra, std::string_view operation) {
  if (q) {
    r.query_hash = q->query_hash;
    r.query_id = q->payload.query_id;
  }
  AuditEntry e = BaseEntry(operation, q, info);
  e.decision = "refused";
  e.reason = r.code + ": " + r.message;
  if (!q) e.query_hash = r.query_hash;
  if (!Log(e, extra).ok()) {
    r.code = refusal::kUnavailable;
    r.message = "the audit log cannot be written; nothing is answered";
  }
  return Sign(std::move(r), info);
}

PeerReply PeerService::Sign(Refusal r, const PeerRequestInfo& info) const {
  RefusalPayload p;
  p.query_hash = r.query_hash;
  p.query_id = r.query_id;
  p.responder = signer_->org_id();
  p.code = r.code;
  p.message = r.message.substr(0, 1024);
  p.trace_id = info.trace_id;
  p.refused_at = clock_->NowSeconds();
  PeerReply reply;
  reply.envelope = EncodeEnvelope(signer_->Seal(kTypeRefusal, EncodeRefusal(p)));
  reply.refusal = std::move(r);
  return reply;
}

PeerReply PeerService::HandleQuery(std::string_view body, const PeerRequestInfo& info) {
  if (!info.json_content_type) {
    return Refuse({refusal::kUnsupportedMediaType, "send Content-Type: application/json"},
                  nullptr, info, nullptr);
  }
  auto snap = peers_->snapshot();
  const storage::PeerRecord* tls_peer = snap->ByFingerprint(info.tls_fingerprint);
  if (tls_peer && RateLimited(tls_peer->org_id)) {
    return Refuse({refusal::kRateLimited, "too many requests; slow down"}, nullptr, info,
                  nullptr);
  }
  return Handle(*snap, body, info);
}

PeerReply PeerService::HandleOwnQuery(std::string_view body, const PeerRequestInfo& info) {
  storage::PeerRegistry::Snapshot snap = *peers_->snapshot();
  storage::PeerRecord self;
  self.org_id = signer_->org_id();
  auto key = signer_->key();
  self.keys.push_back({crypto::KeyIdOf(key->public_key()),
                       std::string(reinterpret_cast<const char*>(key->public_key().data()), 32), 0,
                       0});
  self.certificates.push_back({"this-node", "", 0});
  snap.by_org[self.org_id] = self;
  PeerRequestInfo own = info;
  own.tls_fingerprint = "this-node";
  return Handle(snap, body, own);
}

PeerReply PeerService::Handle(const storage::PeerRegistry::Snapshot& snap, std::string_view body,
                              const PeerRequestInfo& info) {
  auto verified = VerifyQuery(body, snap, info.tls_fingerprint, clock_->NowMillis(), settings_);
  if (auto* r = std::get_if<Refusal>(&verified)) return Refuse(*r, nullptr, info, nullptr);
  const VerifiedQuery& q = std::get<VerifiedQuery>(verified);
  if (!nonces_->Reserve(q.envelope.signer, q.payload.nonce).ok()) {
    return Refuse({refusal::kReplayed, "this query (nonce) was received before"}, &q, info,
                  nullptr);
  }
  // From here on the nonce is spent, whatever the decision.
  storage::WriteBatch spent;
  nonces_->Record(q.envelope.signer, q.payload.nonce,
                  q.payload.expires_at + settings_.clock_skew_s, &spent);
  struct Release {
    storage::NonceStore* n;
    const VerifiedQuery& q;
    ~Release() { n->Release(q.envelope.signer, q.payload.nonce); }
  } release{nonces_, q};
  if (!answers_) return Refuse({refusal::kDenied, "this node shares no data"}, &q, info, &spent);
  auto grant = answers_->Authorize(q);
  if (auto* r = std::get_if<Refusal>(&grant)) return Refuse(*r, &q, info, &spent);
  auto result = answers_->Answer(std::get<Grant>(grant), q.envelope.signer);
  if (auto* r = std::get_if<Refusal>(&result)) return Refuse(*r, &q, info, &spent);
  ProtectedAnswer& answer = std::get<ProtectedAnswer>(result);
  AuditEntry e = BaseEntry("peer.query", &q, info);
  e.decision = "answered";
  e.reason = "policy " + std::get<Grant>(grant).policy_id + " v" +
             std::to_string(std::get<Grant>(grant).policy_version) + "; " +
             answer.result["protection"].value("method", "") +
             (answer.reservation.report().charged_micro > 0
                  ? " epsilon " + common::FormatMicros(answer.reservation.report().charged_micro)
                  : "");
  // The nonce and the budget charge commit with the entry: a released answer is always paid
  // for, and a refused write charges nothing.
  spent.Append(answer.reservation.batch());
  auto seq = Log(e, &spent);
  if (!seq.ok()) {
    return Refuse({refusal::kUnavailable, "the audit log cannot be written; nothing is answered"},
                  &q, info, nullptr);
  }
  answer.reservation.Commit();
  PartialPayload p;
  p.query_hash = q.query_hash;
  p.query_id = q.payload.query_id;
  p.responder = signer_->org_id();
  p.dataset = q.payload.dataset;
  p.definition = answer.definition;
  p.computed_at = clock_->NowSeconds();
  p.result = std::move(answer.result);
  storage::AuditHead head = audit_->head();
  p.audit_seq = head.seq;
  p.audit_head = head.hash;
  PeerReply reply;
  reply.ok = true;
  reply.envelope = EncodeEnvelope(signer_->Seal(kTypePartial, EncodePartial(p)));
  return reply;
}

PeerReply PeerService::HandleAnnouncement(std::string_view body, const PeerRequestInfo& info) {
  constexpr std::string_view kOperation = "peer.key-announcement";
  if (!info.json_content_type) {
    return Refuse({refusal::kUnsupportedMediaType, "send Content-Type: application/json"},
                  nullptr, info, nullptr, kOperation);
  }
  auto snap = peers_->snapshot();
  const storage::PeerRecord* peer = snap->ByFingerprint(info.tls_fingerprint);
  int64_t now_ms = clock_->NowMillis();
  if (!peer || peer->status != storage::PeerStatus::kActive) {
    return Refuse({refusal::kUnknownSigner, "the TLS client is not an active peer"}, nullptr, info,
                  nullptr, kOperation);
  }
  auto checked = CheckAnnouncement(body, *peer, now_ms, announcements_);
  if (auto* r = std::get_if<Refusal>(&checked)) {
    return Refuse(*r, nullptr, info, nullptr, kOperation);
  }
  const auto& a = std::get<KeyAnnouncement>(checked);
  if (!nonces_->Reserve(peer->org_id, a.nonce).ok()) {
    return Refuse({refusal::kReplayed, "this announcement (nonce) was received before"}, nullptr,
                  info, nullptr, kOperation);
  }
  storage::WriteBatch spent;
  nonces_->Record(peer->org_id, a.nonce,
                  a.issued_at + announcements_.max_lifetime_s + 2 * announcements_.clock_skew_s,
                  &spent);
  common::Status updated = peers_->Update(Repinned(*peer, a, now_ms, announcements_));
  AuditEntry e = BaseEntry(kOperation, nullptr, info);
  e.decision = updated.ok() ? "applied" : "refused";
  e.reason = "new key " + a.new_key_id +
             (a.tls_certificate.empty() ? "" : ", new TLS certificate " + a.tls_fingerprint) +
             (updated.ok() ? "" : ": " + updated.message());
  auto logged = Log(e, &spent);
  nonces_->Release(peer->org_id, a.nonce);
  if (updated.ok() && logged.ok()) {
    PeerReply accepted;
    accepted.ok = true;
    return accepted;
  }
  // The decision is already in the log (or the log cannot be written): no second entry.
  return Sign(updated.ok() ? Refusal{refusal::kUnavailable, "the audit log cannot be written"}
                           : Refusal{refusal::kInternal, updated.message()},
              info);
}

}  // namespace verbind::federation
