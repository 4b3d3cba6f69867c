// X25519 key agreement (RFC 7748, libsodium), kept for secure aggregation between nodes.
// Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "common/random.h"
#include "common/status.h"
#include "crypto/secret.h"

namespace verbind::crypto {

constexpr size_t kX25519Bytes = 32;
using X25519PublicKey = std::array<uint8_t, kX25519Bytes>;

struct X25519KeyPair {
  SecretBytes secret;  // 32 bytes
  X25519PublicKey public_key;
};

X25519KeyPair GenerateX25519(common::RandomSource& rng);
// The public key for a 32-byte secret scalar.
common::Result<X25519PublicKey> X25519PublicFromSecret(std::span<const uint8_t> secret);
// The shared secret of `secret` and a peer's `public_key`. Refuses a result of all zeros
// (a low-order peer key), as RFC 7748 section 6.1 allows.
common::Result<SecretBytes> X25519Shared(std::span<const uint8_t> secret,
                                         std::span<const uint8_t> public_key);

}  // namespace verbind::crypto
