// ChunkCache: decoded column chunks kept in memory so that a warm scan touches no RocksDB.
// Least-recently-used eviction within a byte budget; entries are immutable and shared, so an
// evicted chunk stays valid for scans still holding it. Keys include the generation that wrote
// the chunk, so a rewritten chunk never aliases its older version. Thread-safe (one mutex; a
// scan takes it once per chunk and column).
#pragma once

#include <cstdint>
#include <memory>

#include "common/lru_cache.h"

namespace verbind::storage {

struct ChunkCacheKey {
  uint32_t dataset = 0;
  uint32_t kind = 0;  // what the entry is (values, identifiers, record ids)
  uint32_t column = 0;
  uint32_t chunk = 0;
  uint64_t generation = 0;
  bool operator==(const ChunkCacheKey& o) const {
    return dataset == o.dataset && kind == o.kind && column == o.column && chunk == o.chunk &&
           generation == o.generation;
  }
};

class ChunkCache {
 public:
  explicit ChunkCache(size_t capacity_bytes) : entries_(capacity_bytes) {}

  // The entry, or null. `T` must be the type it was put with (the kind says which).
  template <typename T>
  std::shared_ptr<const T> Get(const ChunkCacheKey& key) {
    return std::static_pointer_cast<const T>(entries_.Get(key));
  }
  // Adds or replaces an entry of `bytes`, evicting the least recently used ones. An entry
  // larger than the whole budget is not kept.
  void Put(const ChunkCacheKey& key, std::shared_ptr<const void> value, size_t bytes) {
    entries_.Put(key, std::move(value), bytes);
  }
  // Drops every entry of a dataset (after Drop).
  void EraseDataset(uint32_t dataset) {
    entries_.EraseIf([dataset](const ChunkCacheKey& k) { return k.dataset == dataset; });
  }

  size_t bytes() const { return entries_.bytes(); }
  size_t capacity() const { return entries_.capacity(); }

 private:
  struct Hash {
    size_t operator()(const ChunkCacheKey& k) const;
  };
  common::LruCache<ChunkCacheKey, void, Hash> entries_;
};

}  // namespace verbind::storage
