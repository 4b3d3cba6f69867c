// Record uploads for `verbind dataset ingest`: streams a CSV or JSON-lines file to
// POST /v1/datasets/NAME/records, whole or in pieces of N rows (each piece one durable batch;
// CSV pieces repeat the header), shows progress on a terminal, and maps the node's line
// numbers back to lines of the file, converting Windows-1252 or Latin-1 to UTF-8 on the way.
// Thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
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
  uint64_t batch_rows = 0;     // 0: the whole file is one batch
  bool progress = false;       // draw progress on standard error
  storage::CsvFormat csv;      // CSV: delimiter, decimal comma, NULL tokens
  bool detect_delimiter = true;  // CSV: take the delimiter from the file's header line
  common::Charset encoding = common::Charset::kUtf8;  // the file's; sent as UTF-8
};

struct UploadOutcome {
  std::vector<nlohmann::json> reports;  // one per batch sent, lines mapped to the file
  bool refused = false;                 // the last batch was refused (nothing of it stored)
  storage::CsvFormat csv;               // the CSV format sent (the delimiter maybe detected)
};

// Uploads the file; stops at the first refused batch (earlier batches stay stored). A CSV
// file's delimiter is detected from its header line when `detect_delimiter` is set. A file in
// Windows-1252 or Latin-1 is converted to UTF-8 as it is sent, after a first pass that refuses
// it (sending nothing) when it holds a byte undefined in its encoding.
common::Result<UploadOutcome> UploadRecords(ApiCaller& api, const UploadOptions& o);

}  // namespace verbind::node
