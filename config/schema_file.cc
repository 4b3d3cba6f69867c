// Dataset schemas: validation, decimal text, and the TOML schema file (parse and render).
// The JSON form lives in schema_file_json.cc.
#include <algorithm>
#include <set>

#include "common/dates.h"
#include "common/strings.h"
#include "config/schema.h"
#include "config/internal/schema_file.h"

namespace verbind::config {

using common::Result;
using common::Status;

namespace {

constexpr std::string_view kTypeNames[] = {"integer", "decimal",  "categorical",
                                           "date",    "boolean", "identifier"};

std::string FieldWhere(const Field& f) { return "field " + f.name + ": "; }

bool ValidLabel(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabelBytes || !common::IsValidUtf8(label)) {
    return false;
  }
  for (char c : label) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

Status ValidateCategories(const Field& f) {
  if (f.max_categories < 1 || f.max_categories > kMaxCategories) {
    return common::InvalidArgument(FieldWhere(f) + "max_categories must be between 1 and " +
                                   std::to_string(kMaxCategories));
  }
  if (f.categories.size() > static_cast<size_t>(f.max_categories)) {
    return common::InvalidArgument(FieldWhere(f) + "lists more categories than max_categories");
  }
  std::set<std::string_view> seen;
  for (const auto& c : f.categories) {
    if (!ValidLabel(c)) {
      return common::InvalidArgument(FieldWhere(f) + "category \"" +
                                     (common::IsValidUtf8(c) ? c : "?") +
                                     "\" must be 1-256 bytes of UTF-8 without control characters");
    }
    if (!seen.insert(c).second) {
      return common::InvalidArgument(FieldWhere(f) + "category \"" + c + "\" is listed twice");
    }
  }
  return Status::Ok();
}

// Null tokens must read the same in every CSV upload: besides the label rules, no quote and no
// delimiter (',' ';' '|'; a tab is a control character), which a field could not hold unquoted.
Status ValidateNullTokens(const std::vector<std::string>& tokens) {
  if (tokens.size() > kMaxNullTokens) {
    return common::InvalidArgument("null_tokens: at most " + std::to_string(kMaxNullTokens) +
                                   " tokens");
  }
  std::set<std::string_view> seen;
  for (const auto& t : tokens) {
    if (!ValidLabel(t) || t.size() > kMaxNullTokenBytes ||
        t.find_first_of("\",;|") != std::string::npos) {
      return common::InvalidArgument(
          "null_tokens: \"" + (common::IsValidUtf8(t) ? t : "?") +
          "\" must be 1-64 bytes of UTF-8 without control characters, quotes, ',', ';' or '|'");
    }
    if (!seen.insert(t).second) {
      return common::InvalidArgument("null_tokens: \"" + t + "\" is listed twice");
    }
  }
  return Status::Ok();
}

Status ValidateBounds(const Field& f) {
  bool ordered = f.type == FieldType::kInteger || f.type == FieldType::kDecimal ||
                 f.type == FieldType::kDate;
  if ((f.min || f.max) && !ordered) {
    return common::InvalidArgument(FieldWhere(f) +
                                   "min and max apply to integer, decimal and date fields only");
  }
  if (f.min && f.max && *f.min > *f.max) {
    return common::InvalidArgument(FieldWhere(f) + "min is greater than max");
  }
  if (!f.grid) return Status::Ok();
  if (!ordered || !f.min || !f.max) {
    return common::InvalidArgument(FieldWhere(f) + "grid needs an integer, decimal or date field "
                                                   "with min and max");
  }
  if (*f.grid < 1) return common::InvalidArgument(FieldWhere(f) + "grid must be positive");
  if (GridBins(f) > kMaxGridBins) {
    return common::InvalidArgument(FieldWhere(f) + "grid makes " + std::to_string(GridBins(f)) +
                                   " bins between min and max; at most " +
                                   std::to_string(kMaxGridBins) + " (use a wider grid)");
  }
  return Status::Ok();
}

}  // namespace

int64_t GridBins(const Field& f) {
  if (!f.grid || !f.min || !f.max || *f.grid < 1 || *f.min > *f.max) return 0;
  unsigned __int128 span = static_cast<unsigned __int128>(static_cast<__int128>(*f.max) - *f.min) + 1;
  unsigned __int128 bins = (span + static_cast<uint64_t>(*f.grid) - 1) / static_cast<uint64_t>(*f.grid);
  return bins > INT64_MAX ? INT64_MAX : static_cast<int64_t>(bins);
}

std::string_view FieldTypeName(FieldType t) { return kTypeNames[static_cast<int>(t)]; }

bool ParseFieldType(std::string_view text, FieldType* out) {
  for (size_t i = 0; i < std::size(kTypeNames); ++i) {
    if (kTypeNames[i] == text) {
      *out = static_cast<FieldType>(i);
      return true;
    }
  }
  return false;
}

std::optional<size_t> Schema::FieldIndex(std::string_view name) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == name) return i;
  }
  return std::nullopt;
}

