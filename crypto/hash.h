// SHA-256. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace verbind::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(std::span<const uint8_t> data);
Sha256Digest Sha256(std::string_view data);
// Lower-case hex of SHA-256(data).
std::string Sha256Hex(std::string_view data);

// Incremental SHA-256 for data that arrives in pieces. Thread-compatible.
class Sha256Hasher {
 public:
  Sha256Hasher();
  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data);
  Sha256Digest Finish();

 private:
  alignas(16) unsigned char state_[128];
};

}  // namespace verbind::crypto
