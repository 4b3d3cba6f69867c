// Dataset schemas: the typed fields of a dataset, parsed from a schema file (TOML) and stored
// with the dataset. Format: docs/datasets.md. Thread-safe (values and pure functions).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace verbind::config {

enum class FieldType {
  kInteger,      // signed 64-bit
  kDecimal,      // fixed point: int64 count of 10^-scale units
  kCategorical,  // a label from a bounded set (dictionary-encoded)
  kDate,         // calendar date, stored as days since 1970-01-01
  kBoolean,
  kIdentifier,   // stored, usable as the record key; never aggregated, filtered on or returned
};
std::string_view FieldTypeName(FieldType t);
bool ParseFieldType(std::string_view text, FieldType* out);

struct Field {
  std::string name;
  FieldType type = FieldType::kInteger;
  bool nullable = true;
  int scale = 0;                        // decimal places (decimal only), 0..9
  std::vector<std::string> categories;  // categorical: the allowed labels; empty = open set
  int max_categories = 1000;            // categorical with an open set: distinct labels allowed
  std::optional<int64_t> min;           // integer/decimal (in units)/date (days): lower bound
  std::optional<int64_t> max;
  // integer/decimal/date with min and max: the width of the bins of the field's public grid
  // (storage units; days for dates). Histograms and quantiles use this grid (docs/privacy.md).
  std::optional<int64_t> grid;
  std::string unit;  // what a value counts, e.g. "EUR" or "years" (1-64 bytes; empty: none)
  std::string description;
};

// The number of bins of a field's grid, ceil((max - min + 1) / grid); 0 without a grid.
int64_t GridBins(const Field& f);
// The most bins a grid may have.
inline constexpr int64_t kMaxGridBins = 1000;

struct Schema {
  std::string description;
  std::vector<Field> fields;
  std::optional<size_t> key;  // index of the record-key field
  // CSV field values read as NULL (besides the empty field) when an upload names no NULL tokens
  // of its own, e.g. "NA"; at most 16, each 1-64 bytes (docs/datasets.md).
  std::vector<std::string> null_tokens;

  // The index of the field named `name`, or nullopt.
  std::optional<size_t> FieldIndex(std::string_view name) const;
};

// A dataset's published definition (docs/datasets.md, "Shared definitions"): which signed
// document it conforms to. `hash` is the SHA-256 (hex) of the definition's signed payload.
struct DefinitionRef {
  std::string publisher;  // organisation id of the publisher
  std::string name;
  int64_t version = 0;
  std::string hash;
  bool operator==(const DefinitionRef&) const = default;
  // "publisher/name@version", as the CLI names a definition.
  std::string Label() const;
};

// Checks names (valid, unique), types and options, and the key field. Errors say which field.
common::Status ValidateSchema(const Schema& schema);
// Parses a schema file (TOML); errors carry "path:line".
common::Result<Schema> ParseSchemaToml(std::string_view text, const std::string& path);
// The schema as TOML (what --infer-from prints and describe shows).
std::string RenderSchemaToml(const Schema& schema);
// The same with comment lines above each field: `field_notes[i]` are the lines (without "# ")
// for field i; missing entries mean none. Control characters in a note are shown as '?'.
std::string RenderSchemaToml(const Schema& schema,
                             const std::vector<std::vector<std::string>>& field_notes);
// The schema as compact JSON and back (how it is stored and sent over the API).
std::string SchemaToJson(const Schema& schema);
common::Result<Schema> SchemaFromJson(std::string_view json);

// Decimal text ("-12.50", "3", "0.5") to units of 10^-scale; refuses more digits than `scale`
// and overflow.
bool ParseDecimal(std::string_view text, int scale, int64_t* units);
std::string FormatDecimal(int64_t units, int scale);

}  // namespace verbind::config
