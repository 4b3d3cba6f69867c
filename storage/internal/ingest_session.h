// DatasetIngestSession: the IngestSession of DatasetStore. It reads CSV (header row mapped to
// fields by name) or JSON lines as the bytes arrive, validates and converts every row, collects
// bad rows for the report, builds the batch's column chunks, and at Finish rejects the rows
// whose record key is taken (insert mode), then commits the batch as one synced write or
// refuses it and stores nothing. It holds the dataset's writer lock from BeginIngest to Finish
// (or destruction). Thread-compatible: one caller at a time.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "storage/csv_reader.h"
#include "storage/dataset_store.h"
#include "storage/internal/chunk_store.h"
#include "storage/internal/dataset_writer.h"
#include "storage/internal/ingest_batch.h"
#include "storage/internal/row_converter.h"
#include "storage/jsonl_reader.h"

namespace verbind::storage {

// The source line of each row of a batch, kept as runs: only a row whose line does not follow
// from the row before (after a multi-line or a rejected row) adds an entry, so a file of one
// row per line costs one.
class LineMap {
 public:
  // Adds the next row.
  void Add(uint64_t row, int64_t line);
  // The line of an added row.
  int64_t Line(uint64_t row) const;

 private:
  std::vector<std::pair<uint64_t, int64_t>> runs_;  // (first row, its line)
};

class DatasetIngestSession final : public IngestSession,
                                   public CsvRowSink,
                                   public JsonRowSink {
 public:
  DatasetIngestSession(const ChunkStore* store, std::shared_ptr<DatasetEntry> entry,
                       std::unique_lock<std::timed_mutex> writer, InputFormat format,
                       IngestOptions options, const common::Clock* clock);
  ~DatasetIngestSession() override;

  common::Status Feed(std::string_view bytes) override;
  common::Result<IngestReport> Finish() override;

  // The readers' callbacks.
  bool OnRow(const CsvRow& row) override;
  bool OnRow(const JsonRow& row) override;

 private:
  void ReadHeader(const CsvRow& row);
  void HeaderError(const std::string& column, const std::string& reason);
  void Accept(int64_t line);
  void Reject();
  void Error(int64_t line, const std::string& column, const std::string& reason);
  void Progress();
  // Insert mode: rejects the rows whose key is taken; returns them (batch rows, ascending).
  std::vector<uint32_t> RejectTakenKeys();
  // Why the batch is refused, or empty when it is to be committed.
  std::string Refusal() const;
  // Stores the batch without the `taken` rows and completes the report.
  common::Status Commit(const std::vector<uint32_t>& taken);
  std::optional<size_t> FieldFor(std::string_view name) const;
  // True when a CSV field is NULL: empty, or one of the NULL tokens.
  bool IsNull(std::string_view text) const;

  const ChunkStore* store_;
  std::shared_ptr<DatasetEntry> entry_;
  std::unique_lock<std::timed_mutex> writer_;
  std::shared_ptr<const DatasetState> base_;
  InputFormat format_;
  IngestOptions options_;
  const common::Clock* clock_;
  std::unique_ptr<CsvReader> csv_;
  std::unique_ptr<JsonLinesReader> jsonl_;
  RowConverter converter_;
  std::unique_ptr<BatchBuilder> batch_;  // null once the batch is refused
  IngestReport report_;
  common::Status fatal_;
  bool header_seen_ = false;
  bool header_failed_ = false;
  bool finished_ = false;
  uint64_t bytes_ = 0;
  std::vector<int> column_field_;  // CSV column -> field index
  std::vector<Cell> cells_;        // per field, for the row being read
  std::vector<uint8_t> seen_;      // per field: a JSON member already gave it a value
  RowValues values_;
  std::vector<FieldError> field_errors_;
  LineMap lines_;  // of the rows in the batch
};

}  // namespace verbind::storage
