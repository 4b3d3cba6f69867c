// ChunkStore: reads and writes a dataset's stored records (column chunks, identifier chunks,
// deletion bitmaps, dictionaries) through the at-rest cipher, keeping decoded chunks in the
// ChunkCache. A read checks the generation inside the chunk against the snapshot's: a newer one
// means the chunk was rewritten after the snapshot was taken (the read returns null and the
// caller retries with a fresh snapshot); an older one, or any damage, is DataLoss.
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/status.h"
#include "storage/internal/at_rest.h"
#include "storage/internal/chunk_cache.h"
#include "storage/internal/column_chunk.h"
#include "storage/database.h"
#include "storage/internal/dataset_state.h"

namespace verbind::storage {

class ChunkStore {
 public:
  ChunkStore(Database* db, AtRestCipher cipher, size_t cache_bytes);

  // The values of `field` in `chunk` as of snapshot `s`; null when rewritten since.
  common::Result<std::shared_ptr<const ColumnChunk>> Values(const DatasetState& s, uint32_t field,
                                                            uint32_t chunk) const;
  // The identifiers of `field` in `chunk`; `keep` puts a loaded chunk in the cache.
  common::Result<std::shared_ptr<const IdentifierChunk>> Identifiers(const DatasetState& s,
                                                                     uint32_t field,
                                                                     uint32_t chunk,
                                                                     bool keep) const;
  // The deletion bitmap of `chunk` written by `generation`.
  common::Result<DeletionChunk> Deletions(const DatasetState& s, uint32_t chunk,
                                          uint64_t generation) const;
  common::Result<std::shared_ptr<const Dictionary>> LoadDictionary(const DatasetState& s,
                                                                   uint32_t field) const;

  // Adds records to `batch`, sealed when the dataset is encrypted.
  common::Status AddValues(WriteBatch* batch, const DatasetState& s, uint32_t field,
                           uint32_t chunk, const ColumnChunk& c) const;
  common::Status AddIdentifiers(WriteBatch* batch, const DatasetState& s, uint32_t field,
                                uint32_t chunk, const IdentifierChunk& c) const;
  common::Status AddDeletions(WriteBatch* batch, const DatasetState& s, uint32_t chunk,
                              const RowBitmap& deleted, uint64_t generation) const;
  common::Status AddDictionary(WriteBatch* batch, const DatasetState& s, uint32_t field,
                               const Dictionary& d) const;
  // Puts freshly written value chunks in the cache (write-through).
  void CacheValues(uint32_t id, uint32_t field, uint32_t chunk,
                   std::shared_ptr<const ColumnChunk> c) const;

  Database* db() const { return db_; }
  ChunkCache& cache() const { return cache_; }
  // Whether new datasets are encrypted at rest (the node has a data key).
  bool encrypted() const { return cipher_.enabled(); }

 private:
  common::Result<std::optional<std::string>> Read(const DatasetState& s, Family family,
                                                  const std::string& key) const;
  common::Result<std::string> Seal(const DatasetState& s, Family family, const std::string& key,
                                   std::string plain) const;

  Database* db_;
  AtRestCipher cipher_;
  mutable ChunkCache cache_;
};

}  // namespace verbind::storage
