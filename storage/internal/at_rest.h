// AtRestCipher: optional encryption of stored dataset records (chunks and dictionaries) with
// XChaCha20-Poly1305 under the node's 32-byte data key. Each value is sealed with a random
// nonce and the record's position (column family and RocksDB key) as associated data, so a
// sealed chunk moved to another position, or altered in any byte, fails to open (DataLoss).
// Without a key, values pass through unchanged. Thread-safe (immutable after construction).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/secret.h"
#include "storage/database.h"

namespace verbind::storage {

class AtRestCipher {
 public:
  // `key`: empty (no encryption) or 32 bytes.
  static common::Result<AtRestCipher> Create(std::string_view key);

  bool enabled() const { return !key_.empty(); }
  // The value to store at (family, key).
  common::Result<std::string> Seal(Family family, std::string_view key,
                                   std::string_view plain) const;
  // The plain value stored at (family, key); DataLoss when it does not verify.
  common::Result<std::string> Open(Family family, std::string_view key,
                                   std::string stored) const;

 private:
  crypto::SecretBytes key_;
};

}  // namespace verbind::storage
