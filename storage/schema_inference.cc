// InferSchemaFromCsv: the text is read once into a profile per column; then come the choices
// for the whole file (a decimal comma, the NULL tokens, the record key), and each field's
// proposal with its evidence (storage/internal/field_proposal.h).
#include "storage/schema_inference.h"

#include <algorithm>
#include <array>
#include <set>

#include "common/strings.h"
#include "storage/internal/column_profile.h"
#include "storage/internal/field_proposal.h"

namespace verbind::storage {

using common::Result;

namespace {

constexpr std::array<std::string_view, 4> kMissingWords = {"NA", "NULL", "N/A", "."};
constexpr size_t kColumnsNamed = 4;  // in a note, then "and N more"

class Profiler final : public CsvRowSink {
 public:
  explicit Profiler(const std::vector<std::string>* words) : words_(words) {}

  bool OnRow(const CsvRow& row) override {
    if (!header_seen) {
      header_seen = true;
      header_error = std::string(row.error);
      for (size_t i = 0; i < row.size(); ++i) header.emplace_back(row.field(i));
      columns.assign(header.size(), ColumnProfile(words_));
      return header_error.empty();
    }
    if (rows == kInferMaxRows) {
      limit_reached = true;
      return false;
    }
    if (!row.error.empty() || row.size() != header.size()) {
      ++left_out;
      return true;
    }
    for (size_t c = 0; c < columns.size(); ++c) columns[c].Observe(row.field(c));
    ++rows;
    return true;
  }

  bool header_seen = false;
  std::string header_error;
  std::vector<std::string> header;
  std::vector<ColumnProfile> columns;
  int64_t rows = 0, left_out = 0;
  bool limit_reached = false;

 private:
  const std::vector<std::string>* words_;
};

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

// "a, b, c, d and 3 more"
std::string NameList(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < kColumnsNamed; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > kColumnsNamed) {
    out += " and " + std::to_string(names.size() - kColumnsNamed) + " more";
  }
  return out;
}

// True when some column is numeric with a decimal comma: every value (but missing words) is a
// decimal written with ',' and at least one has a ','.
bool UsesDecimalComma(const std::vector<ColumnProfile>& columns, char delimiter) {
  if (delimiter == ',') return false;
  return std::any_of(columns.begin(), columns.end(), [](const ColumnProfile& p) {
    return p.values() > 0 && p.decimals(true).all && p.decimals(true).separator_seen;
  });
}

struct FileChoices {
  std::vector<std::string> names;  // field names
  std::vector<bool> digit_codes;   // per column, before missing words were added back
  bool decimal_comma = false;
  std::optional<size_t> key;
};

// Decides which missing words are NULL tokens: given ones always; found ones when they stand
// in a typed column, and then in every column. The others are values of the text columns they
// stand in. Notes say which and where.
std::vector<std::string> ChooseNullTokens(const std::vector<std::string>& words, bool given,
                                          const FileChoices& choices, Profiler* prof,
                                          std::vector<std::string>* notes) {
  std::vector<std::string> tokens;
  for (size_t w = 0; w < words.size(); ++w) {
    std::vector<std::string> typed, text, all;
    for (size_t c = 0; c < prof->columns.size(); ++c) {
      if (prof->columns[c].missing()[w] == 0) continue;
      bool t = IsTyped(KindOf(prof->columns[c], choices.decimal_comma));
      (t ? typed : text).push_back(choices.names[c]);
      all.push_back(choices.names[c]);
    }
    if (given) {
      tokens.push_back(words[w]);
      notes->push_back(
          words[w] + " (given) means a missing value in every column" +
          (all.empty() ? ", but does not occur in the sample" : "; it stands in " + NameList(all)));
    } else if (!typed.empty()) {
      tokens.push_back(words[w]);
      notes->push_back(words[w] + " stands in numeric, date or boolean columns (" +
                       NameList(typed) +
                       "): it means a missing value, in every column -> "
                       "null_tokens");
    } else if (!text.empty()) {
      for (ColumnProfile& p : prof->columns) p.AddBack(w, p.missing()[w]);
      notes->push_back(words[w] + " stands only in text columns (" + NameList(text) +
                       "): read as a value there, not as missing");
    }
  }
  return tokens;
}

// The record key: the first column that could be the key (complete, distinct text).
std::optional<size_t> ChooseKey(const Profiler& prof, const FileChoices& choices,
                                std::vector<std::string>* notes) {
  for (size_t c = 0; c < prof.columns.size(); ++c) {
    const ColumnProfile& p = prof.columns[c];
    if (!CouldBeKey(p, KindOf(p, choices.decimal_comma))) continue;
    notes->push_back("record key " + choices.names[c] +
                     ": the first column of text codes with every value present and distinct "
                     "(numbers are never proposed)");
    return c;
  }
  notes->push_back(
      "no record key: no column of text codes has every value present and distinct "
      "in at least " +
      std::to_string(kMinKeyValues) +
      " rows; without one the dataset is append-only (to choose one, add key = "
      "\"FIELD\" for an identifier field)");
  return std::nullopt;
}

void ProposeFields(const Profiler& prof, const FileChoices& choices,
                   const std::vector<std::string>& words, InferredSchema* out) {
  for (size_t c = 0; c < prof.columns.size(); ++c) {
    ColumnContext ctx;
    ctx.name = choices.names[c];
    ctx.rows = prof.rows;
    ctx.decimal_comma = choices.decimal_comma;
    ctx.digit_codes = choices.digit_codes[c];
    ctx.is_key = choices.key == c;
    ctx.key = choices.key ? choices.names[*choices.key] : "";
    ctx.words = &words;
    FieldProposal f = ProposeField(prof.columns[c], ctx);
    out->schema.fields.push_back(std::move(f.field));
    out->field_notes.push_back(std::move(f.notes));
  }
  out->schema.key = choices.key;
}

}  // namespace

