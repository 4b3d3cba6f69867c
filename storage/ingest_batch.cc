#include "storage/internal/ingest_batch.h"

#include <algorithm>

namespace verbind::storage {

using common::Result;
using common::Status;
using config::FieldType;

namespace {

// (hash, index) for every hash, sorted: one pass distributes by the top bits into buckets of
// about eight entries, then each bucket is sorted by insertion.
void SortByHash(const std::vector<uint64_t>& hashes, std::vector<std::pair<uint64_t, uint32_t>>* out) {
  int bits = 8;
  while (bits < 20 && (size_t{1} << (bits + 3)) < hashes.size()) ++bits;
  std::vector<uint32_t> start((size_t{1} << bits) + 1, 0);
  for (uint64_t h : hashes) ++start[(h >> (64 - bits)) + 1];
  for (size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
  out->resize(hashes.size());
  std::vector<uint32_t> next(start.begin(), start.end() - 1);
  for (size_t i = 0; i < hashes.size(); ++i) {
    (*out)[next[hashes[i] >> (64 - bits)]++] = {hashes[i], static_cast<uint32_t>(i)};
  }
  auto& v = *out;
  for (size_t b = 0; b + 1 < start.size(); ++b) {
    for (size_t i = start[b] + 1; i < start[b + 1]; ++i) {
      auto item = v[i];
      size_t j = i;
      for (; j > start[b] && item < v[j - 1]; --j) v[j] = v[j - 1];
      v[j] = item;
    }
  }
}

}  // namespace

struct BatchBuilder::OpenChunk {
  uint32_t chunk = 0;
  uint32_t rows = 0;
  std::vector<std::vector<int64_t>> values;  // per field (empty for identifiers)
  std::vector<RowBitmap> nulls;              // per field
  std::vector<uint8_t> any_null;
  std::vector<std::string> text;                // identifiers: bytes
  std::vector<std::vector<uint32_t>> offsets;   // identifiers: rows + 1
};

BatchBuilder::BatchBuilder(const DatasetState& base, const ChunkStore* chunks,
                           const KeyIndex* index, IngestMode mode)
    : base_(base),
      store_(chunks),
      index_(index),
      schema_(*base.schema),
      key_field_(base.schema->key),
      generation_(base.NextGeneration()),
      mode_(mode) {
  StartChunk(static_cast<uint32_t>(base.rows_total / kChunkRows));
}

BatchBuilder::~BatchBuilder() = default;

void BatchBuilder::StartChunk(uint32_t chunk) {
  size_t n = schema_.fields.size();
  if (!open_) {
    open_ = std::make_unique<OpenChunk>();
    open_->values.resize(n);
    open_->nulls.resize(n);
    open_->text.resize(n);
    open_->offsets.resize(n);
  }
  OpenChunk& o = *open_;
  o.chunk = chunk;
  o.rows = 0;
  o.any_null.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    o.nulls[i].assign(BitmapWords(kChunkRows), 0);
    if (schema_.fields[i].type == FieldType::kIdentifier) {
      o.text[i].clear();
      o.offsets[i].assign(1, 0);
    } else {
      o.values[i].resize(kChunkRows);
    }
  }
}

Status BatchBuilder::Prefill() {
  prefilled_ = true;
  uint32_t rows = static_cast<uint32_t>(base_.rows_total % kChunkRows);
  if (rows == 0) return Status::Ok();
  OpenChunk& o = *open_;
  for (size_t i = 0; i < schema_.fields.size(); ++i) {
    auto f = static_cast<uint32_t>(i);
    if (schema_.fields[i].type == FieldType::kIdentifier) {
      ASSIGN_OR_RETURN(auto ids, store_->Identifiers(base_, f, o.chunk, false));
      if (!ids) return common::Internal("the last chunk changed during an ingest");
      o.text[i] = ids->bytes;
      o.offsets[i] = ids->offsets;
      if (ids->null_count) o.nulls[i] = ids->nulls, o.any_null[i] = 1;
    } else {
      ASSIGN_OR_RETURN(auto col, store_->Values(base_, f, o.chunk));
      if (!col) return common::Internal("the last chunk changed during an ingest");
      for (uint32_t r = 0; r < rows; ++r) o.values[i][r] = col->Value(r);
      if (col->null_count) o.nulls[i] = col->nulls, o.any_null[i] = 1;
    }
    o.nulls[i].resize(BitmapWords(kChunkRows), 0);
  }
  o.rows = rows;
  return Status::Ok();
}

Status BatchBuilder::Append(const RowValues& row) {
  if (!prefilled_) RETURN_IF_ERROR(Prefill());
  if (rows_ >= kMaxBatchRows) {
    return common::ResourceExhausted("a batch holds at most " + std::to_string(kMaxBatchRows) +
                                     " rows; split the input (verbind dataset ingest "
                                     "--batch-rows)");
  }
  uint64_t number = base_.rows_total + rows_;
  if (number > KeyIndex::kMaxRow) {
    return common::ResourceExhausted("dataset " + base_.name + " is full (" +
                                     std::to_string(number) + " rows)");
  }
  if (key_field_) batch_hashes_.push_back(HashKey(row.text[*key_field_]));
  AddToOpen(row);
  ++rows_;
  if (open_->rows == kChunkRows) {
    SealOpen();
    StartChunk(open_->chunk + 1);
  }
  return Status::Ok();
}

void BatchBuilder::AddToOpen(const RowValues& row) {
  OpenChunk& o = *open_;
  uint32_t r = o.rows++;
  for (size_t i = 0; i < schema_.fields.size(); ++i) {
    if (row.nulls[i]) {
      SetBit(o.nulls[i], r);
      o.any_null[i] = 1;
    }
    if (schema_.fields[i].type == FieldType::kIdentifier) {
      o.text[i].append(row.text[i]);
      o.offsets[i].push_back(static_cast<uint32_t>(o.text[i].size()));
    } else {
      o.values[i][r] = row.values[i];
    }
  }
}

void BatchBuilder::SealOpen() {
  OpenChunk& o = *open_;
  BuiltChunk b;
  b.chunk = o.chunk;
  b.rows = o.rows;
  size_t n = schema_.fields.size();
  b.values.resize(n);
  b.identifiers.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t* nulls = o.any_null[i] ? o.nulls[i].data() : nullptr;
    if (schema_.fields[i].type == FieldType::kIdentifier) {
      auto ids = std::make_shared<IdentifierChunk>();
      ids->rows = o.rows;
      ids->generation = generation_;
      ids->bytes = std::move(o.text[i]);
      ids->offsets = std::move(o.offsets[i]);
      if (nulls) {
        ids->nulls.assign(nulls, nulls + BitmapWords(o.rows));
        for (uint64_t w : ids->nulls) ids->null_count += static_cast<uint32_t>(__builtin_popcountll(w));
      }
      b.identifiers[i] = std::move(ids);
    } else {
      b.values[i] = MakeColumnChunk(o.values[i].data(), nulls, o.rows, generation_);
    }
  }
  built_.push_back(std::move(b));
}

