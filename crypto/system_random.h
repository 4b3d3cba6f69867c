// SystemRandom: the production RandomSource, libsodium's CSPRNG (getrandom on Linux).
// Thread-safe.
#pragma once

#include "common/random.h"

namespace verbind::crypto {

class SystemRandom final : public common::RandomSource {
 public:
  void Fill(std::span<uint8_t> out) override;
  // The process-wide instance.
  static SystemRandom& Get();
};

// A uniform integer in [0, upper) from `rng`, without modulo bias. `upper` > 0.
uint64_t UniformBelow(common::RandomSource& rng, uint64_t upper);

}  // namespace verbind::crypto
