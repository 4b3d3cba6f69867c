#include "storage/internal/dataset_writer.h"

#include <algorithm>
#include <bit>
#include <unordered_set>

namespace verbind::storage {

using common::Result;
using common::Status;

namespace {

Result<std::unique_ptr<KeyIndex>> BuildKeyIndex(const ChunkStore& store, const DatasetState& s,
                                                size_t expected) {
  auto index = std::make_unique<KeyIndex>(std::max<size_t>(expected, static_cast<size_t>(s.live)));
  // Keys are read without caching them: an index build touches every key once.
  auto key_field = static_cast<uint32_t>(*s.schema->key);
  for (uint32_t c = 0; c < s.chunks.size(); ++c) {
    ASSIGN_OR_RETURN(auto ids, store.Identifiers(s, key_field, c, false));
    if (!ids) return common::Internal("a chunk changed while the key index was built");
    const ChunkInfo& info = s.chunks[c];
    for (uint32_t r = 0; r < ids->rows; ++r) {
      if (info.deletions && TestBit(*info.deletions, r)) continue;
      index->Insert(HashKey(ids->Get(r)), c * kChunkRows + r);
    }
  }
  return index;
}

// Marks `rows` deleted in `ns` and adds the changed deletion bitmaps to `batch`.
Status ApplyDeletions(const ChunkStore& store, std::vector<uint32_t> rows, uint64_t generation,
                      DatasetState* ns, WriteBatch* batch) {
  std::sort(rows.begin(), rows.end());
  for (size_t i = 0; i < rows.size();) {
    uint32_t chunk = rows[i] / kChunkRows;
    ChunkInfo& info = ns->chunks[chunk];
    RowBitmap bitmap = info.deletions ? *info.deletions : RowBitmap(BitmapWords(kChunkRows), 0);
    for (; i < rows.size() && rows[i] / kChunkRows == chunk; ++i) {
      SetBit(bitmap, rows[i] % kChunkRows);
    }
    info.deleted = 0;
    for (uint64_t w : bitmap) info.deleted += static_cast<uint32_t>(std::popcount(w));
    info.deletion_generation = generation;
    RETURN_IF_ERROR(store.AddDeletions(batch, *ns, chunk, bitmap, generation));
    info.deletions = std::make_shared<const RowBitmap>(std::move(bitmap));
  }
  return Status::Ok();
}

int64_t CountLive(const DatasetState& s) {
  int64_t live = 0;
  for (const auto& c : s.chunks) live += c.rows - c.deleted;
  return live;
}

void UpdateIndex(DatasetEntry& entry, const BatchBuilder& batch) {
  if (!entry.index) return;  // built when next needed
  for (const auto& [hash, row] : batch.replaced_stored()) entry.index->Remove(hash, row);
  std::vector<std::pair<uint64_t, uint32_t>> live = batch.LiveKeys();
  entry.index->Reserve(live.size());
  for (const auto& [hash, row] : live) entry.index->Insert(hash, row);
}

// The chunk infos of a batch's chunks and their sealed values, into `ns` and `wb`.
Status AddBuiltChunks(const ChunkStore& store, const BatchBuilder& batch, DatasetState* ns,
                      WriteBatch* wb) {
  for (const BuiltChunk& b : batch.chunks()) {
    ChunkInfo& info = ns->chunks[b.chunk];
    info.rows = b.rows;
    info.value_generation = batch.generation();
    for (uint32_t f = 0; f < b.values.size(); ++f) {
      if (b.values[f]) {
        RETURN_IF_ERROR(store.AddValues(wb, *ns, f, b.chunk, *b.values[f]));
      } else {
        RETURN_IF_ERROR(store.AddIdentifiers(wb, *ns, f, b.chunk, *b.identifiers[f]));
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status EnsureKeyIndex(const ChunkStore& store, DatasetEntry& entry) {
  auto s = entry.Snapshot();
  if (!s->schema->key || entry.index) return Status::Ok();
  ASSIGN_OR_RETURN(entry.index, BuildKeyIndex(store, *s, static_cast<size_t>(s->live)));
  return Status::Ok();
}

Result<std::shared_ptr<const DatasetState>> CommitBatch(
    const ChunkStore& store, DatasetEntry& entry, const DatasetState& base,
    const BatchBuilder& batch, const std::vector<std::vector<std::string>>& new_labels,
    int64_t now_ms) {
  auto ns = std::make_shared<DatasetState>(base);
  ns->counter += 1;
  CHECK(ns->generation() == batch.generation());
  ns->rows_total += batch.rows();
  ns->updated_at_ms = now_ms;
  ns->chunks.resize((ns->rows_total + kChunkRows - 1) / kChunkRows);
  WriteBatch wb;
  RETURN_IF_ERROR(AddBuiltChunks(store, batch, ns.get(), &wb));
  RETURN_IF_ERROR(ApplyDeletions(store, batch.deleted_rows(), batch.generation(), ns.get(), &wb));
  for (uint32_t f = 0; f < new_labels.size(); ++f) {
    if (new_labels[f].empty()) continue;
    auto d = std::make_shared<Dictionary>(*ns->dictionaries[f]);
    for (const auto& label : new_labels[f]) d->Add(label);
    RETURN_IF_ERROR(store.AddDictionary(&wb, *ns, f, *d));
    ns->dictionaries[f] = std::move(d);
  }
  ns->live = CountLive(*ns);
  wb.Put(Family::kDatasets, MetaKey(ns->name), EncodeMeta(*ns));
  RETURN_IF_ERROR(store.db()->Write(std::move(wb), /*sync=*/true));
  for (const BuiltChunk& b : batch.chunks()) {
    for (uint32_t f = 0; f < b.values.size(); ++f) {
      if (b.values[f]) store.CacheValues(ns->id, f, b.chunk, b.values[f]);
    }
  }
  entry.Publish(ns);
  UpdateIndex(entry, batch);
  return std::shared_ptr<const DatasetState>(ns);
}

namespace {

// Finds the live rows of `keys` (distinct) through the index, confirming each stored key.
Status FindRows(const ChunkStore& store, const DatasetState& s, const KeyIndex& index,
                const std::vector<std::string>& keys, std::vector<std::pair<uint64_t, uint32_t>>* found,
                EraseReport* report) {
  std::vector<std::shared_ptr<const IdentifierChunk>> loaded(s.chunks.size());
  auto key_field = static_cast<uint32_t>(*s.schema->key);
  std::unordered_set<std::string_view> seen;
  Status error;
  for (const std::string& key : keys) {
    if (!seen.insert(key).second) continue;
    uint64_t h = HashKey(key);
    int64_t row = index.Find(h, [&](uint32_t r) {
      uint32_t c = r / kChunkRows;
      if (!loaded[c]) {
        auto ids = store.Identifiers(s, key_field, c, false);
        if (!ids.ok() || !*ids) {
          error = ids.ok() ? common::Internal("a chunk changed during an erase") : ids.status();
          return false;
        }
        loaded[c] = *ids;
      }
      return loaded[c]->Get(r % kChunkRows) == key;
    });
    RETURN_IF_ERROR(error);
    if (row >= 0) {
      found->push_back({h, static_cast<uint32_t>(row)});
    } else if (report->not_found.size() < 100) {
      report->not_found.push_back(key);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<EraseReport> EraseKeys(const ChunkStore& store, DatasetEntry& entry,
                              const std::vector<std::string>& keys, int64_t now_ms) {
  auto s = entry.Snapshot();
  if (!s->schema->key) {
    return common::FailedPrecondition("dataset " + s->name +
                                      " has no record key, so records cannot be erased by key "
                                      "(it is append-only)");
  }
  RETURN_IF_ERROR(EnsureKeyIndex(store, entry));
  EraseReport report;
  report.requested = static_cast<int64_t>(keys.size());
  std::vector<std::pair<uint64_t, uint32_t>> found;
  RETURN_IF_ERROR(FindRows(store, *s, *entry.index, keys, &found, &report));
  // A new version of the dataset whether or not a key was found: what depends on the version
  // (the noise of answers, whether a query is a free repeat) must not tell whether a person
  // whose erasure was requested was there.
  auto ns = std::make_shared<DatasetState>(*s);
  ns->counter += 1;
  ns->updated_at_ms = now_ms;
  std::vector<uint32_t> rows;
  for (const auto& [h, row] : found) rows.push_back(row);
  WriteBatch wb;
  if (!rows.empty()) {
    RETURN_IF_ERROR(ApplyDeletions(store, rows, ns->generation(), ns.get(), &wb));
  }
  ns->live = CountLive(*ns);
  wb.Put(Family::kDatasets, MetaKey(ns->name), EncodeMeta(*ns));
  RETURN_IF_ERROR(store.db()->Write(std::move(wb), /*sync=*/true));
  entry.Publish(ns);
  for (const auto& [h, row] : found) entry.index->Remove(h, row);
  report.erased = static_cast<int64_t>(found.size());
  report.generation = ns->generation();
  return report;
}

}  // namespace verbind::storage
