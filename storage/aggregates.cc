#include "storage/aggregates.h"

#include <algorithm>
#include <cmath>

namespace verbind::storage {

using common::Status;

std::string Int128ToString(Int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  // Work with the magnitude as unsigned to handle the minimum value.
  unsigned __int128 u = neg ? static_cast<unsigned __int128>(-(v + 1)) + 1
                            : static_cast<unsigned __int128>(v);
  std::string out;
  while (u > 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (neg) out.push_back('-');
  std::reverse(out.begin(), out.end());
  return out;
}

bool ParseInt128(std::string_view text, Int128* out) {
  if (text.empty() || text.size() > 41) return false;
  bool neg = text[0] == '-';
  size_t i = neg ? 1 : 0;
  if (i == text.size()) return false;
  unsigned __int128 u = 0;
  const unsigned __int128 limit = neg ? (static_cast<unsigned __int128>(1) << 127)
                                      : (static_cast<unsigned __int128>(1) << 127) - 1;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return false;
    unsigned d = static_cast<unsigned>(c - '0');
    if (u > (limit - d) / 10) return false;
    u = u * 10 + d;
  }
  *out = neg ? static_cast<Int128>(~u + 1) : static_cast<Int128>(u);
  return true;
}

void SketchState::AddBucket(int64_t index, int64_t count) {
  buckets[index] += count;
  n += count;
  if (buckets.size() > kSketchMaxBuckets) Coarsen();
}

void SketchState::Add(int64_t x) { AddBucket(x >> shift, 1); }

void SketchState::AlignTo(int target) {
  if (target <= shift) return;
  std::map<int64_t, int64_t> wider;
  int by = target - shift;
  for (const auto& [index, count] : buckets) wider[index >> by] += count;  // floor division
  buckets = std::move(wider);
  shift = target;
}

void SketchState::Coarsen(size_t max_buckets) {
  while (buckets.size() > max_buckets && shift < 63) AlignTo(shift + 1);
}

std::optional<SketchState::Bracket> SketchState::Quantile(double q) const {
  if (n == 0 || !(q >= 0 && q <= 1)) return std::nullopt;
  int64_t rank = static_cast<int64_t>(std::floor(q * static_cast<double>(n - 1)));
  int64_t seen = 0;
  for (const auto& [index, count] : buckets) {
    seen += count;
    if (seen > rank) {
      Int128 lo = static_cast<Int128>(index) << shift;
      Int128 hi = lo + (static_cast<Int128>(1) << shift) - 1;
      auto clamp = [](Int128 v) {
        return static_cast<int64_t>(std::clamp<Int128>(v, INT64_MIN, INT64_MAX));
      };
      return Bracket{clamp(lo), clamp(hi)};
    }
  }
  return std::nullopt;
}

void CoMomentState::Add(const double* x, size_t k) {
  if (mean.empty()) {
    mean.assign(k, 0);
    c.assign(k * k, 0);
  }
  ++n;
  double inv = 1.0 / static_cast<double>(n);
  std::vector<double> d(k);
  for (size_t i = 0; i < k; ++i) d[i] = x[i] - mean[i];
  for (size_t i = 0; i < k; ++i) mean[i] += d[i] * inv;
  // Welford's update for co-moments: C += (x - mean_old)(x - mean_new)^T.
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j < k; ++j) c[i * k + j] += d[i] * (x[j] - mean[j]);
  }
}

void MergeSum(SumState& a, const SumState& b) {
  if (b.n == 0) return;
  if (a.n == 0) {
    a = b;
    return;
  }
  double n = static_cast<double>(a.n + b.n);
  double delta = b.mean - a.mean;
  a.mean += delta * static_cast<double>(b.n) / n;
  a.m2 += b.m2 + delta * delta * static_cast<double>(a.n) * static_cast<double>(b.n) / n;
  a.n += b.n;
  a.sum += b.sum;
  a.sumsq_exact = a.sumsq_exact && b.sumsq_exact &&
                  !__builtin_add_overflow(a.sumsq, b.sumsq, &a.sumsq);
}

void MergeCoMoments(CoMomentState& a, const CoMomentState& b) {
  if (b.n == 0) return;
  if (a.n == 0) {
    a = b;
    return;
  }
  size_t k = a.mean.size();
  double na = static_cast<double>(a.n), nb = static_cast<double>(b.n), n = na + nb;
  std::vector<double> delta(k);
  for (size_t i = 0; i < k; ++i) delta[i] = b.mean[i] - a.mean[i];
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j < k; ++j) {
      a.c[i * k + j] += b.c[i * k + j] + delta[i] * delta[j] * na * nb / n;
    }
  }
  for (size_t i = 0; i < k; ++i) a.mean[i] += delta[i] * nb / n;
  a.n += b.n;
}

