// SecretBytes: a byte buffer for keys and tokens that is wiped (sodium_memzero) when it dies,
// plus the rules for secret files: written with mode 0600, and refused at load when a group or
// other user can read them. Thread-compatible (like std::vector).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace verbind::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n) : data_(n) {}
  explicit SecretBytes(std::span<const uint8_t> bytes) : data_(bytes.begin(), bytes.end()) {}
  SecretBytes(const SecretBytes&) = default;
  SecretBytes& operator=(const SecretBytes& other);
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();

  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  std::span<const uint8_t> span() const { return data_; }
  std::span<uint8_t> mutable_span() { return data_; }

 private:
  void Wipe();
  std::vector<uint8_t> data_;
};

// Reads a secret file, refusing one that a group or other user may read or write.
common::Result<SecretBytes> ReadSecretFile(const std::string& path, size_t max_bytes = 1 << 16);
// Writes a secret file with mode 0600, atomically; refuses to replace an existing one unless
// `overwrite`.
common::Status WriteSecretFile(const std::string& path, std::span<const uint8_t> bytes,
                               bool overwrite = false);

// Compares in constant time for equal lengths.
bool ConstantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace verbind::crypto
