// The payloads inside envelopes (docs/protocol.md, "Payloads"): a signed query, the partial
// result or refusal that answers it, and a key announcement. Parsers are strict (unknown keys,
// wrong types and out-of-range values are refused) because they read untrusted bytes.
// Thread-safe (values and pure functions).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <optional>

#include "common/random.h"
#include "config/schema.h"
#include "common/status.h"

namespace verbind::federation {

constexpr size_t kMaxParticipants = 256;

struct QueryPayload {
  std::string query_id;     // 32 lower-case hex
  std::string requester;    // organisation id; must equal the envelope signer
  std::string dataset;
  nlohmann::json query;     // the query in its JSON form (docs/query.md)
  std::string purpose;      // processing activity id
  std::string legal_basis;
  std::vector<std::string> participants;  // organisations asked (including the requester)
  int64_t issued_at = 0;    // Unix seconds
  int64_t expires_at = 0;
  std::string nonce;        // base64url of 16 random bytes
  // The definition the requester expects the dataset to conform to (its own copy's), if any.
  std::optional<config::DefinitionRef> definition;
};

struct PartialPayload {
  std::string query_hash;  // EnvelopeHash of the query envelope answered
  std::string query_id;
  std::string responder;
  std::string dataset;
  std::optional<config::DefinitionRef> definition;  // the responder's dataset conforms to it
  int64_t computed_at = 0;
  nlohmann::json result;   // docs/protocol.md, "Partial results"
  uint64_t audit_seq = 0;  // the responder's audit log head after logging this answer
  std::string audit_head;
};

struct RefusalPayload {
  std::string query_hash;  // empty when the query envelope could not be read
  std::string query_id;
  std::string responder;
  std::string code;
  std::string message;
  std::string trace_id;
  int64_t refused_at = 0;
};

struct KeyAnnouncement {
  std::string org_id;
  std::string new_key_id;
  std::string new_public_key;   // 32 raw bytes
  std::string tls_certificate;  // PEM; empty when the certificate is unchanged
  std::string tls_fingerprint;  // of tls_certificate
  int64_t overlap_until = 0;    // Unix seconds: the old key and certificate stay valid until then
  int64_t issued_at = 0;
  std::string nonce;
};

// A purpose (processing activity id): 1-128 of A-Z a-z 0-9 . _ - : /
bool IsValidPurpose(std::string_view s);
// A new random query id (32 hex) and nonce (base64url of 16 bytes).
std::string NewQueryId(common::RandomSource& rng);
std::string NewNonce(common::RandomSource& rng);

std::string EncodeQuery(const QueryPayload& q);
common::Result<QueryPayload> DecodeQuery(std::string_view bytes);
std::string EncodePartial(const PartialPayload& p);
common::Result<PartialPayload> DecodePartial(std::string_view bytes);
std::string EncodeRefusal(const RefusalPayload& r);
common::Result<RefusalPayload> DecodeRefusal(std::string_view bytes);
std::string EncodeKeyAnnouncement(const KeyAnnouncement& k);
common::Result<KeyAnnouncement> DecodeKeyAnnouncement(std::string_view bytes);

}  // namespace verbind::federation
