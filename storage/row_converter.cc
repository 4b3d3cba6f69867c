#include "storage/row_converter.h"

#include "common/dates.h"
#include "common/strings.h"

namespace verbind::storage {

using config::Field;
using config::FieldType;

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

bool ParseBoolean(std::string_view t, int64_t* out) {
  for (std::string_view yes : {"true", "1", "yes"}) {
    if (EqualsIgnoreCase(t, yes)) {
      *out = 1;
      return true;
    }
  }
  for (std::string_view no : {"false", "0", "no"}) {
    if (EqualsIgnoreCase(t, no)) {
      *out = 0;
      return true;
    }
  }
  return false;
}

std::string FormatUnits(const Field& f, int64_t v) {
  if (f.type == FieldType::kDecimal) return config::FormatDecimal(v, f.scale);
  if (f.type == FieldType::kDate) return common::FormatIsoDate(static_cast<int32_t>(v));
  return std::to_string(v);
}

bool CheckBounds(const Field& f, int64_t v, std::string* reason) {
  if (f.min && v < *f.min) {
    *reason = FormatUnits(f, v) + " is below the minimum " + FormatUnits(f, *f.min);
    return false;
  }
  if (f.max && v > *f.max) {
    *reason = FormatUnits(f, v) + " is above the maximum " + FormatUnits(f, *f.max);
    return false;
  }
  return true;
}

bool ParseText(const Field& f, std::string_view t, int64_t* out) {
  switch (f.type) {
    case FieldType::kInteger: return common::ParseInt64(t, out);
    case FieldType::kDecimal: return config::ParseDecimal(t, f.scale, out);
    case FieldType::kDate: {
      int32_t days;
      if (!common::ParseIsoDate(t, &days)) return false;
      *out = days;
      return true;
    }
    case FieldType::kBoolean: return ParseBoolean(t, out);
    default: return false;
  }
}

std::string Expected(const Field& f) {
  switch (f.type) {
    case FieldType::kInteger: return "an integer";
    case FieldType::kDecimal:
      return "a decimal with at most " + std::to_string(f.scale) + " decimals";
    case FieldType::kDate: return "a date (YYYY-MM-DD)";
    default: return "a boolean (true/false, 1/0, yes/no)";
  }
}

bool ValidText(std::string_view t, size_t max_bytes, bool allow_control, std::string* reason) {
  if (t.size() > max_bytes) {
    *reason = "longer than " + std::to_string(max_bytes) + " bytes";
    return false;
  }
  if (!common::IsValidUtf8(t)) {
    *reason = "invalid UTF-8";
    return false;
  }
  if (!allow_control) {
    for (char c : t) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        *reason = QuoteForError(t) + " contains a control character";
        return false;
      }
    }
  }
  return true;
}

}  // namespace

std::string QuoteForError(std::string_view text) {
  if (!common::IsValidUtf8(text)) return "invalid UTF-8";
  std::string_view shown = text.substr(0, 64);
  // Do not cut a multi-byte character.
  while (!shown.empty() && !common::IsValidUtf8(shown)) shown.remove_suffix(1);
  return common::JsonQuote(shown) + (shown.size() < text.size() ? "..." : "");
}

bool ParseValueCell(const Field& f, const Cell& cell, int64_t* out, std::string* reason) {
  bool kind_ok = cell.kind == CellKind::kText ||
                 (cell.kind == CellKind::kNumber && f.type != FieldType::kDate) ||
                 (cell.kind == CellKind::kBool && f.type == FieldType::kBoolean);
  if (!kind_ok || !ParseText(f, cell.text, out)) {
    *reason = common::IsValidUtf8(cell.text) ? QuoteForError(cell.text) + " is not " + Expected(f)
                                             : "invalid UTF-8";
    return false;
  }
  return CheckBounds(f, *out, reason);
}

RowConverter::RowConverter(const DatasetState& state)
    : state_(state),
      schema_(*state.schema),
      new_labels_(state.schema->fields.size()),
      new_codes_(state.schema->fields.size()) {}

bool RowConverter::Convert(const Cell* cells, RowValues* row, std::vector<FieldError>* errors) {
  size_t n = schema_.fields.size();
  row->values.assign(n, 0);
  row->nulls.assign(n, 0);
  row->text.assign(n, std::string_view());
  row->new_label.assign(n, 0);
  bool ok = true;
  std::string reason;
  for (size_t i = 0; i < n; ++i) {
    if (!ConvertField(i, cells[i], row, &reason)) {
      errors->push_back(FieldError{i, std::move(reason)});
      reason.clear();
      ok = false;
    }
  }
  return ok;
}

bool RowConverter::ConvertField(size_t i, const Cell& cell, RowValues* row, std::string* reason) {
  const Field& f = schema_.fields[i];
  if (cell.kind == CellKind::kNull || cell.text.empty()) {
    row->nulls[i] = 1;
    if (!f.nullable) {
      *reason = "a value is required (the field is not nullable)";
      return false;
    }
    return true;
  }
  switch (f.type) {
    case FieldType::kIdentifier:
      if (cell.kind == CellKind::kBool) {
        *reason = "a boolean is not an identifier";
        return false;
      }
      row->text[i] = cell.text;
      return ValidText(cell.text, kMaxIdentifierBytes, true, reason);
    case FieldType::kCategorical:
      if (cell.kind == CellKind::kBool) {
        *reason = "a boolean is not a category label";
        return false;
      }
      return Categorical(i, cell.text, row, reason);
    default: return ParseValueCell(f, cell, &row->values[i], reason);
  }
}

bool RowConverter::Categorical(size_t i, std::string_view label, RowValues* row,
                               std::string* reason) {
  const Field& f = schema_.fields[i];
  const Dictionary& dict = *state_.dictionaries[i];
  if (auto it = dict.codes.find(label); it != dict.codes.end()) {
    row->values[i] = it->second;
    return true;
  }
  if (auto it = new_codes_[i].find(label); it != new_codes_[i].end()) {
    row->values[i] = it->second;
    return true;
  }
  if (!ValidText(label, kMaxLabelBytes, false, reason)) return false;
  if (!f.categories.empty()) {
    std::string allowed;
    for (size_t k = 0; k < f.categories.size() && k < 12; ++k) {
      allowed += (k ? ", " : "") + f.categories[k];
    }
    if (f.categories.size() > 12) allowed += ", ...";
    *reason = QuoteForError(label) + " is not one of the categories (" + allowed + ")";
    return false;
  }
  if (dict.labels.size() + new_labels_[i].size() >= static_cast<size_t>(f.max_categories)) {
    *reason = QuoteForError(label) + " would be label number " +
              std::to_string(f.max_categories + 1) + "; the field allows " +
              std::to_string(f.max_categories) + " (max_categories)";
    return false;
  }
  row->text[i] = label;
  row->new_label[i] = 1;
  return true;
}

void RowConverter::Commit(RowValues* row) {
  for (size_t i = 0; i < row->new_label.size(); ++i) {
    if (!row->new_label[i]) continue;
    auto [it, added] = new_codes_[i].try_emplace(
        std::string(row->text[i]),
        static_cast<int64_t>(state_.dictionaries[i]->labels.size() + new_labels_[i].size()));
    if (added) new_labels_[i].push_back(it->first);
    row->values[i] = it->second;
    row->new_label[i] = 0;
  }
}

}  // namespace verbind::storage
