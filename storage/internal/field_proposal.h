// The rules by which schema inference proposes one field from a column's profile, with the
// evidence for the proposal (docs/datasets.md, "Inferring a schema"). Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/schema.h"
#include "storage/internal/column_profile.h"

namespace verbind::storage {

// A key needs this many values at least: in fewer rows every column is easily unique.
inline constexpr int64_t kMinKeyValues = 10;

// How a column's values read, missing words left out.
enum class ColumnKind { kNoValues, kBoolean, kInteger, kDecimal, kDate, kText };

// Booleans: every value of one pair of kBooleanPairs (for 1/0 both seen). Then integers (but
// digits written with a leading zero are codes: text), decimals, dates, and text.
ColumnKind KindOf(const ColumnProfile& p, bool decimal_comma);
// Boolean, integer, decimal or date: a column where a word such as NA can only mean missing.
bool IsTyped(ColumnKind kind);
// Empty fields and missing words.
int64_t MissingCount(const ColumnProfile& p);
// Every value present and distinct, in at least kMinKeyValues rows.
bool AllPresentAndDistinct(const ColumnProfile& p);
// A column that could be the record key: text codes (no spaces), all present and distinct,
// and short enough to be an identifier.
bool CouldBeKey(const ColumnProfile& p, ColumnKind kind);

// What the file-wide choices say about a column.
struct ColumnContext {
  std::string name;  // the field name
  int64_t rows = 0;  // data rows sampled
  bool decimal_comma = false;
  bool digit_codes = false;  // all digits, some with a leading zero (before words were added)
  bool is_key = false;       // proposed as the record key
  std::string key;           // the record key's field name, or empty
  const std::vector<std::string>* words = nullptr;  // the missing words counted apart
};

struct FieldProposal {
  config::Field field;
  std::vector<std::string> notes;  // the evidence, one line each
};

FieldProposal ProposeField(const ColumnProfile& p, const ColumnContext& c);

// Bounds for data in lo..hi (storage units): each rounded outward to a multiple of `step`, the
// largest power of ten not above hi - lo (not above the larger magnitude when lo == hi); a
// bound that a value lies on moves one step further out (`margin`), but not across zero.
struct RoundedBounds {
  int64_t min = 0, max = 0, step = 1;
  bool margin = false;
};
RoundedBounds RoundOut(int64_t lo, int64_t hi);

}  // namespace verbind::storage
