// BatchBuilder: collects the accepted rows of one ingest batch into column chunks aligned to the
// dataset's permanent row numbers (the batch continues the dataset's partly filled last chunk,
// which it rewrites), and resolves rows whose record key is taken (stored, or earlier in the
// batch): in upsert mode the older row is marked deleted, so the latest row wins; in insert
// mode the row is a conflict, for the session to reject. Resolution happens once, when the
// batch is sealed: the batch's key hashes are sorted, which puts repeated keys side by side and
// lets the dataset's KeyIndex be probed in memory order; every match is confirmed against the
// key text. Nothing is written here; the store commits the result atomically.
// Thread-compatible (used under the dataset's writer lock).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "storage/dataset_store.h"
#include "storage/internal/chunk_store.h"
#include "storage/internal/column_chunk.h"
#include "storage/internal/dataset_state.h"
#include "storage/internal/key_index.h"
#include "storage/internal/row_converter.h"

namespace verbind::storage {

// Most rows one batch may hold (its chunks are kept in memory until the commit).
constexpr uint64_t kMaxBatchRows = 10'000'000;

// A batch row whose record key is taken (insert mode): by an earlier row of the batch, the
// key's first occurrence there, or by a stored record (earlier < 0).
struct KeyConflict {
  uint32_t row = 0;  // batch rows: 0 is the batch's first
  int64_t earlier = -1;
};

// The chunks of one chunk number written by the batch.
struct BuiltChunk {
  uint32_t chunk = 0;
  uint32_t rows = 0;
  std::vector<std::shared_ptr<const ColumnChunk>> values;           // per field; null: identifier
  std::vector<std::shared_ptr<const IdentifierChunk>> identifiers;  // per field; null otherwise
};

class BatchBuilder {
 public:
  // `index`: the dataset's key index (keyed datasets), built and current for `base`.
  BatchBuilder(const DatasetState& base, const ChunkStore* chunks, const KeyIndex* index,
               IngestMode mode);
  ~BatchBuilder();

  // Appends an accepted row.
  common::Status Append(const RowValues& row);
  // Ends the batch: the open chunk becomes the last BuiltChunk and taken keys are resolved.
  common::Status Seal();
  // Insert mode, after Seal: takes `rows` (batch rows, ascending) out of the batch so that
  // nothing of them is written. The chunks are rebuilt without them, and the new categorical
  // labels only they used are dropped from `new_labels` (per field, in code order; the
  // remaining labels are renumbered).
  void Remove(const std::vector<uint32_t>& rows, std::vector<std::vector<std::string>>* new_labels);

  uint64_t rows() const { return rows_; }
  // The record key of a batch row (keyed datasets, after Seal).
  std::string_view Key(uint32_t row) const;
  // Insert mode, after Seal: the rows whose key is taken, in row order.
  const std::vector<KeyConflict>& conflicts() const { return conflicts_; }
  // Rows of this batch that replaced a record (stored, or earlier in the batch); after Seal.
  uint64_t replaced() const { return replaced_count_; }
  uint64_t generation() const { return generation_; }
  const std::vector<BuiltChunk>& chunks() const { return built_; }
  // Rows (stored or of this batch) that replacements marked deleted.
  const std::vector<uint32_t>& deleted_rows() const { return deleted_; }
  // (key hash, row) of stored records this batch replaced.
  const std::vector<std::pair<uint64_t, uint32_t>>& replaced_stored() const { return replaced_; }
  // (key hash, row) of this batch's rows that are live at its end, in hash order.
  std::vector<std::pair<uint64_t, uint32_t>> LiveKeys() const;

 private:
  struct OpenChunk;
  common::Status Prefill();
  void StartChunk(uint32_t chunk);
  void AddToOpen(const RowValues& row);
  void SealOpen();
  common::Status Resolve();
  void ReplaceRepeats(size_t begin, size_t end);
  void RefuseRepeats(size_t begin, size_t end);
  common::Status ResolveStored();
  common::Result<bool> StoredKeyIs(uint32_t row, std::string_view key);
  void RenumberKeys(const std::vector<uint32_t>& removed);

  const DatasetState& base_;
  const ChunkStore* store_;
  const KeyIndex* index_;
  const config::Schema& schema_;
  const std::optional<size_t> key_field_;
  const uint64_t generation_;
  const IngestMode mode_;
  uint64_t rows_ = 0;
  bool prefilled_ = false;
  std::unique_ptr<OpenChunk> open_;
  std::vector<BuiltChunk> built_;
  std::vector<uint32_t> deleted_;
  std::vector<std::pair<uint64_t, uint32_t>> replaced_;
  std::vector<uint64_t> batch_hashes_;  // per batch row (keyed datasets)
  std::vector<bool> batch_deleted_;     // replaced (upsert) or in conflict (insert)
  std::vector<KeyConflict> conflicts_;
  std::vector<std::pair<uint64_t, uint32_t>> by_hash_;  // (hash, batch row), sorted at Seal
  uint64_t replaced_count_ = 0;
  std::vector<std::shared_ptr<const IdentifierChunk>> stored_keys_;  // per stored chunk, loaded
};

}  // namespace verbind::storage
