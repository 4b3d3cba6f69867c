// InferSchemaFromCsv: a proposed schema for a CSV file, with the evidence for every choice, for
// `verbind dataset create --infer-from` (docs/datasets.md, "Inferring a schema"). The proposal
// is for a data steward to review: every sampled value must parse as the proposed type, keys
// and identifiers follow from the data (never from a column's name), and what was observed and
// what was assumed (bounds, closed sets) is said in notes. The notes hold counts, ranges and the
// labels of categorical and boolean columns only, never other values. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/schema.h"
#include "storage/csv_reader.h"

namespace verbind::storage {

// The most data rows inference reads; the CLI reads at most kInferMaxBytes of a file.
inline constexpr int64_t kInferMaxRows = 1000000;
inline constexpr size_t kInferMaxBytes = 64u << 20;

struct InferOptions {
  // The text is the start of a longer file: its last line may be cut off and is left out.
  bool truncated = false;
  // Words for a missing value. Unset: NA, NULL, N/A and '.' are looked for, and one becomes a
  // NULL token when it stands in a numeric, date or boolean column. Set: exactly these are
  // read as missing in every column.
  std::optional<std::vector<std::string>> null_tokens;
};

struct InferredSchema {
  config::Schema schema;           // schema.null_tokens: the words read as a missing value
  CsvFormat csv;                   // the detected delimiter and decimal comma; null_tokens as above
  int64_t rows = 0;                // data rows sampled
  int64_t rows_left_out = 0;       // rows with a syntax error or the wrong number of fields
  bool row_limit_reached = false;  // the text has more than kInferMaxRows rows
  // Evidence for the whole file (missing-value words, the record key), one line each.
  std::vector<std::string> notes;
  // Per schema field, the evidence for its proposal, one line each.
  std::vector<std::vector<std::string>> field_notes;
};

// Proposes a schema for CSV text (a header row and data rows). InvalidArgument for an empty
// text, a bad header, or NULL tokens that cannot be used.
common::Result<InferredSchema> InferSchemaFromCsv(std::string_view csv,
                                                  const InferOptions& options = {});

}  // namespace verbind::storage
