// The write side of a dataset: its entry (the published state, the writer lock and the key
// index) and the commits that change it. Every commit is one RocksDB write batch, synced to the
// WAL, holding the chunks, deletion bitmaps, dictionary additions and the metadata record, so a
// crash leaves all of it or none. Only after the write succeeds is the new state published,
// the cache filled and the key index updated.
// Thread-safety: DatasetEntry::Snapshot/Publish are thread-safe; everything else here runs
// under the entry's writer lock.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/internal/chunk_store.h"
#include "storage/internal/dataset_state.h"
#include "storage/internal/ingest_batch.h"
#include "storage/internal/key_index.h"

namespace verbind::storage {

struct DatasetEntry {
  std::timed_mutex writer;
  // Guarded by `writer`:
  std::unique_ptr<KeyIndex> index;  // keyed datasets; null until first needed
  // Set (under `writer`) when the dataset is dropped; read by scans without the lock.
  std::atomic<bool> dropped{false};

  std::shared_ptr<const DatasetState> Snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return state_;
  }
  void Publish(std::shared_ptr<const DatasetState> s) {
    std::lock_guard<std::mutex> lock(mu_);
    state_ = std::move(s);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const DatasetState> state_;
};

// Builds the key index from the stored keys when the dataset has a key and none is built.
common::Status EnsureKeyIndex(const ChunkStore& store, DatasetEntry& entry);

// Commits an ingest batch on top of `base` (the published state). Returns the new state.
common::Result<std::shared_ptr<const DatasetState>> CommitBatch(
    const ChunkStore& store, DatasetEntry& entry, const DatasetState& base,
    const BatchBuilder& batch, const std::vector<std::vector<std::string>>& new_labels,
    int64_t now_ms);

// Erases the records with these keys (keyed datasets); reports keys not found.
common::Result<EraseReport> EraseKeys(const ChunkStore& store, DatasetEntry& entry,
                                      const std::vector<std::string>& keys, int64_t now_ms);

}  // namespace verbind::storage
