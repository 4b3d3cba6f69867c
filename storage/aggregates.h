// Partial aggregate states: what one node computes over its records for one cell, chosen so
// that states from many nodes merge into exactly the state one database holding every record
// would compute (counts and integer sums exactly; moments with Chan et al.'s pairwise formula;
// quantile sketches bucket by bucket). Merge is associative and commutative. Values;
// thread-safe to share.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/status.h"

namespace verbind::storage {

using Int128 = __int128;

// Decimal text of a signed 128-bit integer, and back (refusing overflow and junk).
std::string Int128ToString(Int128 v);
bool ParseInt128(std::string_view text, Int128* out);

// count(*) of a cell.
struct CountState {
  int64_t rows = 0;
};

// Sum and moments of one field over its non-null values, in storage units. `sum` is exact.
// `mean` and `m2` (sum of squared deviations from the mean) give the variance. `sumsq` is the
// exact sum of squares when `sumsq_exact` (it is not when it would pass 127 bits, which values
// within +-2^43 over fewer than 2^40 rows never do); differential privacy needs it exact.
struct SumState {
  int64_t n = 0;
  Int128 sum = 0;
  double mean = 0;
  double m2 = 0;
  Int128 sumsq = 0;
  bool sumsq_exact = true;
};

struct MinMaxState {
  int64_t n = 0;
  int64_t min = 0;  // valid when n > 0
  int64_t max = 0;
};

// Equal-width bins over [lo, hi) in storage units, with counts below lo and at or above hi.
struct HistogramState {
  int64_t lo = 0;
  int64_t hi = 0;
  std::vector<int64_t> bins;
  int64_t below = 0;
  int64_t above = 0;
  int64_t nulls = 0;
};

// A mergeable quantile sketch over integer storage units: counts per bucket of width 2^shift
// (bucket b holds [b * 2^shift, (b + 1) * 2^shift)). It starts exact (shift 0) and doubles the
// width whenever it holds more than kSketchMaxBuckets buckets. Merging aligns both to the larger
// shift, adds counts and coarsens again, so the merged sketch is exactly the sketch a single
// database with every value would build. Error bound: a quantile lies in the reported bucket,
// i.e. within 2^shift - 1 units of a value of the true rank (exact while shift is 0).
constexpr size_t kSketchMaxBuckets = 4096;
struct SketchState {
  int shift = 0;
  int64_t n = 0;
  std::map<int64_t, int64_t> buckets;

  void Add(int64_t x);
  // Adds `count` values in bucket `index` (at this sketch's shift).
  void AddBucket(int64_t index, int64_t count);
  // Doubles the bucket width until at most `max_buckets` remain.
  void Coarsen(size_t max_buckets = kSketchMaxBuckets);
  void AlignTo(int shift);

  // The bucket [lo, hi] (inclusive, storage units) holding the value of rank
  // floor(q * (n - 1)) (the lower quantile), or nullopt when empty or q is outside [0, 1].
  struct Bracket {
    int64_t lo;
    int64_t hi;
  };
  std::optional<Bracket> Quantile(double q) const;
};

// Means and co-moments of k fields over rows where all are non-null, in real units:
// c[i * k + j] = sum over rows of (x_i - mean_i)(x_j - mean_j). Gives correlation and OLS.
struct CoMomentState {
  int64_t n = 0;
  std::vector<double> mean;  // k
  std::vector<double> c;     // k * k, symmetric

  void Add(const double* x, size_t k);
};

using AggregateState =
    std::variant<CountState, SumState, MinMaxState, HistogramState, SketchState, CoMomentState>;

// Merges `other` into `into`; InvalidArgument when the states are of different kinds or shapes
// (histogram bounds, co-moment dimension).
common::Status Merge(AggregateState& into, const AggregateState& other);
void MergeSum(SumState& into, const SumState& other);
void MergeCoMoments(CoMomentState& into, const CoMomentState& other);

// Finishing: plain values from states. Sample variance uses n - 1 (as SQL's var_samp);
// nullopt when undefined (too few values).
std::optional<double> Mean(const SumState& s);
std::optional<double> SampleVariance(const SumState& s);
// Pearson correlation of fields i and j.
std::optional<double> Correlation(const CoMomentState& s, size_t i, size_t j);

// Ordinary least squares of the last field on the others (with an intercept), from co-moments.
struct Regression {
  double intercept = 0;
  std::vector<double> coefficients;  // one per predictor
  double r_squared = 0;
  int64_t n = 0;
};
std::optional<Regression> LinearRegression(const CoMomentState& s);

}  // namespace verbind::storage
