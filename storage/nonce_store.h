// NonceStore: query nonces already seen, kept until their query expires (plus the clock skew),
// in RocksDB so they survive restarts and crashes. A nonce is first reserved in memory (so two
// copies of one envelope arriving at once cannot both pass), then made permanent by writing
// Record()'s batch together with the audit entry of the decision. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <string>

#include "common/status.h"
#include "storage/database.h"

namespace verbind::storage {

class NonceStore {
 public:
  explicit NonceStore(Database* db) : db_(db) {}

  // Reserves (signer, nonce). AlreadyExists when it was seen before or is reserved now.
  common::Status Reserve(std::string_view signer, std::string_view nonce);
  // Adds the permanent record to `batch` (keep it until `keep_until_s`, Unix seconds).
  void Record(std::string_view signer, std::string_view nonce, int64_t keep_until_s,
              WriteBatch* batch) const;
  // Ends a reservation (after the batch committed, or when the request is abandoned).
  void Release(std::string_view signer, std::string_view nonce);
  // Deletes records whose time has passed. Returns how many.
  common::Result<int64_t> Purge(int64_t now_s);

 private:
  static std::string Key(std::string_view signer, std::string_view nonce);
  Database* db_;
  std::mutex mu_;
  std::set<std::string, std::less<>> reserved_;
};

}  // namespace verbind::storage
