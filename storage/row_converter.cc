#include "storage/internal/row_converter.h"

#include "common/dates.h"
#include "common/strings.h"
#include "storage/internal/key_index.h"

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
  for (const auto& pair : kBooleanPairs) {
    for (int side = 0; side < 2; ++side) {
      if (EqualsIgnoreCase(t, pair[side])) {
        *out = side == 0 ? 1 : 0;
        return true;
      }
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

bool ParseText(const Field& f, std::string_view t, bool decimal_comma, int64_t* out) {
  switch (f.type) {
    case FieldType::kInteger: return common::ParseInt64(t, out);
    case FieldType::kDecimal: return ParseDecimalText(t, f.scale, decimal_comma, out);
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

std::string Expected(const Field& f, bool decimal_comma) {
  switch (f.type) {
    case FieldType::kInteger: return "an integer";
    case FieldType::kDecimal:
      return std::string(decimal_comma ? "a decimal with a decimal comma and" : "a decimal with") +
             " at most " + std::to_string(f.scale) + " decimals";
    case FieldType::kDate: return "a date (YYYY-MM-DD)";
    default: return "a boolean (true/false, 1/0, yes/no, ja/nee)";
  }
}

// True when every byte is printable ASCII (then the text is valid UTF-8 without controls).
bool PrintableAscii(std::string_view t) {
  unsigned char bad = 0;
  for (char c : t) {
    auto u = static_cast<unsigned char>(c);
    bad |= static_cast<unsigned char>((u < 0x20) | (u >= 0x7f));
  }
  return bad == 0;
}

bool ValidText(std::string_view t, size_t max_bytes, bool allow_control, std::string* reason) {
  if (t.size() > max_bytes) {
    *reason = "longer than " + std::to_string(max_bytes) + " bytes";
    return false;
  }
  if (PrintableAscii(t)) return true;
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

bool ParseDecimalText(std::string_view text, int scale, bool decimal_comma, int64_t* units) {
  size_t sign = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  bool bare_point = text.size() > sign && text[sign] == (decimal_comma ? ',' : '.');
  if (!decimal_comma && !bare_point) return config::ParseDecimal(text, scale, units);
  if (decimal_comma && text.find('.') != std::string_view::npos) return false;
  std::string normal(text);
  if (decimal_comma) {
    size_t comma = normal.find(',');
    if (comma != std::string::npos) normal[comma] = '.';
  }
  if (bare_point) normal.insert(sign, 1, '0');
  return config::ParseDecimal(normal, scale, units);
}

std::string QuoteForError(std::string_view text) {
  if (!common::IsValidUtf8(text)) return "invalid UTF-8";
  std::string_view shown = text.substr(0, 64);
  // Do not cut a multi-byte character.
  while (!shown.empty() && !common::IsValidUtf8(shown)) shown.remove_suffix(1);
  return common::JsonQuote(shown) + (shown.size() < text.size() ? "..." : "");
}

bool ParseValueCell(const Field& f, const Cell& cell, int64_t* out, std::string* reason,
                    bool decimal_comma) {
  bool kind_ok = cell.kind == CellKind::kText ||
                 (cell.kind == CellKind::kNumber && f.type != FieldType::kDate) ||
                 (cell.kind == CellKind::kBool && f.type == FieldType::kBoolean);
  if (!kind_ok || !ParseText(f, cell.text, decimal_comma, out)) {
    *reason = common::IsValidUtf8(cell.text)
                  ? QuoteForError(cell.text) + " is not " + Expected(f, decimal_comma)
                  : "invalid UTF-8";
    return false;
  }
  return CheckBounds(f, *out, reason);
}

RowConverter::RowConverter(const DatasetState& state, bool decimal_comma)
    : state_(state),
      schema_(*state.schema),
      decimal_comma_(decimal_comma),
      new_labels_(state.schema->fields.size()),
      tables_(state.schema->fields.size()) {
  for (size_t i = 0; i < schema_.fields.size(); ++i) {
    if (schema_.fields[i].type != FieldType::kCategorical) continue;
    const auto& labels = state_.dictionaries[i]->labels;
    for (size_t code = 0; code < labels.size(); ++code) {
      AddLabel(i, labels[code], static_cast<int64_t>(code));
    }
  }
}

std::string_view RowConverter::LabelOf(size_t field, int64_t code) const {
  const auto& base = state_.dictionaries[field]->labels;
  auto c = static_cast<size_t>(code);
  return c < base.size() ? std::string_view(base[c]) : std::string_view(new_labels_[field][c - base.size()]);
}

int64_t RowConverter::FindLabel(size_t field, std::string_view label) const {
  const LabelTable& t = tables_[field];
  if (t.hashes.empty()) return -1;
  uint64_t h = HashKey(label) | 1;
  size_t mask = t.hashes.size() - 1;
  for (size_t i = h & mask; t.hashes[i] != 0; i = (i + 1) & mask) {
    if (t.hashes[i] == h && LabelOf(field, t.codes[i]) == label) return t.codes[i];
  }
  return -1;
}

void RowConverter::AddLabel(size_t field, std::string_view label, int64_t code) {
  LabelTable& t = tables_[field];
  if ((t.size + 1) * 2 > t.hashes.size()) {  // at most half full
    LabelTable bigger;
    bigger.hashes.assign(std::max<size_t>(16, t.hashes.size() * 2), 0);
    bigger.codes.assign(bigger.hashes.size(), 0);
    std::swap(t, bigger);
    for (size_t i = 0; i < bigger.hashes.size(); ++i) {
      if (bigger.hashes[i]) AddLabel(field, LabelOf(field, bigger.codes[i]), bigger.codes[i]);
    }
  }
  uint64_t h = HashKey(label) | 1;
  size_t mask = t.hashes.size() - 1;
  size_t i = h & mask;
  while (t.hashes[i] != 0) i = (i + 1) & mask;
  t.hashes[i] = h;
  t.codes[i] = code;
  ++t.size;
}

bool RowConverter::Convert(const Cell* cells, RowValues* row, std::vector<FieldError>* errors) {
  size_t n = schema_.fields.size();
  if (row->values.size() != n) {
    row->values.resize(n);
    row->nulls.resize(n);
    row->text.resize(n);
    row->new_label.resize(n);
  }
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
  row->values[i] = 0;
  row->nulls[i] = 0;
  row->text[i] = std::string_view();
  row->new_label[i] = 0;
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
    default: return ParseValueCell(f, cell, &row->values[i], reason, decimal_comma_);
  }
}

bool RowConverter::Categorical(size_t i, std::string_view label, RowValues* row,
                               std::string* reason) {
  const Field& f = schema_.fields[i];
  const Dictionary& dict = *state_.dictionaries[i];
  if (int64_t code = FindLabel(i, label); code >= 0) {
    row->values[i] = code;
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
    int64_t code = FindLabel(i, row->text[i]);
    if (code < 0) {
      code = static_cast<int64_t>(state_.dictionaries[i]->labels.size() + new_labels_[i].size());
      new_labels_[i].emplace_back(row->text[i]);
      AddLabel(i, new_labels_[i].back(), code);
    }
    row->values[i] = code;
    row->new_label[i] = 0;
  }
}

}  // namespace verbind::storage