Status ValidateField(const Field& f) {
  if (!common::IsValidName(f.name)) {
    return common::InvalidArgument("field name \"" +
                                   (common::IsValidUtf8(f.name) ? f.name : "?") +
                                   "\" is not valid (1-64 of a-z 0-9 . _ -, starting with a "
                                   "letter or digit)");
  }
  if (f.description.size() > kMaxDescriptionBytes || !common::IsValidUtf8(f.description)) {
    return common::InvalidArgument(FieldWhere(f) + "description must be at most 1024 bytes of "
                                                   "UTF-8");
  }
  if (f.unit.size() > 64 || !common::IsValidUtf8(f.unit) ||
      std::any_of(f.unit.begin(), f.unit.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return common::InvalidArgument(FieldWhere(f) +
                                   "unit must be at most 64 bytes of UTF-8 without control "
                                   "characters");
  }
  if (f.type == FieldType::kDecimal ? (f.scale < 0 || f.scale > 9) : f.scale != 0) {
    return common::InvalidArgument(FieldWhere(f) + (f.type == FieldType::kDecimal
                                                        ? "scale must be between 0 and 9"
                                                        : "scale applies to decimal fields only"));
  }
  if (f.type == FieldType::kCategorical) {
    RETURN_IF_ERROR(ValidateCategories(f));
  } else if (!f.categories.empty()) {
    return common::InvalidArgument(FieldWhere(f) + "categories apply to categorical fields only");
  }
  return ValidateBounds(f);
}

Status ValidateSchema(const Schema& schema) {
  if (schema.fields.empty()) return common::InvalidArgument("a schema needs at least one field");
  if (schema.fields.size() > kMaxFields) {
    return common::InvalidArgument("a schema has at most " + std::to_string(kMaxFields) +
                                   " fields");
  }
  if (schema.description.size() > kMaxDescriptionBytes ||
      !common::IsValidUtf8(schema.description)) {
    return common::InvalidArgument("description must be at most 1024 bytes of UTF-8");
  }
  RETURN_IF_ERROR(ValidateNullTokens(schema.null_tokens));
  std::set<std::string_view> names;
  for (const auto& f : schema.fields) {
    RETURN_IF_ERROR(ValidateField(f));
    if (!names.insert(f.name).second) {
      return common::InvalidArgument("field " + f.name + " is defined twice");
    }
  }
  if (schema.key) {
    if (*schema.key >= schema.fields.size()) return common::InvalidArgument("key is out of range");
    const Field& k = schema.fields[*schema.key];
    if (k.type != FieldType::kIdentifier) {
      return common::InvalidArgument("the record key " + k.name +
                                     " must be an identifier field, not " +
                                     std::string(FieldTypeName(k.type)));
    }
    if (k.nullable) {
      return common::InvalidArgument("the record key " + k.name + " cannot be nullable");
    }
  }
  return Status::Ok();
}

bool ParseDecimal(std::string_view text, int scale, int64_t* units) {
  if (scale < 0 || scale > 18 || text.empty()) return false;
  bool neg = text[0] == '-';
  size_t i = (neg || text[0] == '+') ? 1 : 0;
  size_t int_start = i;
  unsigned __int128 v = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    v = v * 10 + static_cast<unsigned>(text[i] - '0');
    if (v > (static_cast<unsigned __int128>(1) << 64)) return false;
  }
  if (i == int_start) return false;
  int decimals = 0;
  if (i < text.size() && text[i] == '.') {
    size_t frac_start = ++i;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (++decimals > scale) return false;
      v = v * 10 + static_cast<unsigned>(text[i] - '0');
    }
    if (i == frac_start) return false;
  }
  if (i != text.size()) return false;
  for (int d = decimals; d < scale; ++d) {
    v *= 10;
    if (v > (static_cast<unsigned __int128>(1) << 64)) return false;
  }
  const unsigned __int128 limit = neg ? (static_cast<unsigned __int128>(1) << 63)
                                      : (static_cast<unsigned __int128>(1) << 63) - 1;
  if (v > limit) return false;
  *units = neg ? static_cast<int64_t>(-static_cast<__int128>(v)) : static_cast<int64_t>(v);
  return true;
}

std::string FormatDecimal(int64_t units, int scale) {
  bool neg = units < 0;
  uint64_t mag = neg ? ~static_cast<uint64_t>(units) + 1 : static_cast<uint64_t>(units);
  std::string digits = std::to_string(mag);
  if (scale > 0) {
    if (digits.size() <= static_cast<size_t>(scale)) {
      digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
    }
    digits.insert(digits.size() - static_cast<size_t>(scale), ".");
  }
  return neg ? "-" + digits : digits;
}

std::string FormatBound(const Field& f, int64_t v) {
  if (f.type == FieldType::kDecimal) return FormatDecimal(v, f.scale);
  if (f.type == FieldType::kDate) {
    return common::FormatIsoDate(static_cast<int32_t>(v));
  }
  return std::to_string(v);
}

bool ParseBoundText(const Field& f, std::string_view text, int64_t* out) {
  if (f.type == FieldType::kDecimal) return ParseDecimal(text, f.scale, out);
  if (f.type == FieldType::kDate) {
    int32_t days;
    if (!common::ParseIsoDate(text, &days)) return false;
    *out = days;
    return true;
  }
  return common::ParseInt64(text, out);
}

}  // namespace verbind::config

namespace verbind::config {

std::string DefinitionRef::Label() const {
  return publisher + "/" + name + "@" + std::to_string(version);
}

}  // namespace verbind::config