Result<InferredSchema> InferSchemaFromCsv(std::string_view csv, const InferOptions& options) {
  if (options.truncated && csv.rfind('\n') != std::string_view::npos) {
    csv = csv.substr(0, csv.rfind('\n') + 1);  // the cut-off last line
  }
  InferredSchema out;
  out.csv.delimiter = DetectCsvDelimiter(csv);
  std::vector<std::string> words(kMissingWords.begin(), kMissingWords.end());
  if (options.null_tokens) {
    words = *options.null_tokens;
    CsvFormat f{out.csv.delimiter, false, words};
    RETURN_IF_ERROR(ValidateCsvFormat(f));
  }
  Profiler prof(&words);
  CsvReader reader(&prof, CsvLimits{}, out.csv.delimiter);
  reader.Feed(csv);
  reader.Finish();
  if (!prof.header_seen) return common::InvalidArgument("the CSV file is empty");
  if (!prof.header_error.empty()) {
    return common::InvalidArgument("line 1: header row: " + prof.header_error);
  }
  FileChoices choices;
  std::set<std::string> used;
  for (size_t c = 0; c < prof.columns.size(); ++c) {
    prof.columns[c].Finish();
    choices.names.push_back(FieldName(prof.header[c], c, &used));
    choices.digit_codes.push_back(prof.columns[c].all_int() && prof.columns[c].leading_zero());
  }
  choices.decimal_comma = out.csv.decimal_comma = UsesDecimalComma(prof.columns, out.csv.delimiter);
  out.csv.null_tokens =
      ChooseNullTokens(words, options.null_tokens.has_value(), choices, &prof, &out.notes);
  out.schema.null_tokens = out.csv.null_tokens;
  choices.key = ChooseKey(prof, choices, &out.notes);
  ProposeFields(prof, choices, words, &out);
  out.rows = prof.rows;
  out.rows_left_out = prof.left_out;
  out.row_limit_reached = prof.limit_reached;
  RETURN_IF_ERROR(config::ValidateSchema(out.schema));
  return out;
}

}  // namespace verbind::storage
