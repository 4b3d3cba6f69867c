#include "federation/announcement.h"

#include <algorithm>

#include "common/encoding.h"
#include "crypto/certificate.h"
#include "crypto/signing.h"
#include "federation/envelope.h"

namespace verbind::federation {

std::variant<KeyAnnouncement, Refusal> CheckAnnouncement(std::string_view body,
                                                         const storage::PeerRecord& peer,
                                                         int64_t now_ms,
                                                         const AnnouncementSettings& s) {
  auto env = DecodeEnvelope(body);
  if (!env.ok()) return Refusal{refusal::kMalformed, env.status().message()};
  const std::string hash = EnvelopeHash(*env);
  auto refuse = [&hash](const char* code, std::string message) {
    return Refusal{code, std::move(message), hash, ""};
  };
  if (env->type != kTypeKeyAnnouncement) {
    return refuse(refusal::kMalformed, "expected a key-announcement envelope");
  }
  auto verified = VerifyFrom(*env, peer, now_ms);
  if (auto* r = std::get_if<Refusal>(&verified)) return refuse(r->code.c_str(), r->message);
  auto a = DecodeKeyAnnouncement(env->payload);
  if (!a.ok()) return refuse(refusal::kMalformed, a.status().message());
  if (a->org_id != env->signer) {
    return refuse(refusal::kIdentityMismatch, "the announcement is for " + a->org_id);
  }
  int64_t now = now_ms / 1000;
  if (a->issued_at > now + s.clock_skew_s) {
    return refuse(refusal::kNotYetValid, "the announcement is issued in the future");
  }
  if (a->issued_at < now - (s.clock_skew_s + s.max_lifetime_s)) {
    return refuse(refusal::kExpired, "the announcement is too old");
  }
  if (a->new_key_id != crypto::KeyIdOf(common::AsBytes(a->new_public_key))) {
    return refuse(refusal::kMalformed, "the key id does not match the new key");
  }
  if (!a->tls_certificate.empty()) {
    auto info = crypto::InspectCertificate(a->tls_certificate);
    if (!info.ok() || info->fingerprint != a->tls_fingerprint) {
      return refuse(refusal::kMalformed, "the certificate does not match its fingerprint");
    }
  }
  return std::move(a).value();
}

storage::PeerRecord Repinned(storage::PeerRecord r, const KeyAnnouncement& a, int64_t now_ms,
                             const AnnouncementSettings& s) {
  int64_t until_ms = std::min(a.overlap_until, now_ms / 1000 + s.key_overlap_s) * 1000;
  int64_t skew_ms = int64_t{s.clock_skew_s} * 1000;
  bool known = r.KeyFor(a.new_key_id, now_ms) != nullptr;
  for (auto& k : r.keys) {
    if (k.key_id != a.new_key_id && (k.valid_until_ms == 0 || k.valid_until_ms > until_ms)) {
      k.valid_until_ms = until_ms;
    }
  }
  if (!known) r.keys.push_back({a.new_key_id, a.new_public_key, now_ms - skew_ms, 0});
  if (!a.tls_certificate.empty() && !r.HasCertificate(a.tls_fingerprint, now_ms)) {
    for (auto& c : r.certificates) {
      if (c.valid_until_ms == 0 || c.valid_until_ms > until_ms) c.valid_until_ms = until_ms;
    }
    r.certificates.push_back({a.tls_fingerprint, a.tls_certificate, 0});
  }
  return r;
}

}  // namespace verbind::federation
