#include "storage/internal/chunk_store.h"


namespace verbind::storage {

using common::Result;
using common::Status;

namespace {

enum CacheKind : uint32_t { kCachedValues = 1, kCachedIdentifiers = 2 };

Status Missing(const DatasetState& s, uint32_t chunk) {
  return common::DataLoss("dataset " + s.name + ": chunk " + std::to_string(chunk) +
                          " is missing from the database");
}

// Null (rewritten since the snapshot) when newer; DataLoss when older.
Status CheckGeneration(const DatasetState& s, uint32_t chunk, uint64_t found, uint32_t rows,
                       bool* newer) {
  const ChunkInfo& info = s.chunks[chunk];
  *newer = found > info.value_generation;
  if (*newer) return Status::Ok();
  if (found < info.value_generation || rows != info.rows) {
    return common::DataLoss("dataset " + s.name + ": chunk " + std::to_string(chunk) +
                            " is older than its metadata (generation " + std::to_string(found) +
                            ", expected " + std::to_string(info.value_generation) + ")");
  }
  return Status::Ok();
}

}  // namespace

ChunkStore::ChunkStore(Database* db, AtRestCipher cipher, size_t cache_bytes)
    : db_(db), cipher_(std::move(cipher)), cache_(cache_bytes) {}

Result<std::optional<std::string>> ChunkStore::Read(const DatasetState& s, Family family,
                                                    const std::string& key) const {
  ASSIGN_OR_RETURN(std::optional<std::string> stored, db_->GetUncached(family, key));
  if (!stored || !s.encrypted) return stored;
  if (!cipher_.enabled()) {
    return common::FailedPrecondition("dataset " + s.name +
                                      " is encrypted at rest; the node needs its data key "
                                      "(node.encrypt_at_rest and keys.data_key)");
  }
  ASSIGN_OR_RETURN(std::string plain, cipher_.Open(family, key, std::move(*stored)));
  return std::optional<std::string>(std::move(plain));
}

Result<std::string> ChunkStore::Seal(const DatasetState& s, Family family, const std::string& key,
                                     std::string plain) const {
  if (!s.encrypted) return plain;
  if (!cipher_.enabled()) {
    return common::FailedPrecondition("dataset " + s.name +
                                      " is encrypted at rest; the node needs its data key");
  }
  return cipher_.Seal(family, key, plain);
}

Result<std::shared_ptr<const ColumnChunk>> ChunkStore::Values(const DatasetState& s,
                                                              uint32_t field,
                                                              uint32_t chunk) const {
  ChunkCacheKey ck{s.id, kCachedValues, field, chunk, s.chunks[chunk].value_generation};
  if (auto hit = cache_.Get<ColumnChunk>(ck)) return hit;
  std::string key = ChunkKey(s.id, ChunkKind::kValues, field, chunk);
  ASSIGN_OR_RETURN(std::optional<std::string> plain, Read(s, Family::kChunks, key));
  if (!plain) return Missing(s, chunk);
  auto decoded = DecodeColumnChunk(*plain);
  if (!decoded.ok()) return decoded.status().WithContext("dataset " + s.name);
  bool newer = false;
  RETURN_IF_ERROR(CheckGeneration(s, chunk, (*decoded)->generation, (*decoded)->rows, &newer));
  if (newer) return std::shared_ptr<const ColumnChunk>();
  cache_.Put(ck, *decoded, (*decoded)->MemoryBytes());
  return decoded;
}

Result<std::shared_ptr<const IdentifierChunk>> ChunkStore::Identifiers(const DatasetState& s,
                                                                       uint32_t field,
                                                                       uint32_t chunk,
                                                                       bool keep) const {
  ChunkCacheKey ck{s.id, kCachedIdentifiers, field, chunk, s.chunks[chunk].value_generation};
  if (auto hit = cache_.Get<IdentifierChunk>(ck)) return hit;
  std::string key = ChunkKey(s.id, ChunkKind::kIdentifiers, field, chunk);
  ASSIGN_OR_RETURN(std::optional<std::string> plain, Read(s, Family::kChunks, key));
  if (!plain) return Missing(s, chunk);
  auto decoded = DecodeIdentifierChunk(*plain);
  if (!decoded.ok()) return decoded.status().WithContext("dataset " + s.name);
  bool newer = false;
  RETURN_IF_ERROR(CheckGeneration(s, chunk, (*decoded)->generation, (*decoded)->rows, &newer));
  if (newer) return std::shared_ptr<const IdentifierChunk>();
  if (keep) cache_.Put(ck, *decoded, (*decoded)->MemoryBytes());
  return decoded;
}

Result<DeletionChunk> ChunkStore::Deletions(const DatasetState& s, uint32_t chunk,
                                            uint64_t generation) const {
  std::string key = ChunkKey(s.id, ChunkKind::kDeletions, 0, chunk);
  ASSIGN_OR_RETURN(std::optional<std::string> plain, Read(s, Family::kChunks, key));
  if (!plain) return common::DataLoss("deletion bitmap of chunk " + std::to_string(chunk) +
                                      " is missing");
  ASSIGN_OR_RETURN(DeletionChunk d, DecodeDeletionChunk(*plain));
  if (d.generation != generation) {
    return common::DataLoss("deletion bitmap of chunk " + std::to_string(chunk) +
                            " does not match its metadata");
  }
  return d;
}

Result<std::shared_ptr<const Dictionary>> ChunkStore::LoadDictionary(const DatasetState& s,
                                                                     uint32_t field) const {
  std::string key = DictionaryKey(s.id, field);
  ASSIGN_OR_RETURN(std::optional<std::string> plain, Read(s, Family::kDatasets, key));
  if (!plain) return std::make_shared<const Dictionary>();
  return DecodeDictionary(*plain);
}

Status ChunkStore::AddValues(WriteBatch* batch, const DatasetState& s, uint32_t field,
                             uint32_t chunk, const ColumnChunk& c) const {
  std::string key = ChunkKey(s.id, ChunkKind::kValues, field, chunk);
  ASSIGN_OR_RETURN(std::string sealed, Seal(s, Family::kChunks, key, EncodeColumnChunk(c)));
  batch->PutOwned(Family::kChunks, key, std::move(sealed));
  return Status::Ok();
}

Status ChunkStore::AddIdentifiers(WriteBatch* batch, const DatasetState& s, uint32_t field,
                                  uint32_t chunk, const IdentifierChunk& c) const {
  std::string key = ChunkKey(s.id, ChunkKind::kIdentifiers, field, chunk);
  ASSIGN_OR_RETURN(std::string sealed, Seal(s, Family::kChunks, key, EncodeIdentifierChunk(c)));
  batch->PutOwned(Family::kChunks, key, std::move(sealed));
  return Status::Ok();
}

Status ChunkStore::AddDeletions(WriteBatch* batch, const DatasetState& s, uint32_t chunk,
                                const RowBitmap& deleted, uint64_t generation) const {
  std::string key = ChunkKey(s.id, ChunkKind::kDeletions, 0, chunk);
  ASSIGN_OR_RETURN(std::string sealed,
                   Seal(s, Family::kChunks, key, EncodeDeletionChunk(deleted, generation)));
  batch->PutOwned(Family::kChunks, key, std::move(sealed));
  return Status::Ok();
}

Status ChunkStore::AddDictionary(WriteBatch* batch, const DatasetState& s, uint32_t field,
                                 const Dictionary& d) const {
  std::string key = DictionaryKey(s.id, field);
  ASSIGN_OR_RETURN(std::string sealed, Seal(s, Family::kDatasets, key, EncodeDictionary(d)));
  batch->PutOwned(Family::kDatasets, key, std::move(sealed));
  return Status::Ok();
}

void ChunkStore::CacheValues(uint32_t id, uint32_t field, uint32_t chunk,
                             std::shared_ptr<const ColumnChunk> c) const {
  ChunkCacheKey ck{id, kCachedValues, field, chunk, c->generation};
  size_t bytes = c->MemoryBytes();
  cache_.Put(ck, std::move(c), bytes);
}

}  // namespace verbind::storage
