#include "storage/ingest_batch.h"

namespace verbind::storage {

using common::Result;
using common::Status;
using config::FieldType;

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
                           const KeyIndex* index)
    : base_(base),
      store_(chunks),
      index_(index),
      schema_(*base.schema),
      key_field_(base.schema->key),
      generation_(base.NextGeneration()),
      batch_index_(key_field_ ? 1 << 14 : 0) {
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

Status BatchBuilder::Append(const RowValues& row, bool* replaced) {
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
  *replaced = false;
  if (key_field_) {
    ASSIGN_OR_RETURN(*replaced, Upsert(row.text[*key_field_], static_cast<uint32_t>(number)));
  }
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

void BatchBuilder::Seal() {
  if (rows_ > 0 && open_ && open_->rows > 0) SealOpen();
  open_.reset();
}

std::string_view BatchBuilder::BatchKey(uint32_t row) const {
  uint32_t chunk = row / kChunkRows, r = row % kChunkRows;
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
    ASSIGN_OR_RETURN(stored_keys_[chunk], store_->Identifiers(base_, f, chunk, true));
    if (!stored_keys_[chunk]) return common::Internal("a chunk changed during an ingest");
  }
  return stored_keys_[chunk]->Get(row % kChunkRows) == key;
}

Result<bool> BatchBuilder::Upsert(std::string_view key, uint32_t row) {
  uint64_t h = HashKey(key);
  batch_hashes_.push_back(h);
  batch_deleted_.push_back(false);
  int64_t earlier = batch_index_.Find(h, [&](uint32_t r) { return BatchKey(r) == key; });
  if (earlier >= 0) {
    deleted_.push_back(static_cast<uint32_t>(earlier));
    batch_deleted_[earlier - base_.rows_total] = true;
    batch_index_.Replace(h, static_cast<uint32_t>(earlier), row);
    return true;
  }
  Status verify_error;
  int64_t stored = index_ ? index_->Find(h, [&](uint32_t r) {
    auto same = StoredKeyIs(r, key);
    if (!same.ok()) verify_error = same.status();
    return same.ok() && *same;
  })
                          : -1;
  RETURN_IF_ERROR(verify_error);
  if (!batch_index_.HasRoomFor(1)) GrowBatchIndex();
  batch_index_.Insert(h, row);
  if (stored < 0) return false;
  deleted_.push_back(static_cast<uint32_t>(stored));
  replaced_.push_back({h, static_cast<uint32_t>(stored)});
  return true;
}

void BatchBuilder::GrowBatchIndex() {
  KeyIndex bigger(batch_index_.size() * 2 + 1024);
  for (size_t i = 0; i + 1 < batch_hashes_.size(); ++i) {  // the newest row is inserted after
    if (!batch_deleted_[i]) bigger.Insert(batch_hashes_[i], static_cast<uint32_t>(base_.rows_total + i));
  }
  batch_index_ = std::move(bigger);
}

std::vector<std::pair<uint64_t, uint32_t>> BatchBuilder::LiveKeys() const {
  std::vector<std::pair<uint64_t, uint32_t>> out;
  out.reserve(batch_hashes_.size());
  for (size_t i = 0; i < batch_hashes_.size(); ++i) {
    if (!batch_deleted_[i]) {
      out.push_back({batch_hashes_[i], static_cast<uint32_t>(base_.rows_total + i)});
    }
  }
  return out;
}

}  // namespace verbind::storage
