#include "node/scan_cache.h"

namespace verbind::node {

size_t ScanCache::SizeOf(const std::string& key, const CachedScan& value) {
  // Cells hold small vectors of JSON keys and aggregate states: a generous flat estimate.
  size_t bytes = 2 * key.size() + sizeof(CachedScan) + 256;
  bytes += value.table.items.size() * 128 + value.table.cells.size() * 384;
  for (const auto& cell : value.table.cells) bytes += cell.values.size() * 96;
  if (value.record_set) bytes += static_cast<size_t>(value.record_set->cells()) * 24;
  return bytes;
}

std::shared_ptr<const CachedScan> ScanCache::Find(const std::string& key) {
  if (!enabled()) return nullptr;
  auto hit = entries_.Get(key);
  ++(hit ? hits_ : misses_);
  return hit;
}

void ScanCache::Put(const std::string& key, std::shared_ptr<const CachedScan> value) {
  if (!value) return;
  size_t bytes = SizeOf(key, *value);
  if (bytes <= entries_.capacity() / 4) entries_.Put(key, std::move(value), bytes);
}

}  // namespace verbind::node