Status BatchBuilder::Seal() {
  if (rows_ > 0 && open_ && open_->rows > 0) SealOpen();
  open_.reset();
  return key_field_ ? Resolve() : Status::Ok();
}

void BatchBuilder::ReplaceRepeats(size_t begin, size_t end) {
  // Rows with equal hashes, in row order; a row whose key occurs again later is replaced.
  for (size_t i = begin; i < end; ++i) {
    uint32_t row = by_hash_[i].second;
    std::string_view key = Key(row);
    for (size_t j = i + 1; j < end; ++j) {
      if (Key(by_hash_[j].second) == key) {
        batch_deleted_[row] = true;
        deleted_.push_back(static_cast<uint32_t>(base_.rows_total + row));
        ++replaced_count_;
        break;
      }
    }
  }
}

void BatchBuilder::RefuseRepeats(size_t begin, size_t end) {
  // Rows with equal hashes, in row order; a row whose key occurred earlier conflicts with the
  // key's first occurrence (the row that may be stored).
  for (size_t i = begin + 1; i < end; ++i) {
    uint32_t row = by_hash_[i].second;
    std::string_view key = Key(row);
    for (size_t j = begin; j < i; ++j) {
      uint32_t earlier = by_hash_[j].second;
      if (!batch_deleted_[earlier] && Key(earlier) == key) {
        batch_deleted_[row] = true;
        conflicts_.push_back({row, earlier});
        break;
      }
    }
  }
}

