// The in-memory picture of one dataset: schema, dictionaries, counts and per-chunk versions and
// deletion bitmaps. A DatasetState is immutable once published; a writer builds a new one and
// swaps it in, so scans read a consistent snapshot without locks. Also: the RocksDB keys of a
// dataset's records and the JSON of its metadata record. Thread-safe (immutable values).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "config/schema.h"
#include "storage/internal/column_chunk.h"
#include "storage/dataset_store.h"

namespace verbind::storage {

// Hashing for std::string maps looked up by std::string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

// The labels of a categorical field; a label's code is its index.
struct Dictionary {
  std::vector<std::string> labels;
  std::unordered_map<std::string, int64_t, StringHash, std::equal_to<>> codes;

  void Add(std::string label);
};

struct ChunkInfo {
  uint32_t rows = 0;            // rows written to the chunk (live or not)
  uint32_t deleted = 0;         // rows marked deleted
  uint64_t value_generation = 0;     // generation that last wrote its value chunks
  uint64_t deletion_generation = 0;  // generation that last wrote its deletion bitmap; 0: none
  std::shared_ptr<const RowBitmap> deletions;  // kChunkRows bits, or null when none deleted
};

struct DatasetState {
  uint32_t id = 0;  // never reused on this node; prefixes the dataset's chunk keys
  std::string name;
  bool encrypted = false;  // chunks and dictionaries sealed under the node's data key
  std::shared_ptr<const config::Schema> schema;
  std::optional<config::DefinitionRef> definition;  // the published definition it conforms to
  std::vector<std::shared_ptr<const Dictionary>> dictionaries;  // per field; null if not categorical
  uint64_t rows_total = 0;  // rows ever written (row numbers are permanent)
  int64_t live = 0;
  uint64_t counter = 0;  // writes so far; generation = id << 32 | counter
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  std::vector<ChunkInfo> chunks;

  uint64_t generation() const { return (uint64_t{id} << 32) | counter; }
  uint64_t NextGeneration() const { return (uint64_t{id} << 32) | (counter + 1); }
  int64_t erased() const { return static_cast<int64_t>(rows_total) - live; }
  bool IsDeleted(uint64_t row) const;
};

// Keys in Family::kDatasets.
std::string MetaKey(std::string_view name);           // "d/<name>": the metadata record
constexpr std::string_view kMetaPrefix = "d/";
std::string DictionaryKey(uint32_t id, uint32_t field);  // "c/" id field: labels
std::string DictionaryPrefix(uint32_t id);
constexpr std::string_view kNextIdKey = "next-id";

// Keys in Family::kChunks: id (4 bytes BE), kind, column (4 BE), chunk (4 BE).
enum class ChunkKind : char { kValues = 'v', kIdentifiers = 'k', kDeletions = 'x' };
std::string ChunkKey(uint32_t id, ChunkKind kind, uint32_t column, uint32_t chunk);
std::string DatasetChunkPrefix(uint32_t id);  // id (4 bytes BE)

// The metadata record (JSON): id, schema, counts, times and per-chunk generations.
std::string EncodeMeta(const DatasetState& s);
// Parses a metadata record into `s` (without dictionaries and deletion bitmaps).
common::Status DecodeMeta(std::string_view name, std::string_view json, DatasetState* s);

// Dictionary records: labels as a JSON array.
std::string EncodeDictionary(const Dictionary& d);
common::Result<std::shared_ptr<const Dictionary>> DecodeDictionary(std::string_view json);

}  // namespace verbind::storage
