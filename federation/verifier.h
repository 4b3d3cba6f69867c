// Verification of a peer's signed query, in the order docs/protocol.md fixes, stopping at the
// first failure with a stable code: the envelope is well-formed; the signer is known; it is
// active; the key id is one pinned for it now; the signature is valid; the TLS client is the
// same organisation; the payload is well-formed and addressed to this node; the time window
// holds. (The node then checks the nonce, the permission, and computes.) Cheap checks come
// before the ~60 us signature check. Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "federation/envelope.h"
#include "federation/messages.h"
#include "storage/peer_registry.h"

namespace verbind::federation {

// Stable refusal codes (docs/protocol.md, "Error codes").
namespace refusal {
inline constexpr const char* kMalformed = "malformed";
inline constexpr const char* kTooLarge = "too_large";
inline constexpr const char* kUnsupportedMediaType = "unsupported_media_type";
inline constexpr const char* kUnknownSigner = "unknown_signer";
inline constexpr const char* kSignerSuspended = "signer_suspended";
inline constexpr const char* kSignerRevoked = "signer_revoked";
inline constexpr const char* kUnknownKey = "unknown_key";
inline constexpr const char* kBadSignature = "bad_signature";
inline constexpr const char* kIdentityMismatch = "identity_mismatch";
inline constexpr const char* kNotAddressed = "not_addressed";
inline constexpr const char* kBadLifetime = "bad_lifetime";
inline constexpr const char* kExpired = "expired";
inline constexpr const char* kNotYetValid = "not_yet_valid";
inline constexpr const char* kReplayed = "replayed";
inline constexpr const char* kDenied = "denied";
inline constexpr const char* kRateLimited = "rate_limited";
inline constexpr const char* kInvalidQuery = "invalid_query";
inline constexpr const char* kBudgetExhausted = "budget_exhausted";
inline constexpr const char* kDifferencing = "differencing";
inline constexpr const char* kTooExpensive = "too_expensive";
inline constexpr const char* kUnavailable = "unavailable";
inline constexpr const char* kInternal = "internal";
inline constexpr const char* kDefinitionMismatch = "definition_mismatch";
}  // namespace refusal

// A refusal as a value: what the node answers instead of a partial result. Bound to the query
// it refuses whenever the envelope could be read (docs/protocol.md, section 4.3); signed once,
// by PeerService, and rendered as HTTP only in node/.
struct Refusal {
  std::string code;
  std::string message;
  std::string query_hash;  // the refused envelope's hash, once the envelope was well-formed
  std::string query_id;    // its query id, once the payload was well-formed
};

struct VerifySettings {
  std::string self_org;
  int clock_skew_s = 60;
  int max_lifetime_s = 300;
};

struct VerifiedQuery {
  Envelope envelope;
  QueryPayload payload;
  std::string query_hash;
  storage::PeerRecord peer;
};

// Checks a query envelope received from the TLS client with `tls_fingerprint`. A refusal after
// the envelope was decoded carries its hash, and after the payload was decoded its query id.
std::variant<VerifiedQuery, Refusal> VerifyQuery(std::string_view body,
                                                 const storage::PeerRegistry::Snapshot& peers,
                                                 std::string_view tls_fingerprint, int64_t now_ms,
                                                 const VerifySettings& settings);

// Checks the signer, key and signature of an envelope from `expected_signer` (any type). Used
// for answers and key announcements. On failure returns a Refusal with the code.
std::variant<Envelope, Refusal> VerifyFrom(const Envelope& envelope,
                                           const storage::PeerRecord& expected_signer,
                                           int64_t now_ms);

}  // namespace verbind::federation