Status BatchBuilder::Resolve() {
  SortByHash(batch_hashes_, &by_hash_);
  batch_deleted_.assign(batch_hashes_.size(), false);
  for (size_t i = 0; i < by_hash_.size();) {
    size_t j = i + 1;
    while (j < by_hash_.size() && by_hash_[j].first == by_hash_[i].first) ++j;
    if (j - i > 1 && mode_ == IngestMode::kUpsert) ReplaceRepeats(i, j);
    if (j - i > 1 && mode_ == IngestMode::kInsert) RefuseRepeats(i, j);
    i = j;
  }
  RETURN_IF_ERROR(ResolveStored());
  std::sort(conflicts_.begin(), conflicts_.end(),
            [](const KeyConflict& a, const KeyConflict& b) { return a.row < b.row; });
  return Status::Ok();
}

Status BatchBuilder::ResolveStored() {
  if (!index_ || index_->size() == 0) return Status::Ok();
  Status error;
  for (const auto& [hash, row] : by_hash_) {
    if (batch_deleted_[row]) continue;
    std::string_view key = Key(row);
    int64_t stored = index_->Find(hash, [&](uint32_t r) {
      auto same = StoredKeyIs(r, key);
      if (!same.ok()) error = same.status();
      return same.ok() && *same;
    });
    RETURN_IF_ERROR(error);
    if (stored < 0) continue;
    if (mode_ == IngestMode::kInsert) {
      batch_deleted_[row] = true;
      conflicts_.push_back({row, -1});
      continue;
    }
    deleted_.push_back(static_cast<uint32_t>(stored));
    replaced_.push_back({hash, static_cast<uint32_t>(stored)});
    ++replaced_count_;
  }
  return Status::Ok();
}

std::string_view BatchBuilder::Key(uint32_t batch_row) const {
  uint64_t row = base_.rows_total + batch_row;
  auto chunk = static_cast<uint32_t>(row / kChunkRows);
  auto r = static_cast<uint32_t>(row % kChunkRows);
  size_t k = *key_field_;
  if (open_ && chunk == open_->chunk) {
    const auto& off = open_->offsets[k];
    return std::string_view(open_->text[k]).substr(off[r], off[r + 1] - off[r]);
  }
  for (auto it = built_.rbegin(); it != built_.rend(); ++it) {
    if (it->chunk == chunk) return it->identifiers[k]->Get(r);
  }
  CHECK(false);
  return {};
}

Result<bool> BatchBuilder::StoredKeyIs(uint32_t row, std::string_view key) {
  uint32_t chunk = row / kChunkRows;
  if (stored_keys_.size() <= chunk) stored_keys_.resize(chunk + 1);
  if (!stored_keys_[chunk]) {
    auto f = static_cast<uint32_t>(*key_field_);
    ASSIGN_OR_RETURN(stored_keys_[chunk], store_->Identifiers(base_, f, chunk, false));
    if (!stored_keys_[chunk]) return common::Internal("a chunk changed during an ingest");
  }
  return stored_keys_[chunk]->Get(row % kChunkRows) == key;
}

std::vector<std::pair<uint64_t, uint32_t>> BatchBuilder::LiveKeys() const {
  std::vector<std::pair<uint64_t, uint32_t>> out;
  out.reserve(by_hash_.size());
  for (const auto& [hash, row] : by_hash_) {
    if (!batch_deleted_[row]) out.push_back({hash, static_cast<uint32_t>(base_.rows_total + row)});
  }
  return out;
}

