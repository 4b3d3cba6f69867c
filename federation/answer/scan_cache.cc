#include "federation/answer/scan_cache.h"

namespace verbind::federation {

size_t ScanCache::SizeOf(const std::string& key, const storage::ScanResult& value) {
  // Cells hold small key vectors and aggregate states: a generous flat estimate, plus the
  // variable parts of histograms, sketches and co-moments.
  size_t bytes = 2 * key.size() + sizeof(storage::ScanResult) + 256;
  for (const auto& cell : value.cells) {
    bytes += 128 + cell.key.values.size() * 8 + cell.aggregates.size() * 160;
    for (const auto& state : cell.aggregates) {
      if (auto* h = std::get_if<storage::HistogramState>(&state)) bytes += h->bins.size() * 8;
      if (auto* q = std::get_if<storage::SketchState>(&state)) bytes += q->buckets.size() * 48;
      if (auto* c = std::get_if<storage::CoMomentState>(&state)) bytes += c->c.size() * 8;
    }
  }
  return bytes;
}

std::shared_ptr<const storage::ScanResult> ScanCache::Find(const std::string& key) {
  if (!enabled()) return nullptr;
  auto hit = entries_.Get(key);
  ++(hit ? hits_ : misses_);
  return hit;
}

void ScanCache::Put(const std::string& key, std::shared_ptr<const storage::ScanResult> value) {
  if (!value) return;
  size_t bytes = SizeOf(key, *value);
  if (bytes <= entries_.capacity() / 4) entries_.Put(key, std::move(value), bytes);
}

}  // namespace verbind::federation