namespace {

Status MergeHistogram(HistogramState& a, const HistogramState& b) {
  if (a.lo != b.lo || a.hi != b.hi || a.bins.size() != b.bins.size()) {
    return common::InvalidArgument("histograms with different bins cannot be merged");
  }
  for (size_t i = 0; i < a.bins.size(); ++i) a.bins[i] += b.bins[i];
  a.below += b.below;
  a.above += b.above;
  a.nulls += b.nulls;
  return Status::Ok();
}

void MergeSketch(SketchState& a, const SketchState& b) {
  SketchState other = b;
  int shift = std::max(a.shift, b.shift);
  a.AlignTo(shift);
  other.AlignTo(shift);
  for (const auto& [i, c] : other.buckets) a.buckets[i] += c;
  a.n += other.n;
  a.Coarsen();
}

void MergeMinMax(MinMaxState& a, const MinMaxState& b) {
  if (b.n == 0) return;
  if (a.n == 0) {
    a = b;
    return;
  }
  a.min = std::min(a.min, b.min);
  a.max = std::max(a.max, b.max);
  a.n += b.n;
}

}  // namespace

Status Merge(AggregateState& into, const AggregateState& other) {
  if (into.index() != other.index()) {
    return common::InvalidArgument("aggregate states of different kinds cannot be merged");
  }
  if (auto* a = std::get_if<CountState>(&into)) {
    a->rows += std::get<CountState>(other).rows;
  } else if (auto* s = std::get_if<SumState>(&into)) {
    MergeSum(*s, std::get<SumState>(other));
  } else if (auto* m = std::get_if<MinMaxState>(&into)) {
    MergeMinMax(*m, std::get<MinMaxState>(other));
  } else if (auto* h = std::get_if<HistogramState>(&into)) {
    return MergeHistogram(*h, std::get<HistogramState>(other));
  } else if (auto* q = std::get_if<SketchState>(&into)) {
    MergeSketch(*q, std::get<SketchState>(other));
  } else if (auto* c = std::get_if<CoMomentState>(&into)) {
    const auto& o = std::get<CoMomentState>(other);
    if (c->n > 0 && o.n > 0 && c->mean.size() != o.mean.size()) {
      return common::InvalidArgument("co-moments of different dimensions cannot be merged");
    }
    MergeCoMoments(*c, o);
  }
  return Status::Ok();
}

std::optional<double> Mean(const SumState& s) {
  if (s.n == 0) return std::nullopt;
  return static_cast<double>(s.sum) / static_cast<double>(s.n);
}

std::optional<double> SampleVariance(const SumState& s) {
  if (s.n < 2) return std::nullopt;
  return std::max(0.0, s.m2) / static_cast<double>(s.n - 1);
}

std::optional<double> Correlation(const CoMomentState& s, size_t i, size_t j) {
  size_t k = s.mean.size();
  if (s.n < 2 || i >= k || j >= k) return std::nullopt;
  double den = std::sqrt(s.c[i * k + i] * s.c[j * k + j]);
  if (!(den > 0)) return std::nullopt;
  return s.c[i * k + j] / den;
}

std::optional<Regression> LinearRegression(const CoMomentState& s) {
  size_t k = s.mean.size();
  if (k < 2 || s.n <= static_cast<int64_t>(k)) return std::nullopt;
  size_t p = k - 1;  // predictors; the last field is y
  // Solve Sxx * beta = Sxy by Gaussian elimination with partial pivoting (p is small).
  std::vector<double> a(p * (p + 1));
  for (size_t i = 0; i < p; ++i) {
    for (size_t j = 0; j < p; ++j) a[i * (p + 1) + j] = s.c[i * k + j];
    a[i * (p + 1) + p] = s.c[i * k + p];
  }
  for (size_t col = 0; col < p; ++col) {
    size_t pivot = col;
    for (size_t r = col + 1; r < p; ++r) {
      if (std::fabs(a[r * (p + 1) + col]) > std::fabs(a[pivot * (p + 1) + col])) pivot = r;
    }
    if (std::fabs(a[pivot * (p + 1) + col]) < 1e-12 * (1 + std::fabs(s.c[col * k + col]))) {
      return std::nullopt;  // collinear or constant predictors
    }
    for (size_t j = 0; j <= p; ++j) std::swap(a[col * (p + 1) + j], a[pivot * (p + 1) + j]);
    for (size_t r = 0; r < p; ++r) {
      if (r == col) continue;
      double f = a[r * (p + 1) + col] / a[col * (p + 1) + col];
      for (size_t j = col; j <= p; ++j) a[r * (p + 1) + j] -= f * a[col * (p + 1) + j];
    }
  }
  Regression out;
  out.n = s.n;
  out.coefficients.resize(p);
  double explained = 0;
  out.intercept = s.mean[p];
  for (size_t i = 0; i < p; ++i) {
    out.coefficients[i] = a[i * (p + 1) + p] / a[i * (p + 1) + i];
    out.intercept -= out.coefficients[i] * s.mean[i];
    explained += out.coefficients[i] * s.c[i * k + p];
  }
  double syy = s.c[p * k + p];
  out.r_squared = syy > 0 ? explained / syy : 0;
  return out;
}

}  // namespace verbind::storage
