// What a scan computes: a filter over a dataset's columns, optional group-by columns, and a
// list of aggregates, all bound to column indexes and storage units (see config/schema.h:
// decimals in 10^-scale units, dates in days, booleans 0/1, categoricals as dictionary codes).
// federation/ builds a ScanSpec from a query; DatasetStore::Scan executes it. Values only;
// thread-safe to share.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/dates.h"

namespace verbind::storage {

// A filter in negation normal form: NOT has already been pushed down to the leaves, so a leaf
// comparison is simply false for a NULL value (SQL's WHERE semantics) and IS NULL / IS NOT NULL
// test nulls. kTrue matches every row.
struct Predicate {
  enum class Op {
    kTrue,
    kFalse,
    kAnd,
    kOr,
    kEq,
    kNe,
    kLt,
    kLe,
    kGt,
    kGe,
    kIn,          // value in `values`
    kNotIn,       // value not in `values` (and not NULL)
    kBetween,     // values[0] <= value <= values[1]
    kNotBetween,  // value < values[0] or value > values[1] (and not NULL)
    kIsNull,
    kIsNotNull,
  };
  Op op = Op::kTrue;
  int column = -1;              // leaves
  // Leaves on a date column: the comparison is of this part of the date (its values then in
  // the part's units: days of a period's first day, or the extracted number).
  common::DatePart part = common::DatePart::kNone;
  std::vector<int64_t> values;  // leaves: constants in storage units
  // kEq ... kGe only: a comparison of two columns instead of one with values[0], true for a
  // row when value(column) * multiplier op value(column2) * multiplier2 (computed exactly, in
  // 128 bits; the multipliers bring decimals of different scales to one unit) and false when
  // either value is NULL. `part` is kNone and `values` empty.
  int column2 = -1;
  int64_t multiplier = 1;
  int64_t multiplier2 = 1;
  std::vector<Predicate> children;  // kAnd / kOr

  static Predicate True() { return {}; }
};

// One aggregate over the rows of a cell.
struct AggregateSpec {
  enum class Kind {
    kCount,      // rows in the cell (count(*)); no column
    kNonNull,    // CountState: rows whose `columns[0]` is not NULL (count(field))
    kSum,        // SumState over `columns[0]`: count, exact sum, mean and M2 (avg, var, stddev)
    kMinMax,     // MinMaxState over `columns[0]`
    kHistogram,  // HistogramState over `columns[0]` with `lo`, `hi`, `bins`
    kQuantile,   // SketchState over `columns[0]`
    kCoMoments,  // CoMomentState over all `columns` (rows where every one is non-null)
  };
  Kind kind = Kind::kCount;
  std::vector<int> columns;
  // kHistogram: equal-width bins over [lo, hi) in storage units.
  int64_t lo = 0;
  int64_t hi = 0;
  int bins = 0;
  // kCoMoments: divisor per column to turn storage units into real units (10^scale for
  // decimals, 1 otherwise).
  std::vector<double> unit_divisors;
};

// CASE WHEN banding of a group-by column: a row's key is the key of the first band whose
// predicate (on that column only) holds for the row's value, else the ELSE key.
struct KeyBands {
  std::vector<Predicate> when;
  std::vector<int64_t> keys;  // one per band, then the ELSE key
  bool else_null = false;     // no ELSE: rows in no band have a NULL key
  bool empty() const { return when.empty(); }
};

struct ScanSpec {
  Predicate filter;
  std::vector<int> group_by;  // at most kMaxGroupBy columns: categorical, boolean or integer
  // For each group_by column (or empty: none): a part of a date column to group by instead of
  // its value (the cell key holds the part's value).
  std::vector<common::DatePart> group_parts;
  // For each group_by column (or empty: none): bands to group by instead of its value.
  std::vector<KeyBands> group_bands;
  std::vector<AggregateSpec> aggregates;
  // Bounds: exceeding one stops the scan with ResourceExhausted / DeadlineExceeded.
  int64_t max_rows_scanned = INT64_MAX;
  int max_groups = 10000;
  int timeout_ms = 10000;
};

constexpr int kMaxGroupBy = 4;

}  // namespace verbind::storage
