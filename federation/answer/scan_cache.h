// ScanCache: the exact outcomes of recent dataset scans, so that a query asked again of
// unchanged data is not scanned again. Peers and dashboards repeat the same aggregate many
// times a day; the data changes far less often.
//
// An entry's key names the dataset by name, creation time and generation (which changes on
// every ingest and erase), the query in canonical form and every scan setting that shapes the
// outcome, so an entry is never found for data or settings it was not computed from. The
// protection (noise or thresholds), the budget charge and the audit entry run for every
// answer as before. Least recently used entries go first when the entries pass `max_bytes`;
// 0 turns the cache off. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/lru_cache.h"
#include "storage/dataset_store.h"

namespace verbind::federation {

class ScanCache {
 public:
  explicit ScanCache(size_t max_bytes) : entries_(max_bytes) {}

  bool enabled() const { return entries_.capacity() > 0; }
  std::shared_ptr<const storage::ScanResult> Find(const std::string& key);
  // One entry may take at most a quarter of the memory, so one large answer cannot empty it.
  void Put(const std::string& key, std::shared_ptr<const storage::ScanResult> value);

  uint64_t hits() const { return hits_.load(); }
  uint64_t misses() const { return misses_.load(); }
  size_t bytes() const { return entries_.bytes(); }

  // An estimate of the memory an entry holds.
  static size_t SizeOf(const std::string& key, const storage::ScanResult& value);

 private:
  common::LruCache<std::string, storage::ScanResult> entries_;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace verbind::federation
