// InferSchemaFromCsv: a proposed schema from a CSV header and a sample of rows, for
// `verbind dataset create --infer-from`. Types are chosen conservatively (every sampled value
// must parse); the administrator reviews the printed TOML before creating. The delimiter is
// detected from the header, a decimal comma from numeric columns, and words for a missing value
// (NA, NULL, N/A, .) in columns that are otherwise numeric, dates or booleans.
#include <array>
#include <set>

#include "common/dates.h"
#include "common/strings.h"
#include "storage/csv_reader.h"
#include "storage/dataset_store.h"
#include "storage/internal/row_converter.h"

namespace verbind::storage {

using common::Result;

namespace {

constexpr size_t kSampleRows = 20000;
constexpr size_t kMaxDistinct = kSampleRows + 1;
constexpr int kMaxInferredScale = 9;
constexpr std::array<std::string_view, 4> kMissingWords = {"NA", "NULL", "N/A", "."};

struct ColumnStats {
  int64_t values = 0;
  int64_t empty = 0;
  bool all_int = true, all_decimal = true, all_date = true, all_bool = true;
  int scale = 0;
  std::set<std::string> distinct;  // up to kMaxDistinct
  std::set<std::string> missing;   // words for a missing value, when they are skipped
};

bool IsMissingWord(std::string_view v) {
  for (std::string_view w : kMissingWords) {
    if (v == w) return true;
  }
  return false;
}

// Parses a decimal with as many decimals as it has (at most kMaxInferredScale).
bool ParseAnyDecimal(std::string_view v, bool decimal_comma, int* decimals) {
  size_t point = v.find(decimal_comma ? ',' : '.');
  *decimals = point == std::string_view::npos ? 0 : static_cast<int>(v.size() - point - 1);
  int64_t units;
  return *decimals <= kMaxInferredScale && ParseDecimalText(v, *decimals, decimal_comma, &units);
}

class Sampler final : public CsvRowSink {
 public:
  bool OnRow(const CsvRow& row) override {
    std::vector<std::string> fields;
    for (size_t i = 0; i < row.size(); ++i) fields.emplace_back(row.field(i));
    rows.push_back(RowCopy{row.line, std::string(row.error), std::move(fields)});
    return rows.size() <= kSampleRows;
  }
  struct RowCopy {
    int64_t line;
    std::string error;
    std::vector<std::string> fields;
  };
  std::vector<RowCopy> rows;
};

bool IsBoolToken(std::string_view t) {
  std::string l = common::ToLower(t);
  return l == "true" || l == "false" || l == "yes" || l == "no";
}

void Observe(std::string_view v, bool decimal_comma, bool skip_missing, ColumnStats* s) {
  if (skip_missing && IsMissingWord(v)) {
    s->missing.emplace(v);
    ++s->empty;
    return;
  }
  if (v.empty()) {
    ++s->empty;
    return;
  }
  ++s->values;
  int64_t i;
  int32_t d;
  if (!common::ParseInt64(v, &i)) s->all_int = false;
  if (!common::ParseIsoDate(v, &d)) s->all_date = false;
  if (!IsBoolToken(v)) s->all_bool = false;
  int decimals;
  if (!ParseAnyDecimal(v, decimal_comma, &decimals)) {
    s->all_decimal = false;
  } else {
    s->scale = std::max(s->scale, decimals);
  }
  if (s->distinct.size() < kMaxDistinct) s->distinct.emplace(v);
}

std::string FieldName(std::string_view header, size_t index, std::set<std::string>* used) {
  std::string n = common::ToLower(common::Trim(header));
  for (char& c : n) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  if (n.empty() || !common::IsValidName(n.substr(0, 1))) n = "f_" + n;
  if (n.size() > 60) n.resize(60);
  if (n == "f_") n = "column_" + std::to_string(index + 1);
  std::string unique = n;
  for (int k = 2; used->count(unique); ++k) unique = n + "_" + std::to_string(k);
  used->insert(unique);
  return unique;
}

bool LooksLikeId(const std::string& name) {
  return name == "id" || name.ends_with("_id") || name.ends_with("id") ||
         name.ends_with("nummer") || name.ends_with("number") || name == "bsn";
}

config::Field Propose(const std::string& name, const ColumnStats& s) {
  config::Field f;
  f.name = name;
  f.nullable = s.empty > 0 || s.values == 0;
  bool all_distinct = static_cast<int64_t>(s.distinct.size()) == s.values &&
                      s.distinct.size() < kMaxDistinct;
  if (s.values == 0) {
    f.type = config::FieldType::kCategorical;
  } else if (s.all_bool) {
    f.type = config::FieldType::kBoolean;
  } else if (s.all_int && !(LooksLikeId(name) && all_distinct)) {
    f.type = config::FieldType::kInteger;
  } else if (s.all_int || (!s.all_decimal && !s.all_date &&
                           (s.distinct.size() > 50 || s.distinct.size() * 2 > size_t(s.values)))) {
    f.type = config::FieldType::kIdentifier;
  } else if (s.all_decimal) {
    f.type = config::FieldType::kDecimal;
    f.scale = s.scale;
  } else if (s.all_date) {
    f.type = config::FieldType::kDate;
  } else {
    f.type = config::FieldType::kCategorical;
  }
  return f;
}

using Rows = std::vector<Sampler::RowCopy>;

// The sampled values of column `c` (rows[0] is the header; bad rows are left out).
std::vector<std::string_view> ColumnValues(const Rows& rows, size_t c) {
  std::vector<std::string_view> out;
  for (size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].error.empty() && rows[r].fields.size() == rows[0].fields.size()) {
      out.emplace_back(rows[r].fields[c]);
    }
  }
  return out;
}

