// Record uploads for `verbind dataset ingest`: streams a CSV or JSON-lines file to
// POST /v1/datasets/NAME/records, whole or in pieces of N rows (each piece one durable batch;
// CSV pieces repeat the header, and name the line their first row has in the file so that the
// node reports lines of the file), shows progress on a terminal, and converts Windows-1252 or
// Latin-1 to UTF-8 on the way. Thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/charset.h"
#include "common/status.h"
#include "node/cli/internal/api_caller.h"
#include "storage/dataset_store.h"

namespace verbind::node {

struct UploadOptions {
  std::string dataset;
  std::string file;
  storage::InputFormat format = storage::InputFormat::kCsv;
  bool skip_bad_rows = false;  // --on-error skip
  storage::IngestMode mode = storage::IngestMode::kInsert;
  // --max-rejects: skip bad rows, but refuse the batch that takes the file's rejected rows
  // beyond this many (earlier batches stay stored). Implies skip_bad_rows.
  std::optional<int64_t> max_rejects;
  bool every_problem = false;  // ask for every problem (up to kMaxProblemsPerBatch per batch)
  uint64_t batch_rows = 0;     // 0: the whole file is one batch
  bool progress = false;       // draw progress on standard error
  storage::CsvFormat csv;      // CSV: delimiter, decimal comma, NULL tokens
  bool detect_delimiter = true;  // CSV: take the delimiter from the file's header line
  common::Charset encoding = common::Charset::kUtf8;  // the file's; sent as UTF-8
};

// The most problems the node lists for one batch (its max_errors bound).
constexpr int64_t kMaxProblemsPerBatch = 1'000'000;

struct UploadOutcome {
  std::vector<nlohmann::json> reports;  // one per batch sent, with lines of the file
  bool refused = false;                 // the last batch was refused (nothing of it stored)
  storage::CsvFormat csv;               // the CSV format sent (the delimiter maybe detected)
  double seconds = 0;                   // from reading the file to the last answer
};

// Uploads the file; stops at the first refused batch (earlier batches stay stored). A CSV
// file's delimiter is detected from its header line when `detect_delimiter` is set. A file in
// Windows-1252 or Latin-1 is converted to UTF-8 as it is sent, after a first pass that refuses
// it (sending nothing) when it holds a byte undefined in its encoding.
common::Result<UploadOutcome> UploadRecords(ApiCaller& api, const UploadOptions& o);

}  // namespace verbind::node
