#include "federation/verifier.h"

#include <algorithm>

namespace verbind::federation {

namespace {

Refusal Refuse(const char* code, std::string message) { return Refusal{code, std::move(message)}; }

// Known, active signer with a pinned key valid now, and a valid signature.
std::variant<const storage::PeerRecord*, Refusal> CheckSigner(
    const Envelope& e, const storage::PeerRegistry::Snapshot& peers, int64_t now_ms) {
  const storage::PeerRecord* peer = peers.ByOrg(e.signer);
  if (!peer) return Refuse(refusal::kUnknownSigner, e.signer + " is not a known peer");
  if (peer->status == storage::PeerStatus::kSuspended) {
    return Refuse(refusal::kSignerSuspended, e.signer + " is suspended");
  }
  if (peer->status == storage::PeerStatus::kRevoked) {
    return Refuse(refusal::kSignerRevoked, e.signer + " is revoked");
  }
  const storage::PinnedKey* key = peer->KeyFor(e.key_id, now_ms);
  if (!key) {
    return Refuse(refusal::kUnknownKey,
                  "key " + e.key_id + " is not a current key of " + e.signer);
  }
  if (!VerifyEnvelopeSignature(e, key->public_key)) {
    return Refuse(refusal::kBadSignature, "the signature does not verify with key " + e.key_id);
  }
  return peer;
}

std::optional<Refusal> CheckTime(const QueryPayload& q, int64_t now_ms, const VerifySettings& s) {
  int64_t now = now_ms / 1000;
  if (q.expires_at <= q.issued_at || q.expires_at - q.issued_at > s.max_lifetime_s) {
    return Refuse(refusal::kBadLifetime,
                  "expires_at - issued_at must be between 1 and " +
                      std::to_string(s.max_lifetime_s) + " seconds");
  }
  if (now > q.expires_at + s.clock_skew_s) {
    return Refuse(refusal::kExpired, "the query expired " + std::to_string(now - q.expires_at) +
                                         " s ago");
  }
  if (q.issued_at > now + s.clock_skew_s) {
    return Refuse(refusal::kNotYetValid, "the query is issued " +
                                             std::to_string(q.issued_at - now) +
                                             " s in the future");
  }
  return std::nullopt;
}

}  // namespace

std::variant<VerifiedQuery, Refusal> VerifyQuery(std::string_view body,
                                                 const storage::PeerRegistry::Snapshot& peers,
                                                 std::string_view tls_fingerprint, int64_t now_ms,
                                                 const VerifySettings& settings) {
  auto envelope = DecodeEnvelope(body);
  if (!envelope.ok()) return Refuse(refusal::kMalformed, envelope.status().message());
  const std::string hash = EnvelopeHash(*envelope);
  auto bound = [&hash](Refusal r, const std::string& query_id = "") {
    r.query_hash = hash;
    r.query_id = query_id;
    return r;
  };
  if (envelope->type != kTypeQuery) {
    return bound(Refuse(refusal::kMalformed, "expected a \"query\" envelope, got \"" +
                                                 envelope->type + "\""));
  }
  auto signer = CheckSigner(*envelope, peers, now_ms);
  if (auto* r = std::get_if<Refusal>(&signer)) return bound(*r);
  const storage::PeerRecord* peer = std::get<const storage::PeerRecord*>(signer);
  if (!peer->HasCertificate(tls_fingerprint, now_ms)) {
    const storage::PeerRecord* tls_peer = peers.ByFingerprint(tls_fingerprint);
    return bound(Refuse(refusal::kIdentityMismatch,
                        "the query is signed by " + envelope->signer + " but sent over the TLS "
                        "connection of " +
                            (tls_peer ? tls_peer->org_id : std::string("another client"))));
  }
  auto payload = DecodeQuery(envelope->payload);
  if (!payload.ok()) return bound(Refuse(refusal::kMalformed, payload.status().message()));
  const std::string& id = payload->query_id;
  if (payload->requester != envelope->signer) {
    return bound(Refuse(refusal::kIdentityMismatch, "requester " + payload->requester +
                                                        " is not the signer " + envelope->signer),
                 id);
  }
  const auto& parts = payload->participants;
  if (std::find(parts.begin(), parts.end(), settings.self_org) == parts.end()) {
    return bound(
        Refuse(refusal::kNotAddressed, settings.self_org + " is not among the participants"), id);
  }
  if (auto r = CheckTime(*payload, now_ms, settings)) return bound(*r, id);
  VerifiedQuery out;
  out.query_hash = hash;
  out.envelope = std::move(envelope).value();
  out.payload = std::move(payload).value();
  out.peer = *peer;
  return out;
}

std::variant<Envelope, Refusal> VerifyFrom(const Envelope& envelope,
                                           const storage::PeerRecord& expected, int64_t now_ms) {
  if (envelope.signer != expected.org_id) {
    return Refuse(refusal::kIdentityMismatch,
                  "signed by " + envelope.signer + ", expected " + expected.org_id);
  }
  storage::PeerRegistry::Snapshot one;
  one.by_org[expected.org_id] = expected;
  auto signer = CheckSigner(envelope, one, now_ms);
  if (auto* r = std::get_if<Refusal>(&signer)) return *r;
  return envelope;
}

}  // namespace verbind::federation
