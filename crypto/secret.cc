#include "crypto/secret.h"

#include <sodium.h>

#include "common/encoding.h"
#include "common/files.h"
#include "crypto/sodium.h"

namespace verbind::crypto {

using common::Result;
using common::Status;

void EnsureSodium() {
  static const bool ok = sodium_init() >= 0;
  CHECK(ok);
}

SecretBytes& SecretBytes::operator=(const SecretBytes& other) {
  if (this != &other) {
    Wipe();
    data_ = other.data_;
  }
  return *this;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)) {
  other.data_.clear();
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    data_ = std::move(other.data_);
    other.data_.clear();
  }
  return *this;
}

SecretBytes::~SecretBytes() { Wipe(); }

void SecretBytes::Wipe() {
  if (!data_.empty()) sodium_memzero(data_.data(), data_.size());
  data_.clear();
}

Result<SecretBytes> ReadSecretFile(const std::string& path, size_t max_bytes) {
  ASSIGN_OR_RETURN(mode_t mode, common::FileMode(path));
  if (mode & 077) {
    return common::PermissionDenied("secret file " + path +
                                    " is accessible by other users; run: chmod 600 " + path);
  }
  ASSIGN_OR_RETURN(std::string text, common::ReadFile(path, max_bytes));
  SecretBytes out(common::AsBytes(text));
  sodium_memzero(text.data(), text.size());
  return out;
}

Status WriteSecretFile(const std::string& path, std::span<const uint8_t> bytes, bool overwrite) {
  return common::WriteFileAtomic(path, common::AsChars(bytes), 0600, overwrite);
}

bool ConstantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  EnsureSodium();
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace verbind::crypto
