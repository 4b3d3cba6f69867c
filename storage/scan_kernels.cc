#include "storage/internal/scan_kernels.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "storage/aggregates.h"

namespace verbind::storage {

namespace {

using Op = Predicate::Op;

// An inclusive range of values, in 128 bits so that bounds never overflow.
struct ValueRange {
  Int128 lo;
  Int128 hi;
};

// The values a comparison accepts (before negation); `negate` for !=, NOT BETWEEN.
ValueRange RangeOf(const Predicate& p, bool* negate) {
  const Int128 kMin = INT64_MIN, kMax = INT64_MAX;
  Int128 v0 = p.values.empty() ? 0 : p.values[0];
  *negate = p.op == Op::kNe || p.op == Op::kNotBetween;
  switch (p.op) {
    case Op::kEq:
    case Op::kNe: return {v0, v0};
    case Op::kLt: return {kMin, v0 - 1};
    case Op::kLe: return {kMin, v0};
    case Op::kGt: return {v0 + 1, kMax};
    case Op::kGe: return {v0, kMax};
    default: return {v0, p.values.size() > 1 ? Int128{p.values[1]} : v0};  // (NOT) BETWEEN
  }
}

template <typename T>
void InDeltaRange(const T* d, uint32_t n, T lo, T span, uint8_t* out) {
  for (uint32_t i = 0; i < n; ++i) out[i] = static_cast<T>(d[i] - lo) <= span;
}

void Compare(const Predicate& p, const ColumnChunk& c, uint32_t n, uint8_t* out) {
  bool negate = false;
  ValueRange r = RangeOf(p, &negate);
  Int128 lo = std::max<Int128>(r.lo - c.base, 0);
  Int128 hi = std::min<Int128>(r.hi - c.base, static_cast<Int128>(c.max_delta));
  if (lo > hi) {
    std::memset(out, 0, n);
  } else {
    WithDeltas(c, [&](const auto* d) {
      using T = std::remove_cv_t<std::remove_pointer_t<decltype(d)>>;
      InDeltaRange<T>(d, n, static_cast<T>(lo), static_cast<T>(hi - lo), out);
    });
  }
  if (negate) {
    for (uint32_t i = 0; i < n; ++i) out[i] ^= 1;
  }
}

template <typename T>
void EqualsAny(const T* d, uint32_t n, const std::vector<uint64_t>& targets, uint8_t* out) {
  std::memset(out, 0, n);
  for (uint64_t t : targets) {
    T v = static_cast<T>(t);
    for (uint32_t i = 0; i < n; ++i) out[i] |= d[i] == v;
  }
}

template <typename T>
void LookUp(const T* d, uint32_t n, const std::vector<uint8_t>& table, uint8_t* out) {
  for (uint32_t i = 0; i < n; ++i) out[i] = table[d[i]];
}

template <typename T>
void Search(const T* d, uint32_t n, const std::vector<uint64_t>& sorted, uint8_t* out) {
  for (uint32_t i = 0; i < n; ++i) {
    out[i] = std::binary_search(sorted.begin(), sorted.end(), static_cast<uint64_t>(d[i]));
  }
}

void Member(const Predicate& p, const ColumnChunk& c, uint32_t n, uint8_t* out) {
  std::vector<uint64_t> targets;
  for (int64_t v : p.values) {
    Int128 t = static_cast<Int128>(v) - c.base;
    if (t >= 0 && t <= static_cast<Int128>(c.max_delta)) targets.push_back(static_cast<uint64_t>(t));
  }
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  WithDeltas(c, [&](const auto* d) {
    if (targets.size() <= 4) {
      EqualsAny(d, n, targets, out);
    } else if (c.max_delta < (1u << 16)) {
      std::vector<uint8_t> table(c.max_delta + 1, 0);
      for (uint64_t t : targets) table[t] = 1;
      LookUp(d, n, table, out);
    } else {
      Search(d, n, targets, out);
    }
  });
  if (p.op == Op::kNotIn) {
    for (uint32_t i = 0; i < n; ++i) out[i] ^= 1;
  }
}

void Nulls(const ColumnChunk& c, uint32_t n, bool want_null, uint8_t* out) {
  std::memset(out, want_null ? 0 : 1, n);
  if (c.null_count == 0) return;
  for (uint32_t i = 0; i < n; ++i) {
    if (TestBit(c.nulls, i)) out[i] = want_null ? 1 : 0;
  }
}

// Whether the comparison `p` (no IS NULL) holds for the value v.
bool Holds(const Predicate& p, int64_t v) {
  if (p.op == Op::kIn || p.op == Op::kNotIn) {
    bool in = std::find(p.values.begin(), p.values.end(), v) != p.values.end();
    return in == (p.op == Op::kIn);
  }
  bool negate = false;
  ValueRange r = RangeOf(p, &negate);
  return (v >= r.lo && v <= r.hi) != negate;
}

int64_t ValueOf(const ColumnChunk& c, uint64_t delta) {
  return static_cast<int64_t>(static_cast<uint64_t>(c.base) + delta);
}

// A comparison of a part of a date (p.part): decided once per distinct delta of the chunk when
// its range is small (dates of a few centuries), else row by row.
void ComparePart(const Predicate& p, const ColumnChunk& c, uint32_t n, uint8_t* out) {
  WithDeltas(c, [&](const auto* d) {
    if (c.max_delta < (1u << 16)) {
      std::vector<uint8_t> table(c.max_delta + 1);
      for (uint64_t t = 0; t <= c.max_delta; ++t) {
        table[t] = Holds(p, common::ApplyDatePart(p.part, ValueOf(c, t)));
      }
      LookUp(d, n, table, out);
    } else {
      for (uint32_t i = 0; i < n; ++i) {
        out[i] = Holds(p, common::ApplyDatePart(p.part, ValueOf(c, d[i])));
      }
    }
  });
}

// Which outcomes of comparing a with b (less, equal, greater) satisfy the operator.
std::array<uint8_t, 3> Accepted(Op op) {
  switch (op) {
    case Op::kEq: return {0, 1, 0};
    case Op::kNe: return {1, 0, 1};
    case Op::kLt: return {1, 0, 0};
    case Op::kLe: return {1, 1, 0};
    case Op::kGt: return {0, 0, 1};
    default: return {0, 1, 1};  // kGe
  }
}

template <typename A, typename B>
void CompareScaled(const Predicate& p, const ColumnChunk& ca, const A* a, const ColumnChunk& cb,
                   const B* b, uint32_t n, uint8_t* out) {
  const std::array<uint8_t, 3> accepted = Accepted(p.op);
  for (uint32_t i = 0; i < n; ++i) {
    Int128 x = static_cast<Int128>(ValueOf(ca, a[i])) * p.multiplier;
    Int128 y = static_cast<Int128>(ValueOf(cb, b[i])) * p.multiplier2;
    out[i] = accepted[static_cast<size_t>((x > y) - (x < y) + 1)];
  }
}

// A comparison of two columns (p.column2), row by row; NULL on either side never matches.
void CompareColumns(const Predicate& p, const ChunkView& view, uint8_t* out) {
  const ColumnChunk& a = *view.columns[static_cast<size_t>(p.column)];
  const ColumnChunk& b = *view.columns[static_cast<size_t>(p.column2)];
  uint32_t n = view.rows;
  WithDeltas(a, [&](const auto* da) {
    WithDeltas(b, [&](const auto* db) { CompareScaled(p, a, da, b, db, n, out); });
  });
  if (a.null_count > 0) ClearRows(a.nulls, n, out);
  if (b.null_count > 0) ClearRows(b.nulls, n, out);
}

void Leaf(const Predicate& p, const ChunkView& view, uint8_t* out) {
  if (p.column2 >= 0) {
    CompareColumns(p, view, out);
    return;
  }
  const ColumnChunk& c = *view.columns[static_cast<size_t>(p.column)];
  uint32_t n = view.rows;
  switch (p.op) {
    case Op::kIsNull: Nulls(c, n, true, out); return;
    case Op::kIsNotNull: Nulls(c, n, false, out); return;
    default: break;
  }
  if (p.part != common::DatePart::kNone) {
    ComparePart(p, c, n, out);
  } else if (p.op == Op::kIn || p.op == Op::kNotIn) {
    Member(p, c, n, out);
  } else {
    Compare(p, c, n, out);
  }
  if (c.null_count > 0) ClearRows(c.nulls, n, out);
}

}  // namespace

uint8_t* FilterScratch::Level(size_t depth) {
  if (levels_.size() <= depth) levels_.resize(depth + 1);
  if (levels_[depth].empty()) levels_[depth].resize(kChunkRows);
  return levels_[depth].data();
}

void EvaluateFilter(const Predicate& p, const ChunkView& view, uint8_t* out,
                    FilterScratch* scratch, size_t depth) {
  uint32_t n = view.rows;
  switch (p.op) {
    case Op::kTrue: std::memset(out, 1, n); return;
    case Op::kFalse: std::memset(out, 0, n); return;
    case Op::kAnd:
    case Op::kOr: {
      bool is_and = p.op == Op::kAnd;
      std::memset(out, is_and ? 1 : 0, n);
      uint8_t* tmp = scratch->Level(depth);
      for (const Predicate& child : p.children) {
        EvaluateFilter(child, view, tmp, scratch, depth + 1);
        if (is_and) {
          for (uint32_t i = 0; i < n; ++i) out[i] &= tmp[i];
        } else {
          for (uint32_t i = 0; i < n; ++i) out[i] |= tmp[i];
        }
      }
      return;
    }
    default: Leaf(p, view, out); return;
  }
}

bool HoldsForValue(const Predicate& p, std::optional<int64_t> value) {
  switch (p.op) {
    case Op::kTrue: return true;
    case Op::kFalse: return false;
    case Op::kAnd:
      return std::all_of(p.children.begin(), p.children.end(),
                         [&](const Predicate& c) { return HoldsForValue(c, value); });
    case Op::kOr:
      return std::any_of(p.children.begin(), p.children.end(),
                         [&](const Predicate& c) { return HoldsForValue(c, value); });
    case Op::kIsNull: return !value;
    case Op::kIsNotNull: return value.has_value();
    default: return value && Holds(p, common::ApplyDatePart(p.part, *value));
  }
}

void ClearRows(const RowBitmap& bitmap, uint32_t rows, uint8_t* out) {
  size_t words = std::min(bitmap.size(), BitmapWords(rows));
  for (size_t w = 0; w < words; ++w) {
    for (uint64_t bits = bitmap[w]; bits; bits &= bits - 1) {
      uint32_t i = static_cast<uint32_t>(w * 64 + static_cast<size_t>(std::countr_zero(bits)));
      if (i < rows) out[i] = 0;
    }
  }
}

const uint8_t* NonNullRows(const ColumnChunk& c, const uint8_t* sel, uint32_t rows,
                           uint8_t* valid) {
  if (c.null_count == 0) return sel;
  std::memcpy(valid, sel, rows);
  ClearRows(c.nulls, rows, valid);
  return valid;
}

uint32_t CountSelected(const uint8_t* mask, uint32_t rows) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < rows; ++i) n += mask[i];
  return n;
}

void CountGroups(const uint8_t* valid, const uint32_t* groups, uint32_t rows, size_t group_count,
                 int64_t* counts) {
  if (group_count > 256) {
    for (uint32_t i = 0; i < rows; ++i) counts[groups[i]] += valid[i];
    return;
  }
  // Four sets of counters, so that neighbouring rows of one group do not wait on each other.
  uint32_t c[4][257] = {};
  uint32_t i = 0;
  for (; i + 4 <= rows; i += 4) {
    c[0][groups[i]] += valid[i];
    c[1][groups[i + 1]] += valid[i + 1];
    c[2][groups[i + 2]] += valid[i + 2];
    c[3][groups[i + 3]] += valid[i + 3];
  }
  for (; i < rows; ++i) c[0][groups[i]] += valid[i];
  for (size_t g = 0; g <= group_count; ++g) counts[g] += c[0][g] + c[1][g] + c[2][g] + c[3][g];
}

}  // namespace verbind::storage
