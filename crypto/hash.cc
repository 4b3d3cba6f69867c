#include "crypto/hash.h"

#include <sodium.h>

#include "common/encoding.h"
#include "crypto/sodium.h"

namespace verbind::crypto {

static_assert(sizeof(crypto_hash_sha256_state) <= 128);

Sha256Digest Sha256(std::span<const uint8_t> data) {
  EnsureSodium();
  Sha256Digest out;
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

Sha256Digest Sha256(std::string_view data) { return Sha256(common::AsBytes(data)); }

std::string Sha256Hex(std::string_view data) { return common::HexEncode(Sha256(data)); }

Sha256Hasher::Sha256Hasher() {
  EnsureSodium();
  crypto_hash_sha256_init(reinterpret_cast<crypto_hash_sha256_state*>(state_));
}

void Sha256Hasher::Update(std::span<const uint8_t> data) {
  crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state*>(state_), data.data(),
                            data.size());
}

void Sha256Hasher::Update(std::string_view data) { Update(common::AsBytes(data)); }

Sha256Digest Sha256Hasher::Finish() {
  Sha256Digest out;
  crypto_hash_sha256_final(reinterpret_cast<crypto_hash_sha256_state*>(state_), out.data());
  return out;
}

}  // namespace verbind::crypto
