// SHA-256, computed by OpenSSL (which uses the CPU's SHA extensions where it has them: about
// four times libsodium's portable code on a 1.5 KB envelope). Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
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
  ~Sha256Hasher();
  Sha256Hasher(Sha256Hasher&&) noexcept;
  Sha256Hasher& operator=(Sha256Hasher&&) noexcept;
  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data);
  // The digest of everything updated so far. Call once.
  Sha256Digest Finish();

 private:
  struct Context;
  std::unique_ptr<Context> ctx_;
};

}  // namespace verbind::crypto