namespace {

// New categorical labels renumbered in the order the rows that remain use them; labels no
// remaining row uses are dropped.
class LabelRenumbering {
 public:
  LabelRenumbering(const DatasetState& base, std::vector<std::vector<std::string>>* labels)
      : labels_(*labels),
        first_new_(labels->size()),
        codes_(labels->size()),
        kept_(labels->size()) {
    for (size_t f = 0; f < labels_.size(); ++f) {
      if (labels_[f].empty()) continue;
      first_new_[f] = static_cast<int64_t>(base.dictionaries[f]->labels.size());
      codes_[f].assign(labels_[f].size(), -1);
    }
  }
  // The new code of `code`, a code of field `f` before renumbering.
  int64_t Code(size_t f, int64_t code) {
    if (codes_[f].empty() || code < first_new_[f]) return code;
    int64_t& to = codes_[f][static_cast<size_t>(code - first_new_[f])];
    if (to < 0) {
      to = first_new_[f] + static_cast<int64_t>(kept_[f].size());
      kept_[f].push_back(std::move(labels_[f][static_cast<size_t>(code - first_new_[f])]));
    }
    return to;
  }
  void Finish() {
    for (size_t f = 0; f < labels_.size(); ++f) {
      if (!codes_[f].empty()) labels_[f] = std::move(kept_[f]);
    }
  }

 private:
  std::vector<std::vector<std::string>>& labels_;
  std::vector<int64_t> first_new_;           // per field: the dictionary's size
  std::vector<std::vector<int64_t>> codes_;  // per field with new labels: old -> new, or -1
  std::vector<std::vector<std::string>> kept_;
};

}  // namespace

void BatchBuilder::Remove(const std::vector<uint32_t>& rows,
                          std::vector<std::vector<std::string>>* new_labels) {
  if (rows.empty()) return;
  CHECK(mode_ == IngestMode::kInsert && deleted_.empty());
  std::vector<BuiltChunk> old = std::move(built_);
  built_.clear();
  LabelRenumbering labels(base_, new_labels);
  size_t n = schema_.fields.size();
  RowValues row{std::vector<int64_t>(n), std::vector<uint8_t>(n), std::vector<std::string_view>(n),
                std::vector<uint8_t>(n)};
  StartChunk(old.front().chunk);
  size_t next = 0;  // the next of `rows` to leave out
  for (BuiltChunk& b : old) {
    for (uint32_t r = 0; r < b.rows; ++r) {
      uint64_t number = uint64_t{b.chunk} * kChunkRows + r;  // rows before the batch stay
      if (number >= base_.rows_total && next < rows.size() &&
          rows[next] == number - base_.rows_total) {
        ++next;
        continue;
      }
      for (size_t f = 0; f < n; ++f) {
        if (b.identifiers[f]) {
          row.nulls[f] = b.identifiers[f]->IsNull(r);
          row.text[f] = b.identifiers[f]->Get(r);
        } else {
          row.nulls[f] = b.values[f]->IsNull(r);
          row.values[f] = row.nulls[f] ? 0 : labels.Code(f, b.values[f]->Value(r));
        }
      }
      AddToOpen(row);
      if (open_->rows == kChunkRows) {
        SealOpen();
        StartChunk(open_->chunk + 1);
      }
    }
    b = BuiltChunk{};  // the old chunk's memory goes as the new one grows
  }
  if (open_->rows > 0) SealOpen();
  open_.reset();
  labels.Finish();
  rows_ -= rows.size();
  RenumberKeys(rows);
}

void BatchBuilder::RenumberKeys(const std::vector<uint32_t>& removed) {
  std::vector<std::pair<uint64_t, uint32_t>> by_hash;
  by_hash.reserve(rows_);
  for (const auto& [hash, row] : by_hash_) {
    // The number of removed rows before this one is its shift.
    auto before = static_cast<uint32_t>(std::lower_bound(removed.begin(), removed.end(), row) -
                                        removed.begin());
    if (before < removed.size() && removed[before] == row) continue;
    by_hash.push_back({hash, row - before});
  }
  by_hash_ = std::move(by_hash);
  batch_hashes_ = {};  // read by Resolve only
  batch_deleted_.assign(rows_, false);
  conflicts_.clear();
}

}  // namespace verbind::storage
