// DeterministicRandom: a RandomSource whose whole output is fixed by a 32-byte seed, for noise
// that must be the same every time the same question is asked (federation/dp.h). It expands
// the seed with libsodium's randombytes_buf_deterministic (ChaCha20) in blocks; after each
// block the next seed is derived from the previous one and a block counter (keyed BLAKE2b),
// and the previous seed and every used byte are wiped, so a later state does not reveal
// earlier output. DeriveSeed makes such seeds from a secret key and a message.
// Thread-safe (a mutex), although a shared deterministic stream is only deterministic for one
// caller at a time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string_view>

#include "common/random.h"

namespace verbind::crypto {

// The seed of a deterministic stream: 32 bytes (a ChaCha20 key).
inline constexpr size_t kDeterministicSeedBytes = 32;
using DeterministicSeed = std::array<uint8_t, kDeterministicSeedBytes>;

class DeterministicRandom final : public common::RandomSource {
 public:
  explicit DeterministicRandom(const DeterministicSeed& seed);
  // Wipes the seed and the unread output.
  ~DeterministicRandom() override;
  DeterministicRandom(const DeterministicRandom&) = delete;
  DeterministicRandom& operator=(const DeterministicRandom&) = delete;

  // The next out.size() bytes of the stream. Never fails.
  void Fill(std::span<uint8_t> out) override;

 private:
  static constexpr size_t kBlockBytes = 512;
  void Refill();  // needs mu_
  std::mutex mu_;
  DeterministicSeed seed_;
  std::array<uint8_t, kBlockBytes> block_;
  size_t used_ = kBlockBytes;
  uint64_t counter_ = 0;
};

// A seed: BLAKE2b-256 of `message` keyed with `key` (16 to 64 bytes; aborts otherwise, a bug).
// Without the key the seed cannot be predicted; with it, equal messages give equal seeds.
DeterministicSeed DeriveSeed(std::span<const uint8_t> key, std::string_view message);

}  // namespace verbind::crypto
