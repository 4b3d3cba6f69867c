#include "storage/aggregates.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace verbind::storage {
namespace {

SumState SumOf(const std::vector<int64_t>& xs) {
  SumState s;
  for (int64_t x : xs) {
    ++s.n;
    s.sum += x;
    double d = static_cast<double>(x) - s.mean;
    s.mean += d / static_cast<double>(s.n);
    s.m2 += d * (static_cast<double>(x) - s.mean);
  }
  return s;
}

TEST(Int128, TextRoundTrip) {
  Int128 big = static_cast<Int128>(INT64_MAX) * 1000 + 7;
  EXPECT_EQ(Int128ToString(big), "9223372036854775807007");
  Int128 back;
  ASSERT_TRUE(ParseInt128("-9223372036854775807007", &back));
  EXPECT_EQ(back, -big);
  Int128 min = static_cast<Int128>(static_cast<unsigned __int128>(1) << 127);
  ASSERT_TRUE(ParseInt128(Int128ToString(min), &back));
  EXPECT_EQ(back, min);
  EXPECT_FALSE(ParseInt128("170141183460469231731687303715884105728", &back));  // 2^127
  EXPECT_FALSE(ParseInt128("12a", &back));
  EXPECT_FALSE(ParseInt128("-", &back));
}

TEST(Aggregates, SumMergeEqualsWhole) {
  std::mt19937_64 rng(1);
  std::vector<int64_t> all, a, b;
  for (int i = 0; i < 1000; ++i) {
    int64_t x = static_cast<int64_t>(rng() % 2000000) - 1000000;
    all.push_back(x);
    (i % 3 ? a : b).push_back(x);
  }
  SumState merged = SumOf(a);
  MergeSum(merged, SumOf(b));
  SumState whole = SumOf(all);
  EXPECT_EQ(merged.n, whole.n);
  EXPECT_TRUE(merged.sum == whole.sum);
  EXPECT_NEAR(*Mean(merged), *Mean(whole), 1e-9);
  EXPECT_NEAR(*SampleVariance(merged) / *SampleVariance(whole), 1.0, 1e-12);
  EXPECT_FALSE(SampleVariance(SumOf({5})).has_value());
}

TEST(Aggregates, SumNeverOverflows) {
  SumState s = SumOf({INT64_MAX, INT64_MAX, INT64_MAX});
  EXPECT_EQ(Int128ToString(s.sum), "27670116110564327421");
}

TEST(Aggregates, SketchIsExactForSmallDomainsAndMergesLikeTheWhole) {
  SketchState a, b, whole;
  for (int64_t year = 1930; year < 2010; ++year) {
    for (int k = 0; k < (year % 7) + 1; ++k) {
      ((year + k) % 2 ? a : b).Add(year);
      whole.Add(year);
    }
  }
  AggregateState merged = a;
  ASSERT_TRUE(Merge(merged, AggregateState(b)).ok());
  const auto& m = std::get<SketchState>(merged);
  EXPECT_EQ(m.buckets, whole.buckets);
  EXPECT_EQ(m.shift, 0);
  auto median = m.Quantile(0.5);
  ASSERT_TRUE(median.has_value());
  EXPECT_EQ(median->lo, median->hi);  // exact
  EXPECT_EQ(median->lo, whole.Quantile(0.5)->lo);
}

TEST(Aggregates, SketchCoarsensWithABoundAndStillMergesExactly) {
  std::mt19937_64 rng(3);
  SketchState a, b, whole;
  std::vector<int64_t> values;
  for (int i = 0; i < 50000; ++i) {
    int64_t x = static_cast<int64_t>(rng() % 10'000'000) - 2'000'000;
    values.push_back(x);
    (i % 2 ? a : b).Add(x);
    whole.Add(x);
  }
  AggregateState merged = a;
  ASSERT_TRUE(Merge(merged, AggregateState(b)).ok());
  const auto& m = std::get<SketchState>(merged);
  EXPECT_LE(m.buckets.size(), kSketchMaxBuckets);
  EXPECT_EQ(m.shift, whole.shift);
  EXPECT_EQ(m.buckets, whole.buckets);
  std::sort(values.begin(), values.end());
  for (double q : {0.0, 0.1, 0.5, 0.9, 1.0}) {
    int64_t truth = values[static_cast<size_t>(std::floor(q * (values.size() - 1)))];
    auto br = m.Quantile(q);
    ASSERT_TRUE(br.has_value());
    EXPECT_LE(br->lo, truth);
    EXPECT_GE(br->hi, truth);
    EXPECT_EQ(br->hi - br->lo + 1, int64_t{1} << m.shift);
  }
}

TEST(Aggregates, CoMomentsGiveCorrelationAndRegression) {
  CoMomentState a, b;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0, 0.5);
  for (int i = 0; i < 2000; ++i) {
    double x1 = i % 50, x2 = (i * 7) % 31;
    double y = 3 + 2 * x1 - 0.5 * x2 + noise(rng);
    double row[3] = {x1, x2, y};
    (i % 2 ? a : b).Add(row, 3);
  }
  AggregateState merged = a;
  ASSERT_TRUE(Merge(merged, AggregateState(b)).ok());
  auto reg = LinearRegression(std::get<CoMomentState>(merged));
  ASSERT_TRUE(reg.has_value());
  EXPECT_NEAR(reg->intercept, 3, 0.1);
  EXPECT_NEAR(reg->coefficients[0], 2, 0.01);
  EXPECT_NEAR(reg->coefficients[1], -0.5, 0.01);
  EXPECT_GT(reg->r_squared, 0.99);
  auto r = Correlation(std::get<CoMomentState>(merged), 0, 2);
  ASSERT_TRUE(r.has_value());
  EXPECT_GT(*r, 0.9);
}

TEST(Aggregates, MismatchedStatesAreRefused) {
  AggregateState h1 = HistogramState{0, 10, std::vector<int64_t>(5), 0, 0, 0};
  AggregateState h2 = HistogramState{0, 20, std::vector<int64_t>(5), 0, 0, 0};
  EXPECT_FALSE(Merge(h1, h2).ok());
  AggregateState c = CountState{3};
  EXPECT_FALSE(Merge(c, h1).ok());
}

}  // namespace
}  // namespace verbind::storage
