#include "crypto/signing.h"

#include <sodium.h>

#include "common/encoding.h"
#include "crypto/hash.h"
#include "crypto/sodium.h"

namespace verbind::crypto {

static_assert(crypto_sign_PUBLICKEYBYTES == kEd25519PublicKeyBytes);
static_assert(crypto_sign_SEEDBYTES == kEd25519SeedBytes);
static_assert(crypto_sign_BYTES == kEd25519SignatureBytes);

SigningKey SigningKey::Generate(common::RandomSource& rng) {
  SecretBytes seed(kEd25519SeedBytes);
  rng.Fill(seed.mutable_span());
  return std::move(FromSeed(seed.span())).value();
}

common::Result<SigningKey> SigningKey::FromSeed(std::span<const uint8_t> seed) {
  if (seed.size() != kEd25519SeedBytes) {
    return common::InvalidArgument("an Ed25519 seed has 32 bytes, not " +
                                   std::to_string(seed.size()));
  }
  EnsureSodium();
  SigningKey key;
  key.seed_ = SecretBytes(seed);
  key.expanded_ = SecretBytes(crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair(key.public_key_.data(), key.expanded_.data(), seed.data());
  return key;
}

Ed25519Signature SigningKey::Sign(std::span<const uint8_t> message) const {
  Ed25519Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), expanded_.data());
  return sig;
}

bool Ed25519Verify(std::span<const uint8_t> public_key, std::span<const uint8_t> message,
                   std::span<const uint8_t> signature) {
  if (public_key.size() != kEd25519PublicKeyBytes || signature.size() != kEd25519SignatureBytes) {
    return false;
  }
  EnsureSodium();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     public_key.data()) == 0;
}

std::string KeyIdOf(std::span<const uint8_t> public_key) {
  Sha256Digest d = Sha256(public_key);
  return common::HexEncode(std::span<const uint8_t>(d.data(), 8));
}

}  // namespace verbind::crypto
