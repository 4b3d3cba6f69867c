#include "node/scan_cache.h"

namespace verbind::node {

size_t ScanCache::SizeOf(const std::string& key, const CachedScan& value) {
  // Cells hold small vectors of JSON keys and aggregate states: a generous flat estimate.
  size_t bytes = sizeof(Entry) + 2 * key.size() + sizeof(CachedScan) + 128;
  bytes += value.table.items.size() * 128 + value.table.cells.size() * 384;
  for (const auto& cell : value.table.cells) bytes += cell.values.size() * 96;
  if (value.record_set) bytes += static_cast<size_t>(value.record_set->cells()) * 24;
  return bytes;
}

std::shared_ptr<const CachedScan> ScanCache::Find(const std::string& key) {
  if (max_bytes_ == 0) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->value;
}

void ScanCache::Put(const std::string& key, std::shared_ptr<const CachedScan> value) {
  if (max_bytes_ == 0 || !value) return;
  size_t bytes = SizeOf(key, *value);
  if (bytes > max_bytes_ / 4) return;  // one large answer must not empty the cache
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(Entry{key, std::move(value), bytes});
  index_[key] = lru_.begin();
  bytes_ += bytes;
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    bytes_ -= lru_.back().bytes;
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

uint64_t ScanCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

uint64_t ScanCache::misses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return misses_;
}

size_t ScanCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

}  // namespace verbind::node