// True when some column is numeric with a decimal comma: every value (but missing words) is a
// decimal written with ',' and at least one has a ','.
bool UsesDecimalComma(const Rows& rows, char delimiter) {
  if (delimiter == ',') return false;
  for (size_t c = 0; c < rows[0].fields.size(); ++c) {
    bool all = true, comma = false;
    for (std::string_view v : ColumnValues(rows, c)) {
      if (v.empty() || IsMissingWord(v)) continue;
      int decimals;
      all = all && ParseAnyDecimal(v, true, &decimals);
      comma = comma || v.find(',') != std::string_view::npos;
    }
    if (all && comma) return true;
  }
  return false;
}

bool IsTyped(config::FieldType t) {
  return t == config::FieldType::kInteger || t == config::FieldType::kDecimal ||
         t == config::FieldType::kDate || t == config::FieldType::kBoolean;
}

// The field for column `c`; `stats` gets the statistics it was proposed from. Missing words
// are read as NULL only when the column is otherwise numeric, dates or booleans.
config::Field ProposeColumn(const std::string& name, const std::vector<std::string_view>& values,
                            bool decimal_comma, ColumnStats* stats) {
  ColumnStats skipping;
  for (std::string_view v : values) Observe(v, decimal_comma, true, &skipping);
  if (!skipping.missing.empty() && skipping.values > 0) {
    config::Field f = Propose(name, skipping);
    if (IsTyped(f.type)) {
      *stats = std::move(skipping);
      return f;
    }
  }
  *stats = ColumnStats{};
  for (std::string_view v : values) Observe(v, decimal_comma, false, stats);
  return Propose(name, *stats);
}

}  // namespace

Result<InferredSchema> InferSchemaFromCsv(std::string_view csv_prefix) {
  InferredSchema out;
  out.csv.delimiter = DetectCsvDelimiter(csv_prefix);
  Sampler sampler;
  CsvReader reader(&sampler, CsvLimits{}, out.csv.delimiter);
  reader.Feed(csv_prefix);
  reader.Finish();
  if (sampler.rows.empty()) return common::InvalidArgument("the CSV file is empty");
  const auto& header = sampler.rows[0];
  if (!header.error.empty()) {
    return common::InvalidArgument("line 1: header row: " + header.error);
  }
  // The last row of a cut-off prefix may be incomplete.
  if (!csv_prefix.ends_with('\n') && sampler.rows.size() > 2) sampler.rows.pop_back();
  out.csv.decimal_comma = UsesDecimalComma(sampler.rows, out.csv.delimiter);
  config::Schema& schema = out.schema;
  std::set<std::string> used, missing;
  for (size_t c = 0; c < header.fields.size(); ++c) {
    ColumnStats stats;
    schema.fields.push_back(ProposeColumn(FieldName(header.fields[c], c, &used),
                                          ColumnValues(sampler.rows, c), out.csv.decimal_comma,
                                          &stats));
    missing.insert(stats.missing.begin(), stats.missing.end());
    config::Field& f = schema.fields.back();
    bool unique = static_cast<int64_t>(stats.distinct.size()) == stats.values;
    if (!schema.key && f.type == config::FieldType::kIdentifier && !f.nullable && unique &&
        LooksLikeId(f.name)) {
      schema.key = c;
    }
  }
  for (std::string_view w : kMissingWords) {
    if (missing.count(std::string(w))) out.csv.null_tokens.emplace_back(w);
  }
  RETURN_IF_ERROR(config::ValidateSchema(schema));
  return out;
}

}  // namespace verbind::storage
