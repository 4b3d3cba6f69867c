// DatasetStore: the node's datasets in RocksDB: typed schemas, validated durable ingest, erase
// by record key, and columnar scans that compute mergeable partial aggregates.
//
// Storage layout (docs/datasets.md): per dataset a schema record (Family::kDatasets), column
// chunks of kChunkRows rows (Family::kChunks: one value per column per chunk; integers and
// decimals frame-of-reference encoded at 1/2/4/8 bytes, categoricals as dictionary codes,
// booleans and null flags as bitmaps), a per-chunk deletion bitmap, the dictionaries, and the
// record keys (an identifier column chunk) from which an in-memory key index is built.
// Optionally every chunk is sealed with XChaCha20-Poly1305 under the node's data key with the
// chunk's position (dataset, column, chunk number) as associated data.
//
// Durability: an ingest or erase is one RocksDB write batch, synced to the WAL before it is
// acknowledged: after a crash either all of it is visible or none of it.
//
// Thread-safety: Scan runs concurrently with everything; Ingest, Erase, Create and Drop of one
// dataset are serialised by a per-dataset writer lock.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "config/schema.h"
#include "storage/aggregates.h"
#include "storage/csv_reader.h"
#include "storage/database.h"
#include "storage/scan.h"

namespace verbind::storage {

constexpr uint32_t kChunkRows = 65536;

struct DatasetStoreOptions {
  // 32-byte data key for encryption at rest; empty: chunks are stored in the clear.
  std::string data_key;
  // Memory for decoded column chunks.
  size_t cache_bytes = 256u << 20;
};

struct DatasetInfo {
  std::string name;
  config::Schema schema;
  int64_t rows = 0;           // live records
  int64_t erased = 0;         // rows erased or replaced, not yet compacted
  uint64_t bytes_on_disk = 0;
  uint64_t generation = 0;    // changes on every ingest or erase (for caching, DP seeds)
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  std::optional<config::DefinitionRef> definition;  // the published definition it conforms to
};

// One bad input row.
struct RowError {
  std::string source;  // file name or "request"
  int64_t line = 0;    // 1-based line of the row's start
  std::string column;  // field name; empty for row-level problems
  std::string reason;
};

enum class OnError { kRefuseBatch, kSkipRow };

// What a row whose record key is taken does (datasets without a key only append).
// kInsert: the row is an error, whether the key is stored or was given earlier in the batch.
// kUpsert: the row replaces that record; the later row wins.
enum class IngestMode { kInsert, kUpsert };

struct IngestOptions {
  OnError on_error = OnError::kRefuseBatch;
  IngestMode mode = IngestMode::kInsert;
  // With kSkipRow: the batch is refused whole when more rows than this are rejected.
  std::optional<int64_t> max_rejects;
  // Problems beyond this many are counted (IngestReport::errors_omitted), not listed.
  size_t max_errors_reported = 100;
  std::string source_name = "request";
  // Added to the line numbers of data rows (not to the CSV header's): for an input that is a
  // later piece of a file, so that problems name lines of the file.
  int64_t line_offset = 0;
  // CSV only: delimiter, decimal comma and NULL tokens (checked by ValidateCsvFormat).
  CsvFormat csv;
  // Called now and then with (rows read, bytes read) for progress display.
  std::function<void(int64_t rows, uint64_t bytes)> progress;
};

struct IngestReport {
  int64_t rows_read = 0;
  int64_t rows_inserted = 0;  // new records (0 when refused)
  int64_t rows_replaced = 0;  // rows that replaced a record in upsert mode (0 when refused)
  int64_t rows_rejected = 0;  // rows with a problem; none of them is stored
  // Problems by line, at most max_errors_reported; a rejected row may have several.
  std::vector<RowError> errors;
  int64_t errors_omitted = 0;  // problems found beyond max_errors_reported
  bool committed = false;      // false when the batch was refused
  std::string refusal;         // why the batch was refused; empty when committed
  uint64_t generation = 0;
};

enum class InputFormat { kCsv, kJsonLines };

// Incremental ingest: feed bytes as they arrive, then Finish (validate, commit atomically).
class IngestSession {
 public:
  virtual ~IngestSession() = default;
  // Parses and validates what `bytes` completes; keeps partial rows for the next call.
  // An error here is fatal for the session (for example a row larger than the row limit);
  // row-level problems are collected for the report instead.
  virtual common::Status Feed(std::string_view bytes) = 0;
  // Ends the input, then stores the batch (or refuses it) and reports.
  virtual common::Result<IngestReport> Finish() = 0;
};

struct EraseReport {
  int64_t requested = 0;
  int64_t erased = 0;
  std::vector<std::string> not_found;  // at most 100 shown
  uint64_t generation = 0;
};

// A computed scan: one cell per group (exactly one, keyed by nothing, without group-by).
struct GroupKey {
  std::vector<int64_t> values;  // storage units; categoricals as codes
  uint32_t null_mask = 0;       // bit i set: group-by column i is NULL
  bool operator<(const GroupKey& o) const {
    return values != o.values ? values < o.values : null_mask < o.null_mask;
  }
  bool operator==(const GroupKey& o) const {
    return values == o.values && null_mask == o.null_mask;
  }
};

struct CellResult {
  GroupKey key;
  int64_t rows = 0;
  std::vector<AggregateState> aggregates;  // one per ScanSpec::aggregates, in order
};

struct ScanResult {
  std::vector<CellResult> cells;  // sorted by key
  int64_t rows_scanned = 0;
  int64_t rows_matched = 0;
  uint64_t generation = 0;
};

class DatasetStore {
 public:
  static common::Result<std::unique_ptr<DatasetStore>> Open(Database* db,
                                                            const DatasetStoreOptions& options,
                                                            const common::Clock* clock);
  virtual ~DatasetStore() = default;

