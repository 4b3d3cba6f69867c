// DatasetIngestSession: the IngestSession of DatasetStore. It reads CSV (header row mapped to
// fields by name) or JSON lines as the bytes arrive, validates and converts every row, collects
// bad rows for the report, builds the batch's column chunks, and at Finish commits them as one
// synced write (or refuses the batch and stores nothing). It holds the dataset's writer lock
// from BeginIngest to Finish (or destruction). Thread-compatible: one caller at a time.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "storage/internal/chunk_store.h"
#include "storage/csv_reader.h"
#include "storage/dataset_store.h"
#include "storage/internal/dataset_writer.h"
#include "storage/internal/ingest_batch.h"
#include "storage/jsonl_reader.h"
#include "storage/internal/row_converter.h"

namespace verbind::storage {

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
};

}  // namespace verbind::storage
