// Randomness behind an interface so tests can be deterministic. The production source is
// crypto::SystemRandom (libsodium's CSPRNG). Implementations must be thread-safe.
#pragma once

#include <cstdint>
#include <span>

namespace verbind::common {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Fills `out` with random bytes. Never fails.
  virtual void Fill(std::span<uint8_t> out) = 0;

  uint64_t NextU64() {
    uint8_t b[8];
    Fill(b);
    uint64_t v = 0;
    for (uint8_t x : b) v = (v << 8) | x;
    return v;
  }
};

// A deterministic generator for tests (splitmix64). Not for secrets. Thread-compatible only.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  void Fill(std::span<uint8_t> out) override {
    for (auto& b : out) {
      state_ += 0x9e3779b97f4a7c15ULL;
      uint64_t z = state_;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      b = static_cast<uint8_t>(z ^ (z >> 31));
    }
  }

 private:
  uint64_t state_;
};

}  // namespace verbind::common
