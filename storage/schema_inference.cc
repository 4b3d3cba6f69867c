// InferSchemaFromCsv: a proposed schema from a CSV header and a sample of rows, for
// `verbind dataset create --infer-from`. Types are chosen conservatively (every sampled value
// must parse); the administrator reviews the printed TOML before creating.
#include <set>

#include "common/dates.h"
#include "common/strings.h"
#include "storage/csv_reader.h"
#include "storage/dataset_store.h"

namespace verbind::storage {

using common::Result;

namespace {

constexpr size_t kSampleRows = 20000;
constexpr size_t kMaxDistinct = kSampleRows + 1;

struct ColumnStats {
  int64_t values = 0;
  int64_t empty = 0;
  bool all_int = true, all_decimal = true, all_date = true, all_bool = true;
  int scale = 0;
  std::set<std::string> distinct;  // up to kMaxDistinct
};

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

void Observe(std::string_view v, ColumnStats* s) {
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
  size_t dot = v.find('.');
  int decimals = dot == std::string_view::npos ? 0 : static_cast<int>(v.size() - dot - 1);
  int64_t units;
  if (decimals > 9 || !config::ParseDecimal(v, decimals, &units)) {
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

}  // namespace

Result<config::Schema> InferSchemaFromCsv(std::string_view csv_prefix) {
  Sampler sampler;
  CsvReader reader(&sampler);
  reader.Feed(csv_prefix);
  reader.Finish();
  if (sampler.rows.empty()) return common::InvalidArgument("the CSV file is empty");
  const auto& header = sampler.rows[0];
  if (!header.error.empty()) {
    return common::InvalidArgument("line 1: header row: " + header.error);
  }
  // The last row of a cut-off prefix may be incomplete.
  if (!csv_prefix.ends_with('\n') && sampler.rows.size() > 2) sampler.rows.pop_back();
  std::vector<ColumnStats> stats(header.fields.size());
  for (size_t r = 1; r < sampler.rows.size(); ++r) {
    const auto& row = sampler.rows[r];
    if (!row.error.empty() || row.fields.size() != header.fields.size()) continue;
    for (size_t c = 0; c < row.fields.size(); ++c) Observe(row.fields[c], &stats[c]);
  }
  config::Schema schema;
  std::set<std::string> used;
  for (size_t c = 0; c < header.fields.size(); ++c) {
    schema.fields.push_back(Propose(FieldName(header.fields[c], c, &used), stats[c]));
    config::Field& f = schema.fields.back();
    bool unique = static_cast<int64_t>(stats[c].distinct.size()) == stats[c].values;
    if (!schema.key && f.type == config::FieldType::kIdentifier && !f.nullable && unique &&
        LooksLikeId(f.name)) {
      schema.key = c;
    }
  }
  RETURN_IF_ERROR(config::ValidateSchema(schema));
  return schema;
}

}  // namespace verbind::storage
