// Ed25519 signatures (RFC 8032, libsodium). Verification is strict: non-canonical signatures
// and small-order keys or R points are refused (checked against Wycheproof vectors).
// SigningKey wipes its secret when destroyed. All functions are thread-safe; a SigningKey may
// be used from many threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "common/random.h"
#include "common/status.h"
#include "crypto/secret.h"

namespace verbind::crypto {

constexpr size_t kEd25519PublicKeyBytes = 32;
constexpr size_t kEd25519SeedBytes = 32;
constexpr size_t kEd25519SignatureBytes = 64;

using Ed25519PublicKey = std::array<uint8_t, kEd25519PublicKeyBytes>;
using Ed25519Signature = std::array<uint8_t, kEd25519SignatureBytes>;

class SigningKey {
 public:
  // A new random key.
  static SigningKey Generate(common::RandomSource& rng);
  // The key for a 32-byte seed (the private key of RFC 8032).
  static common::Result<SigningKey> FromSeed(std::span<const uint8_t> seed);

  const Ed25519PublicKey& public_key() const { return public_key_; }
  // The 32-byte seed, for storing the key in a secret file.
  const SecretBytes& seed() const { return seed_; }
  Ed25519Signature Sign(std::span<const uint8_t> message) const;

 private:
  SigningKey() = default;
  SecretBytes seed_;
  SecretBytes expanded_;  // libsodium's 64-byte secret key (seed || public key)
  Ed25519PublicKey public_key_{};
};

// True when `signature` is a valid Ed25519 signature of `message` by `public_key`.
bool Ed25519Verify(std::span<const uint8_t> public_key, std::span<const uint8_t> message,
                   std::span<const uint8_t> signature);

// The key id of a public key: lower-case hex of the first 8 bytes of SHA-256(public key).
std::string KeyIdOf(std::span<const uint8_t> public_key);

}  // namespace verbind::crypto
