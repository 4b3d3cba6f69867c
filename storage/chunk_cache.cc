#include "storage/internal/chunk_cache.h"

namespace verbind::storage {

size_t ChunkCache::Hash::operator()(const ChunkCacheKey& k) const {
  uint64_t h = k.dataset;
  for (uint64_t v : {uint64_t{k.kind}, uint64_t{k.column}, uint64_t{k.chunk}, k.generation}) {
    h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
  }
  return static_cast<size_t>(h);
}

}  // namespace verbind::storage