  // Creates an empty dataset. AlreadyExists, or InvalidArgument for a bad name or schema.
  virtual common::Status Create(std::string_view name, const config::Schema& schema) = 0;
  // Records that the dataset conforms to `definition`, whose schema is `schema`: the same as
  // the dataset's, or one it can move to in place (config::CompareSchemas: categories added,
  // bounds widened, descriptions and units declared). FailedPrecondition naming the changes
  // otherwise. The generation changes when the schema does.
  virtual common::Status SetDefinition(std::string_view name,
                                       const config::DefinitionRef& definition,
                                       const config::Schema& schema) = 0;
  // Removes a dataset and all its records.
  virtual common::Status Drop(std::string_view name) = 0;
  virtual std::vector<DatasetInfo> List() const = 0;
  virtual common::Result<DatasetInfo> Describe(std::string_view name) const = 0;

  virtual common::Result<std::unique_ptr<IngestSession>> BeginIngest(
      std::string_view name, InputFormat format, const IngestOptions& options) = 0;
  // Erases the records with these keys (NotFound keys are reported, not an error).
  virtual common::Result<EraseReport> Erase(std::string_view name,
                                            const std::vector<std::string>& keys) = 0;

  virtual common::Result<ScanResult> Scan(std::string_view name, const ScanSpec& spec) const = 0;

  // The code of a categorical label in a field's dictionary, or nullopt when it never occurred.
  virtual std::optional<int64_t> CategoryCode(std::string_view dataset, size_t field,
                                              std::string_view label) const = 0;
  // The label of a categorical code.
  virtual common::Result<std::string> CategoryLabel(std::string_view dataset, size_t field,
                                                    int64_t code) const = 0;
  // The labels in a categorical field's dictionary, in code order (labels of erased rows may
  // remain); empty for an unknown dataset or a field that is not categorical.
  virtual std::vector<std::string> CategoryLabels(std::string_view dataset, size_t field) const = 0;
};

}  // namespace verbind::storage
