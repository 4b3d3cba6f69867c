#include "crypto/deterministic_random.h"

#include <sodium.h>

#include <algorithm>

#include "common/check.h"
#include "crypto/sodium.h"

namespace verbind::crypto {

static_assert(kDeterministicSeedBytes == randombytes_SEEDBYTES);

DeterministicRandom::DeterministicRandom(const DeterministicSeed& seed) : seed_(seed) {
  EnsureSodium();
}

DeterministicRandom::~DeterministicRandom() {
  sodium_memzero(seed_.data(), seed_.size());
  sodium_memzero(block_.data(), block_.size());
}

void DeterministicRandom::Refill() {
  randombytes_buf_deterministic(block_.data(), block_.size(), seed_.data());
  // Next seed = BLAKE2b-256(key = this seed, "verbind drbg next" || counter, little-endian).
  ++counter_;
  uint8_t message[25] = "verbind drbg next";
  for (int i = 0; i < 8; ++i) message[17 + i] = static_cast<uint8_t>(counter_ >> (8 * i));
  DeterministicSeed next;
  crypto_generichash(next.data(), next.size(), message, sizeof(message), seed_.data(),
                     seed_.size());
  sodium_memzero(seed_.data(), seed_.size());
  seed_ = next;
  sodium_memzero(next.data(), next.size());
  used_ = 0;
}

void DeterministicRandom::Fill(std::span<uint8_t> out) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t done = 0;
  while (done < out.size()) {
    if (used_ == block_.size()) {
      Refill();
    }
    size_t n = std::min(out.size() - done, block_.size() - used_);
    std::copy_n(block_.data() + used_, n, out.data() + done);
    sodium_memzero(block_.data() + used_, n);
    used_ += n;
    done += n;
  }
}

DeterministicSeed DeriveSeed(std::span<const uint8_t> key, std::string_view message) {
  CHECK(key.size() >= crypto_generichash_KEYBYTES_MIN &&
        key.size() <= crypto_generichash_KEYBYTES_MAX);
  EnsureSodium();
  DeterministicSeed seed;
  crypto_generichash(seed.data(), seed.size(), reinterpret_cast<const uint8_t*>(message.data()),
                     message.size(), key.data(), key.size());
  return seed;
}

}  // namespace verbind::crypto
