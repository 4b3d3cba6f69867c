#include "crypto/x25519.h"

#include <sodium.h>

#include "crypto/sodium.h"

namespace verbind::crypto {

X25519KeyPair GenerateX25519(common::RandomSource& rng) {
  X25519KeyPair kp{SecretBytes(kX25519Bytes), {}};
  rng.Fill(kp.secret.mutable_span());
  kp.public_key = X25519PublicFromSecret(kp.secret.span()).value();
  return kp;
}

common::Result<X25519PublicKey> X25519PublicFromSecret(std::span<const uint8_t> secret) {
  if (secret.size() != kX25519Bytes) return common::InvalidArgument("X25519 secret must be 32 bytes");
  EnsureSodium();
  X25519PublicKey pk;
  crypto_scalarmult_curve25519_base(pk.data(), secret.data());
  return pk;
}

common::Result<SecretBytes> X25519Shared(std::span<const uint8_t> secret,
                                         std::span<const uint8_t> public_key) {
  if (secret.size() != kX25519Bytes || public_key.size() != kX25519Bytes) {
    return common::InvalidArgument("X25519 keys must be 32 bytes");
  }
  EnsureSodium();
  SecretBytes out(kX25519Bytes);
  if (crypto_scalarmult_curve25519(out.data(), secret.data(), public_key.data()) != 0) {
    return common::InvalidArgument("X25519 peer key has low order (shared secret is zero)");
  }
  return out;
}

}  // namespace verbind::crypto
