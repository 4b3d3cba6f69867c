#include "crypto/system_random.h"

#include <sodium.h>

#include "common/check.h"
#include "crypto/sodium.h"

namespace verbind::crypto {

void SystemRandom::Fill(std::span<uint8_t> out) {
  EnsureSodium();
  randombytes_buf(out.data(), out.size());
}

SystemRandom& SystemRandom::Get() {
  static SystemRandom rng;
  return rng;
}

uint64_t UniformBelow(common::RandomSource& rng, uint64_t upper) {
  CHECK(upper > 0);
  // Rejection sampling: accept v < limit where limit is the largest multiple of upper.
  uint64_t limit = UINT64_MAX - (UINT64_MAX % upper + 1) % upper;
  for (;;) {
    uint64_t v = rng.NextU64();
    if (v <= limit) return v % upper;
  }
}

}  // namespace verbind::crypto
