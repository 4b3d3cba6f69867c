#include "storage/internal/field_proposal.h"

#include <algorithm>

#include "common/dates.h"
#include "common/strings.h"
#include "storage/internal/row_converter.h"

namespace verbind::storage {

using config::FieldType;

namespace {

constexpr size_t kNumericPair = 1;         // 1/0 in kBooleanPairs
constexpr int64_t kMaxCategories = 65536;  // config's limit on a categorical field
constexpr int64_t kDefaultMaxCategories = 1000;
constexpr size_t kNoteWidth = 96;

std::string N(int64_t n) { return std::to_string(n); }

// The smallest of 1, 2, 5 times a power of ten that is at least x.
int64_t NiceCeil(int64_t x) {
  for (int64_t p = 1;; p *= 10) {
    for (int64_t m : {1, 2, 5}) {
      if (m * p >= x) return m * p;
    }
  }
}

__int128 FloorDiv(__int128 a, __int128 b) { return a / b - (a % b != 0 && a < 0 ? 1 : 0); }
__int128 CeilDiv(__int128 a, __int128 b) { return a / b + (a % b != 0 && a > 0 ? 1 : 0); }
int64_t Clamp(__int128 v) {
  return static_cast<int64_t>(std::clamp<__int128>(v, INT64_MIN, INT64_MAX));
}

// "12000 x, 7966 y" style lists wrapped into lines of about kNoteWidth.
void AddWrapped(const std::vector<std::string>& items, std::vector<std::string>* notes) {
  std::string line = "  ";
  for (size_t i = 0; i < items.size(); ++i) {
    std::string item = items[i] + (i + 1 < items.size() ? "," : "");
    if (line.size() > 2 && line.size() + 1 + item.size() > kNoteWidth) {
      notes->push_back(line);
      line = "  ";
    }
    line += (line.size() > 2 ? " " : "") + item;
  }
  if (line.size() > 2) notes->push_back(line);
}

// Labels with their counts, most frequent first (then in byte order).
std::vector<std::pair<std::string, int64_t>> ByCount(const ColumnProfile& p) {
  std::vector<std::pair<std::string, int64_t>> out(p.labels().begin(), p.labels().end());
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

std::string Presence(const ColumnProfile& p, const ColumnContext& c) {
  if (c.rows == 0) return "no data rows -> nullable";
  if (MissingCount(p) == 0) return "all " + N(c.rows) + " rows have a value -> not nullable";
  std::string s = N(p.values()) + " of " + N(c.rows) + " rows have a value; missing: ";
  std::string parts;
  for (size_t i = 0; i < p.missing().size(); ++i) {
    if (p.missing()[i] > 0) {
      parts += (parts.empty() ? "" : ", ") + N(p.missing()[i]) + " " + (*c.words)[i];
    }
  }
  if (p.empty() > 0) parts += (parts.empty() ? "" : ", ") + N(p.empty()) + " empty";
  return s + parts + " -> nullable";
}

// "rounded out to multiples of 10" and the margin, for a bound's note.
std::string BoundsRule(const RoundedBounds& b, const std::string& step) {
  return "(assumed: rounded out to multiples of " + step +
         (b.margin ? " with a step of margin)" : ")");
}

void ProposeBoolean(const ColumnProfile& p, FieldProposal* out) {
  out->field.type = FieldType::kBoolean;
  const auto& pair = kBooleanPairs[static_cast<size_t>(p.boolean_pair())];
  std::string counts;
  for (const auto& [label, n] : ByCount(p))
    counts += (counts.empty() ? "" : ", ") + label + " (" + N(n) + ")";
  out->notes.push_back("values " + counts + " -> boolean (the pair " + std::string(pair[0]) + "/" +
                       std::string(pair[1]) + ")");
}

void ProposeInteger(const ColumnProfile& p, const ColumnContext& c, FieldProposal* out) {
  config::Field& f = out->field;
  f.type = FieldType::kInteger;
  RoundedBounds b = RoundOut(p.int_min(), p.int_max());
  f.min = b.min;
  f.max = b.max;
  out->notes.push_back("integers " + N(p.int_min()) + ".." + N(p.int_max()) + " -> min " +
                       N(b.min) + ", max " + N(b.max) + " " + BoundsRule(b, N(b.step)));
  if (p.boolean_pair() == static_cast<int>(kNumericPair)) {
    out->notes.push_back("only " +
                         std::string(kBooleanPairs[kNumericPair][p.boolean_seen(0) ? 0 : 1]) +
                         " seen, not both 1 and 0: an integer, not a boolean");
  }
  if (AllPresentAndDistinct(p)) {
    out->notes.push_back(
        "every value present and distinct, but numbers are not proposed as the "
        "record key; if it identifies records, set type = \"identifier\" and "
        "key = \"" +
        c.name + "\"");
  }
}

// A step in a decimal field's units as text without trailing zeros: "1000", "0.5".
std::string DecimalStep(int64_t step, int scale) {
  std::string s = config::FormatDecimal(step, scale);
  if (s.find('.') == std::string::npos) return s;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

void ProposeDecimal(const ColumnProfile& p, const ColumnContext& c, FieldProposal* out) {
  config::Field& f = out->field;
  const DecimalRange& r = p.decimals(c.decimal_comma);
  f.type = FieldType::kDecimal;
  f.scale = r.scale;
  RoundedBounds b = RoundOut(r.min, r.max);
  f.min = b.min;
  f.max = b.max;
  auto d = [&](int64_t v) { return config::FormatDecimal(v, r.scale); };
  out->notes.push_back("decimals " + d(r.min) + ".." + d(r.max) + " with at most " + N(r.scale) +
                       " decimals -> scale " + N(r.scale) + ", min " + d(b.min) + ", max " +
                       d(b.max) + " " + BoundsRule(b, DecimalStep(b.step, r.scale)));
}

void ProposeDate(const ColumnProfile& p, FieldProposal* out) {
  config::Field& f = out->field;
  f.type = FieldType::kDate;
  f.min = common::DaysFromCivil(common::CivilFromDays(p.date_min()).year, 1, 1);
  f.max = common::DaysFromCivil(common::CivilFromDays(p.date_max()).year, 12, 31);
  out->notes.push_back(
      "dates " + common::FormatIsoDate(p.date_min()) + ".." + common::FormatIsoDate(p.date_max()) +
      " -> min " + common::FormatIsoDate(static_cast<int32_t>(*f.min)) + ", max " +
      common::FormatIsoDate(static_cast<int32_t>(*f.max)) + " (assumed: whole years)");
}

void ProposeCategorical(const ColumnProfile& p, FieldProposal* out) {
  config::Field& f = out->field;
  f.type = FieldType::kCategorical;
  if (p.many_labels()) {
    f.max_categories = static_cast<int>(
        std::clamp(NiceCeil(2 * p.distinct()), kDefaultMaxCategories, kMaxCategories));
    out->notes.push_back("text, " + N(p.distinct()) + " labels in " + N(p.values()) +
                         " values (more than " + N(kMaxListedLabels) +
                         ": not listed) -> categorical, an open set with max_categories " +
                         N(f.max_categories) + " (assumed: at least twice the labels seen)");
    return;
  }
  std::vector<std::string> items;
  for (const auto& [label, n] : ByCount(p)) {
    f.categories.push_back(label);
    items.push_back(common::TomlQuote(label) + " (" + N(n) + ")");
  }
  out->notes.push_back("text, " + N(p.distinct()) +
                       " labels -> categorical, a closed set, most frequent first (ingest "
                       "refuses a label not listed):");
  AddWrapped(items, &out->notes);
}

// Identifier or categorical: an identifier when the values are mostly distinct (more than
// kMaxListedLabels and more than half), or cannot be labels.
void ProposeText(const ColumnProfile& p, const ColumnContext& c, FieldProposal* out) {
  if (c.digit_codes) {
    out->notes.push_back("digits, some with a leading zero: codes, not numbers -> text");
  }
  int64_t d = p.distinct();
  std::string why;
  if (c.is_key) {
    why = "every value present and distinct, codes without spaces -> identifier, the record key";
  } else if (!p.labels_valid()) {
    why =
        "text with a value over 256 bytes or with a control character (not a label) -> identifier";
  } else if (d > kMaxCategories) {
    why = "text, " + N(d) + " distinct values, more than a categorical field holds -> identifier";
  } else if (d > static_cast<int64_t>(kMaxListedLabels) && 2 * d > p.values()) {
    why = "text, " + N(d) + " distinct in " + N(p.values()) + " values (more than " +
          N(kMaxListedLabels) + " and more than half) -> identifier";
  }
  if (why.empty()) {
    ProposeCategorical(p, out);
  } else {
    out->field.type = FieldType::kIdentifier;
    out->notes.push_back(why);
  }
  if (!c.is_key && CouldBeKey(p, ColumnKind::kText)) {
    out->notes.push_back("every value present and distinct too; the record key is " + c.key +
                         ", the first such column");
  } else if (AllPresentAndDistinct(p) && p.has_space()) {
    out->notes.push_back(
        "every value present and distinct, but text with spaces is not "
        "proposed as the record key (codes have none)");
  }
  if (out->field.type == FieldType::kIdentifier && p.max_bytes() > kMaxIdentifierBytes) {
    out->notes.push_back("the longest value has " + N(static_cast<int64_t>(p.max_bytes())) +
                         " bytes; an identifier holds at most 1024: ingest refuses longer ones");
  }
}

}  // namespace

ColumnKind KindOf(const ColumnProfile& p, bool decimal_comma) {
  if (p.values() == 0) return ColumnKind::kNoValues;
  int pair = p.boolean_pair();
  bool both = p.boolean_seen(0) && p.boolean_seen(1);
  if (pair >= 0 && (pair != static_cast<int>(kNumericPair) || both)) return ColumnKind::kBoolean;
  if (p.all_int()) return p.leading_zero() ? ColumnKind::kText : ColumnKind::kInteger;
  if (p.decimals(decimal_comma).all) return ColumnKind::kDecimal;
  if (p.all_date()) return ColumnKind::kDate;
  return ColumnKind::kText;
}

bool IsTyped(ColumnKind kind) { return kind != ColumnKind::kNoValues && kind != ColumnKind::kText; }

int64_t MissingCount(const ColumnProfile& p) {
  int64_t n = p.empty();
  for (int64_t m : p.missing()) n += m;
  return n;
}

bool AllPresentAndDistinct(const ColumnProfile& p) {
  return MissingCount(p) == 0 && p.values() >= kMinKeyValues && p.distinct() == p.values();
}

bool CouldBeKey(const ColumnProfile& p, ColumnKind kind) {
  return kind == ColumnKind::kText && AllPresentAndDistinct(p) && !p.has_space() &&
         p.max_bytes() <= kMaxIdentifierBytes;
}

FieldProposal ProposeField(const ColumnProfile& p, const ColumnContext& c) {
  FieldProposal out;
  out.field.name = c.name;
  out.field.nullable = MissingCount(p) > 0 || p.values() == 0;
  out.notes.push_back(Presence(p, c));
  switch (KindOf(p, c.decimal_comma)) {
    case ColumnKind::kNoValues:
      out.field.type = FieldType::kCategorical;
      out.notes.push_back(
          "no values in the sample -> categorical, an open set (not inferred from any value: "
          "choose the type before creating the dataset)");
      break;
    case ColumnKind::kBoolean:
      ProposeBoolean(p, &out);
      break;
    case ColumnKind::kInteger:
      ProposeInteger(p, c, &out);
      break;
    case ColumnKind::kDecimal:
      ProposeDecimal(p, c, &out);
      break;
    case ColumnKind::kDate:
      ProposeDate(p, &out);
      break;
    case ColumnKind::kText:
      ProposeText(p, c, &out);
      break;
  }
  return out;
}

RoundedBounds RoundOut(int64_t lo, int64_t hi) {
  auto abs = [](__int128 v) { return v < 0 ? -v : v; };
  __int128 range = static_cast<__int128>(hi) - lo;
  __int128 basis = range > 0 ? range : std::max<__int128>({abs(lo), abs(hi), 1});
  __int128 step = 1;
  while (step * 10 <= basis) step *= 10;
  __int128 min = FloorDiv(lo, step) * step, max = CeilDiv(hi, step) * step;
  RoundedBounds b;
  if (min == lo && lo != 0) {
    min = lo > 0 ? std::max<__int128>(min - step, 0) : min - step;
    b.margin = true;
  }
  if (max == hi && hi != 0) {
    max = hi < 0 ? std::min<__int128>(max + step, 0) : max + step;
    b.margin = true;
  }
  b.min = Clamp(min);
  b.max = Clamp(max);
  b.step = Clamp(step);
  return b;
}

}  // namespace verbind::storage
