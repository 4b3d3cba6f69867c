#include "storage/nonce_store.h"

namespace verbind::storage {

using common::Status;

// Keys: "n" signer 0x00 nonce -> expiry (8 bytes); "x" expiry (8 bytes) signer 0x00 nonce -> "".
std::string NonceStore::Key(std::string_view signer, std::string_view nonce) {
  std::string k = "n";
  k += signer;
  k += '\0';
  k += nonce;
  return k;
}

Status NonceStore::Reserve(std::string_view signer, std::string_view nonce) {
  std::string key = Key(signer, nonce);
  std::lock_guard<std::mutex> lock(mu_);
  if (reserved_.count(key)) return common::AlreadyExists("nonce is being used by another request");
  ASSIGN_OR_RETURN(auto stored, db_->Get(Family::kNonces, key));
  if (stored) return common::AlreadyExists("nonce was used before");
  reserved_.insert(key);
  return Status::Ok();
}

void NonceStore::Record(std::string_view signer, std::string_view nonce, int64_t keep_until_s,
                        WriteBatch* batch) const {
  std::string expiry;
  AppendU64(&expiry, static_cast<uint64_t>(keep_until_s));
  batch->Put(Family::kNonces, Key(signer, nonce), expiry);
  std::string index = "x" + expiry;
  index += signer;
  index += '\0';
  index += nonce;
  batch->Put(Family::kNonces, index, "");
}

void NonceStore::Release(std::string_view signer, std::string_view nonce) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = reserved_.find(Key(signer, nonce));
  if (it != reserved_.end()) reserved_.erase(it);
}

common::Result<int64_t> NonceStore::Purge(int64_t now_s) {
  std::string end = "x";
  AppendU64(&end, static_cast<uint64_t>(now_s));
  WriteBatch batch;
  int64_t n = 0;
  RETURN_IF_ERROR(db_->ScanRange(Family::kNonces, "x", end, [&](std::string_view k,
                                                                std::string_view) {
    std::string_view rest = k.substr(9);
    size_t zero = rest.find('\0');
    if (zero != std::string_view::npos) {
      batch.Delete(Family::kNonces, Key(rest.substr(0, zero), rest.substr(zero + 1)));
    }
    batch.Delete(Family::kNonces, k);
    return ++n < 100000;
  }));
  if (n > 0) RETURN_IF_ERROR(db_->Write(batch, false));
  return n;
}

}  // namespace verbind::storage
