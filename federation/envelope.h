// Signed envelopes: how every message between nodes travels (docs/protocol.md, "Envelopes").
//
// An envelope carries the exact payload bytes (JSON, base64url on the wire), the signer's
// organisation id and key id, and an Ed25519 signature over a domain-separated message:
//
//   "verbind-envelope-v1" 0x00 type 0x00 signer 0x00 key_id 0x00 payload
//
// Bytes are signed as sent, so nobody needs to canonicalise JSON. The envelope hash (what a
// partial result names to bind itself to one query) is SHA-256(message || signature).
// Thread-safe (values and pure functions).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/hash.h"
#include "crypto/signing.h"

namespace verbind::federation {

// Message types.
inline constexpr std::string_view kTypeQuery = "query";
inline constexpr std::string_view kTypePartial = "partial";
inline constexpr std::string_view kTypeRefusal = "refusal";
inline constexpr std::string_view kTypeKeyAnnouncement = "key-announcement";
inline constexpr std::string_view kTypeReceipt = "receipt";
inline constexpr std::string_view kTypeDefinition = "dataset-definition";
inline constexpr std::string_view kTypeTransparencyRegister = "transparency-register";

constexpr size_t kMaxEnvelopeBytes = 1 << 20;  // the default peer body limit
constexpr size_t kMaxPayloadBytes = 700 * 1024;

struct Envelope {
  int version = 1;
  std::string type;
  std::string signer;   // organisation id
  std::string key_id;   // crypto::KeyIdOf(public key)
  std::string payload;  // the exact signed bytes
  std::string signature;  // 64 raw bytes
};

// The bytes the signature covers.
std::string SigningMessage(std::string_view type, std::string_view signer, std::string_view key_id,
                           std::string_view payload);
// Signs `payload` as `type` from `signer` with `key`.
Envelope SealEnvelope(std::string_view type, std::string_view signer, const crypto::SigningKey& key,
                      std::string payload);
// True when the signature verifies under `public_key` (32 raw bytes).
bool VerifyEnvelopeSignature(const Envelope& e, std::string_view public_key);
// SHA-256(message || signature), lower-case hex.
std::string EnvelopeHash(const Envelope& e);

// The JSON wire form: {"v":1,"type":..,"signer":..,"key_id":..,"payload":b64url,"signature":b64url}.
std::string EncodeEnvelope(const Envelope& e);
// Parses the wire form strictly: a JSON object with exactly these keys and types, version 1, a
// known type, valid names, base64url fields of the right sizes. InvalidArgument says what.
common::Result<Envelope> DecodeEnvelope(std::string_view json);

}  // namespace verbind::federation
