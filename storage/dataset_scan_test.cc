// Every aggregate and filter operator of DatasetStore::Scan against a straightforward
// reference computation over the same generated records, with NULLs, upserts, erasures,
// INT64 extremes, several chunks (one rewritten by a later batch), and after a reopen.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "common/dates.h"
#include "common/strings.h"
#include "testing/benefit_records.h"
#include "testing/dataset_fixture.h"
#include "testing/store_fixture.h"

namespace verbind::storage {
namespace {

using testing::TextRecord;
using Op = Predicate::Op;
using Kind = AggregateSpec::Kind;
using Row = std::vector<std::optional<int64_t>>;

enum Col { kId = 0, kYear, kRegion, kType, kAmount, kDate, kWmo, kExtreme };

Predicate Leaf(Op op, int col, std::vector<int64_t> values = {}) {
  Predicate p;
  p.op = op;
  p.column = col;
  p.values = std::move(values);
  return p;
}

Predicate Node(Op op, std::vector<Predicate> children) {
  Predicate p;
  p.op = op;
  p.children = std::move(children);
  return p;
}

bool Match(const Predicate& p, const Row& v) {
  switch (p.op) {
    case Op::kTrue: return true;
    case Op::kFalse: return false;
    case Op::kAnd:
      return std::all_of(p.children.begin(), p.children.end(), [&](auto& c) { return Match(c, v); });
    case Op::kOr:
      return std::any_of(p.children.begin(), p.children.end(), [&](auto& c) { return Match(c, v); });
    case Op::kIsNull: return !v[p.column];
    case Op::kIsNotNull: return v[p.column].has_value();
    default: break;
  }
  if (!v[p.column]) return false;
  if (p.column2 >= 0) {
    if (!v[p.column2]) return false;
    // Exact in 128 bits: value * multiplier of each side.
    __int128 a = static_cast<__int128>(*v[p.column]) * p.multiplier;
    __int128 b = static_cast<__int128>(*v[p.column2]) * p.multiplier2;
    switch (p.op) {
      case Op::kEq: return a == b;
      case Op::kNe: return a != b;
      case Op::kLt: return a < b;
      case Op::kLe: return a <= b;
      case Op::kGt: return a > b;
      default: return a >= b;
    }
  }
  int64_t x = common::ApplyDatePart(p.part, *v[p.column]);
  const auto& c = p.values;
  bool in = std::find(c.begin(), c.end(), x) != c.end();
  switch (p.op) {
    case Op::kEq: return x == c[0];
    case Op::kNe: return x != c[0];
    case Op::kLt: return x < c[0];
    case Op::kLe: return x <= c[0];
    case Op::kGt: return x > c[0];
    case Op::kGe: return x >= c[0];
    case Op::kIn: return in;
    case Op::kNotIn: return !in;
    case Op::kBetween: return c[0] <= x && x <= c[1];
    case Op::kNotBetween: return x < c[0] || x > c[1];
    default: return false;
  }
}

AggregateState Reference(const AggregateSpec& a, const std::vector<const Row*>& rows) {
  auto col = [&](const Row* r) { return (*r)[a.columns.empty() ? 0 : a.columns[0]]; };
  switch (a.kind) {
    case Kind::kCount: return CountState{static_cast<int64_t>(rows.size())};
    case Kind::kNonNull:
      return CountState{std::count_if(rows.begin(), rows.end(), [&](auto r) { return col(r).has_value(); })};
    case Kind::kSum: {
      SumState s;
      for (auto r : rows) {
        if (!col(r)) continue;
        ++s.n;
        s.sum += *col(r);
        Int128 x = *col(r);
        s.sumsq_exact = s.sumsq_exact && !__builtin_add_overflow(s.sumsq, x * x, &s.sumsq);
      }
      if (s.n) {
        // Deviations exactly: (n x - sum) / n, so extreme values lose no digits.
        long double m2 = 0;
        for (auto r : rows) {
          if (!col(r)) continue;
          long double dev = static_cast<long double>(static_cast<Int128>(*col(r)) * s.n - s.sum) / s.n;
          m2 += dev * dev;
        }
        s.mean = static_cast<double>(static_cast<long double>(s.sum) / s.n);
        s.m2 = static_cast<double>(m2);
      }
      return s;
    }
    case Kind::kMinMax: {
      MinMaxState m;
      for (auto r : rows) {
        if (!col(r)) continue;
        m.min = m.n ? std::min(m.min, *col(r)) : *col(r);
        m.max = m.n ? std::max(m.max, *col(r)) : *col(r);
        ++m.n;
      }
      return m;
    }
    case Kind::kHistogram: {
      HistogramState h{a.lo, a.hi, std::vector<int64_t>(static_cast<size_t>(a.bins)), 0, 0, 0};
      for (auto r : rows) {
        if (!col(r)) {
          ++h.nulls;
        } else if (*col(r) < a.lo) {
          ++h.below;
        } else if (*col(r) >= a.hi) {
          ++h.above;
        } else {
          // The bin whose lower edge lo + b (hi - lo) / bins is the last at or below x.
          int b = 0;
          while (b + 1 < a.bins && static_cast<Int128>(*col(r) - a.lo) * a.bins >=
                                       static_cast<Int128>(b + 1) * (a.hi - a.lo)) {
            ++b;
          }
          ++h.bins[static_cast<size_t>(b)];
        }
      }
      return h;
    }
    case Kind::kQuantile: {
      SketchState s;
      for (auto r : rows) {
        if (col(r)) s.Add(*col(r));
      }
      return s;
    }
    case Kind::kCoMoments: {
      CoMomentState s;
      std::vector<double> x(a.columns.size());
      for (auto r : rows) {
        bool all = true;
        for (size_t j = 0; j < a.columns.size(); ++j) {
          if (!(*r)[a.columns[j]]) all = false;
          else x[j] = static_cast<double>(*(*r)[a.columns[j]]) / a.unit_divisors[j];
        }
        if (all) s.Add(x.data(), x.size());
      }
      return s;
    }
  }
  return CountState{};
}

void ExpectNear(double got, double want, const std::string& what) {
  EXPECT_LE(std::fabs(got - want), 1e-9 * std::max(1.0, std::fabs(want))) << what;
}

void ExpectSame(const AggregateState& got, const AggregateState& want, const std::string& what) {
  ASSERT_EQ(got.index(), want.index()) << what;
  if (auto* c = std::get_if<CountState>(&want)) {
    EXPECT_EQ(std::get<CountState>(got).rows, c->rows) << what;
  } else if (auto* s = std::get_if<SumState>(&want)) {
    const auto& g = std::get<SumState>(got);
    EXPECT_EQ(g.n, s->n) << what;
    EXPECT_EQ(Int128ToString(g.sum), Int128ToString(s->sum)) << what;
    ExpectNear(g.mean, s->mean, what + " mean");
    EXPECT_LE(std::fabs(g.m2 - s->m2), 1e-7 * std::max(1.0, std::fabs(s->m2))) << what << " m2";
    // The kernel may give up on exactness earlier than the reference (an intermediate step of
    // n b^2 + 2 b s + q overflowing), never claim it wrongly.
    if (g.sumsq_exact) {
      EXPECT_TRUE(s->sumsq_exact) << what;
      EXPECT_EQ(Int128ToString(g.sumsq), Int128ToString(s->sumsq)) << what;
    }
  } else if (auto* m = std::get_if<MinMaxState>(&want)) {
    const auto& g = std::get<MinMaxState>(got);
    EXPECT_EQ(g.n, m->n) << what;
    if (m->n) {
      EXPECT_EQ(g.min, m->min) << what;
      EXPECT_EQ(g.max, m->max) << what;
    }
  } else if (auto* h = std::get_if<HistogramState>(&want)) {
    const auto& g = std::get<HistogramState>(got);
    EXPECT_EQ(g.bins, h->bins) << what;
    EXPECT_EQ(g.below, h->below) << what;
    EXPECT_EQ(g.above, h->above) << what;
    EXPECT_EQ(g.nulls, h->nulls) << what;
  } else if (auto* q = std::get_if<SketchState>(&want)) {
    const auto& g = std::get<SketchState>(got);
    EXPECT_EQ(g.n, q->n) << what;
    EXPECT_EQ(g.shift, q->shift) << what;
    EXPECT_TRUE(g.buckets == q->buckets) << what;
  } else if (auto* c = std::get_if<CoMomentState>(&want)) {
    const auto& g = std::get<CoMomentState>(got);
    ASSERT_EQ(g.n, c->n) << what;
    for (size_t i = 0; i < c->mean.size(); ++i) ExpectNear(g.mean[i], c->mean[i], what + " mean");
    for (size_t i = 0; i < c->c.size(); ++i) {
      EXPECT_LE(std::fabs(g.c[i] - c->c[i]), 1e-6 * std::max(1.0, std::fabs(c->c[i]))) << what;
    }
  }
}

std::vector<AggregateSpec> AllAggregates() {
  std::vector<AggregateSpec> out;
  auto add = [&](Kind k, std::vector<int> cols) {
    AggregateSpec a;
    a.kind = k;
    a.columns = std::move(cols);
    out.push_back(a);
    return &out.back();
  };
  add(Kind::kCount, {});
  add(Kind::kNonNull, {kRegion});
  add(Kind::kSum, {kAmount});
  add(Kind::kSum, {kYear});
  add(Kind::kSum, {kExtreme});
  add(Kind::kSum, {kDate});
  add(Kind::kSum, {kWmo});
  add(Kind::kMinMax, {kExtreme});
  add(Kind::kMinMax, {kAmount});
  auto* h = add(Kind::kHistogram, {kAmount});
  h->lo = -50000, h->hi = 550000, h->bins = 13;
  h = add(Kind::kHistogram, {kYear});
  h->lo = 1930, h->hi = 2000, h->bins = 7;
  add(Kind::kQuantile, {kAmount});
  add(Kind::kQuantile, {kYear});
  add(Kind::kQuantile, {kExtreme});
  add(Kind::kCoMoments, {kYear, kAmount, kWmo})->unit_divisors = {1, 100, 1};
  return out;
}

// Enough to tell whether a filter selected the right rows (cheap to check under sanitizers).
std::vector<AggregateSpec> LightAggregates() {
  std::vector<AggregateSpec> all = AllAggregates();
  return {all[0], all[1], all[2], all[7]};  // count, count(region), sum(amount), min/max(extreme)
}

class DatasetScanTest : public testing::StoreFixture {
 protected:
  // Loads the records: two batches (CSV, then JSON lines with upserts), then erasures.
  void Load(size_t n) {
    schema_ = testing::BenefitsSchema();
    ASSERT_TRUE(store_->Create("benefits", schema_).ok());
    std::mt19937_64 rng(42);
    std::vector<TextRecord> first, second;
    for (size_t i = 0; i < n; ++i) {
      (i < n / 2 ? first : second).push_back(testing::RandomRecord(rng, "P" + std::to_string(i)));
    }
    for (size_t i = 0; i < n / 50; ++i) {  // upserts of stored keys, some twice in the batch
      second.push_back(testing::RandomRecord(rng, "P" + std::to_string(rng() % (n / 2))));
    }
    auto r1 = testing::Ingest(*store_, "benefits", InputFormat::kCsv, testing::ToCsv(schema_, first));
    ASSERT_TRUE(r1.ok() && r1->committed) << r1.status().ToString();
    IngestOptions upsert;
    upsert.mode = IngestMode::kUpsert;
    auto r2 = testing::Ingest(*store_, "benefits", InputFormat::kJsonLines,
                              testing::ToJsonLines(schema_, second), upsert);
    ASSERT_TRUE(r2.ok() && r2->committed) << r2.status().ToString();
    for (auto* batch : {&first, &second}) {
      for (auto& r : *batch) truth_[r[0]] = r;
    }
    EXPECT_EQ(r2->rows_replaced + r2->rows_inserted, static_cast<int64_t>(second.size()));
    std::vector<std::string> erase;
    for (size_t i = 0; i < n / 100; ++i) erase.push_back("P" + std::to_string(rng() % n));
    erase.push_back("no-such-key");
    auto e = store_->Erase("benefits", erase);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    for (auto& k : erase) truth_.erase(k);
    EXPECT_EQ(e->not_found.back(), "no-such-key");
    BuildRows();
  }

  void BuildRows() {
    rows_.clear();
    for (const auto& [key, r] : truth_) {
      Row row(r.size());
      for (size_t i = 1; i < r.size(); ++i) {
        if (r[i].empty()) continue;
        const auto& f = schema_.fields[i];
        int64_t v = 0;
        if (f.type == config::FieldType::kCategorical) {
          auto code = store_->CategoryCode("benefits", i, r[i]);
          ASSERT_TRUE(code.has_value()) << r[i];
          v = *code;
        } else if (f.type == config::FieldType::kBoolean) {
          std::string l = common::ToLower(r[i]);
          v = (l == "true" || l == "1" || l == "yes") ? 1 : 0;
        } else if (f.type == config::FieldType::kDecimal) {
          ASSERT_TRUE(config::ParseDecimal(r[i], 2, &v));
        } else if (f.type == config::FieldType::kDate) {
          int32_t d;
          ASSERT_TRUE(common::ParseIsoDate(r[i], &d));
          v = d;
        } else {
          ASSERT_TRUE(common::ParseInt64(r[i], &v));
        }
        row[i] = v;
      }
      rows_.push_back(std::move(row));
    }
  }

  void Check(const ScanSpec& spec, const std::string& what) {
    auto got = store_->Scan("benefits", spec);
    ASSERT_TRUE(got.ok()) << what << ": " << got.status().ToString();
    std::map<GroupKey, std::vector<const Row*>> cells;
    if (spec.group_by.empty()) cells[GroupKey{}];
    for (const auto& r : rows_) {
      if (!Match(spec.filter, r)) continue;
      GroupKey k;
      for (size_t j = 0; j < spec.group_by.size(); ++j) {
        const auto& v = r[spec.group_by[j]];
        common::DatePart part =
            spec.group_parts.empty() ? common::DatePart::kNone : spec.group_parts[j];
        if (!spec.group_bands.empty() && !spec.group_bands[j].empty()) {
          const KeyBands& b = spec.group_bands[j];
          size_t band = 0;
          while (band < b.when.size() && !Match(b.when[band], r)) ++band;
          bool null = band == b.when.size() && b.else_null;
          k.values.push_back(null ? 0 : b.keys[band]);
          if (null) k.null_mask |= 1u << j;
          continue;
        }
        k.values.push_back(v ? common::ApplyDatePart(part, *v) : 0);
        if (!v) k.null_mask |= 1u << j;
      }
      cells[k].push_back(&r);
    }
    ASSERT_EQ(got->cells.size(), cells.size()) << what;
    EXPECT_EQ(got->rows_scanned, static_cast<int64_t>(rows_.size())) << what;
    size_t i = 0;
    for (const auto& [key, rows] : cells) {
      const CellResult& cell = got->cells[i++];
      ASSERT_TRUE(cell.key == key) << what;
      EXPECT_EQ(cell.rows, static_cast<int64_t>(rows.size())) << what;
      for (size_t a = 0; a < spec.aggregates.size(); ++a) {
        ExpectSame(cell.aggregates[a], Reference(spec.aggregates[a], rows),
                   what + " aggregate " + std::to_string(a));
      }
    }
  }

  int64_t Code(const std::string& label, size_t field) {
    return *store_->CategoryCode("benefits", field, label);
  }

  config::Schema schema_;
  std::map<std::string, TextRecord> truth_;
  std::vector<Row> rows_;
};

TEST_F(DatasetScanTest, EveryAggregateMatchesTheReferenceUnderEveryFilterOperator) {
  Load(80000);  // two chunks; the second batch rewrites the first chunk's tail
  std::vector<std::pair<std::string, Predicate>> filters = {
      {"true", Predicate::True()},
      {"false", Node(Op::kAnd, {Predicate::True(), Leaf(Op::kFalse, -1)})},
      {"year < 1960", Leaf(Op::kLt, kYear, {1960})},
      {"year <= 1960", Leaf(Op::kLe, kYear, {1960})},
      {"year > 1960", Leaf(Op::kGt, kYear, {1960})},
      {"year >= 1960", Leaf(Op::kGe, kYear, {1960})},
      {"year = 1950", Leaf(Op::kEq, kYear, {1950})},
      {"year != 1950", Leaf(Op::kNe, kYear, {1950})},
      {"amount between", Leaf(Op::kBetween, kAmount, {-1000, 250000})},
      {"amount not between", Leaf(Op::kNotBetween, kAmount, {-1000, 250000})},
      {"reversed between", Leaf(Op::kBetween, kAmount, {5, 4})},
      {"region in (2)", Leaf(Op::kIn, kRegion, {Code("utrecht", kRegion), Code("breda", kRegion)})},
      {"region in (7)", Leaf(Op::kIn, kRegion, {0, 1, 2, 3, 5, 8, 11, 99})},
      {"region not in", Leaf(Op::kNotIn, kRegion, {0, 1, 2, 3, 5, 8, 11})},
      {"amount in wide", Leaf(Op::kIn, kAmount, {0, 1, 5, 100, 250000, 12345, 99, 7, 1000})},
      {"extreme in", Leaf(Op::kIn, kExtreme, {INT64_MAX, INT64_MIN, 0})},
      {"extreme < min", Leaf(Op::kLt, kExtreme, {INT64_MIN})},
      {"extreme > max", Leaf(Op::kGt, kExtreme, {INT64_MAX})},
      {"extreme >= max-1", Leaf(Op::kGe, kExtreme, {INT64_MAX - 1})},
      {"extreme <= min+1", Leaf(Op::kLe, kExtreme, {INT64_MIN + 1})},
      {"wmo is null", Leaf(Op::kIsNull, kWmo)},
      {"region is not null", Leaf(Op::kIsNotNull, kRegion)},
      {"or with nulls", Node(Op::kOr, {Leaf(Op::kEq, kWmo, {1}), Leaf(Op::kIsNull, kType)})},
      {"and/or nest",
       Node(Op::kAnd, {Leaf(Op::kGe, kDate, {10000}),
                       Node(Op::kOr, {Leaf(Op::kNe, kType, {Code("aow", kType)}),
                                      Node(Op::kAnd, {Leaf(Op::kLt, kYear, {1940}),
                                                      Leaf(Op::kIsNotNull, kAmount)})})})},
  };
  const std::set<std::string> everything = {"true", "year < 1960", "or with nulls", "and/or nest",
                                              "extreme >= max-1"};
  for (const auto& [name, filter] : filters) {
    ScanSpec spec;
    spec.filter = filter;
    spec.aggregates = everything.count(name) ? AllAggregates() : LightAggregates();
    Check(spec, name);
  }
}

TEST_F(DatasetScanTest, GroupedAggregatesMatchTheReferenceIncludingNullGroups) {
  Load(80000);
  const std::vector<std::vector<int>> groupings = {
      {kType}, {kRegion}, {kType, kWmo}, {kYear}, {kRegion, kType, kWmo}};
  for (const auto& g : groupings) {
    ScanSpec spec;
    spec.filter = Leaf(Op::kLt, kYear, {1980});
    spec.group_by = g;
    spec.aggregates = g.size() == 2 || g[0] == kYear ? AllAggregates() : LightAggregates();
    Check(spec, "group by " + std::to_string(g.size()) + " starting " + std::to_string(g[0]));
  }
  ScanSpec wide;  // an integer with a wide range: the hash-map path
  wide.filter = Leaf(Op::kBetween, kExtreme, {-2000, 2000});
  wide.group_by = {kExtreme};
  wide.aggregates = {AggregateSpec{}};
  Check(wide, "group by a wide integer");
}

TEST_F(DatasetScanTest, PartsOfDatesGroupAndFilterLikeTheReference) {
  Load(80000);
  using common::DatePart;
  auto part_leaf = [](Op op, DatePart part, std::vector<int64_t> values) {
    Predicate p = Leaf(op, kDate, std::move(values));
    p.part = part;
    return p;
  };
  const std::vector<std::pair<std::string, Predicate>> filters = {
      {"month in (1, 7)", part_leaf(Op::kIn, DatePart::kMonth, {1, 7})},
      {"quarter != 2", part_leaf(Op::kNe, DatePart::kQuarter, {2})},
      {"dow between 1 and 5", part_leaf(Op::kBetween, DatePart::kDow, {1, 5})},
      {"year not in", part_leaf(Op::kNotIn, DatePart::kYear, {1990, 2000})},
      {"since a month", part_leaf(Op::kGe, DatePart::kTruncMonth, {10000})},
  };
  for (const auto& [name, filter] : filters) {
    ScanSpec spec;
    spec.filter = filter;
    spec.aggregates = LightAggregates();
    Check(spec, name);
  }
  const std::vector<std::pair<std::vector<int>, std::vector<DatePart>>> groupings = {
      {{kDate}, {DatePart::kTruncMonth}},
      {{kType, kDate}, {DatePart::kNone, DatePart::kYear}},
      {{kDate, kWmo}, {DatePart::kIsodow, DatePart::kNone}},
      {{kDate}, {DatePart::kTruncWeek}},  // many keys: past the dense path
  };
  for (const auto& [columns, parts] : groupings) {
    ScanSpec spec;
    spec.filter = Leaf(Op::kLt, kYear, {1980});
    spec.group_by = columns;
    spec.group_parts = parts;
    spec.aggregates = LightAggregates();
    spec.max_groups = 100000;
    Check(spec, "group by part " + std::to_string(static_cast<int>(parts[0])));
  }
  // CASE bands: of an integer with NULLs (no ELSE: NULL and unbanded rows have a NULL key),
  // and of a part of a date with an ELSE; two bands may share a key.
  KeyBands ages;
  ages.when = {Leaf(Op::kLt, kYear, {1950}),
               Node(Op::kAnd, {Leaf(Op::kGe, kYear, {1950}), Leaf(Op::kLt, kYear, {1960})}),
               Leaf(Op::kIn, kYear, {1961, 1963, 1965})};
  ages.keys = {0, 1, 0, -1};
  ages.else_null = true;
  KeyBands seasons;
  Predicate summer = Leaf(Op::kBetween, kDate, {6, 8});
  summer.part = DatePart::kMonth;
  seasons.when = {summer, Leaf(Op::kIsNull, kDate)};
  seasons.keys = {1, 2, 0};
  ScanSpec banded;
  banded.group_by = {kYear, kType, kDate};
  banded.group_bands = {ages, KeyBands{}, seasons};
  banded.aggregates = LightAggregates();
  Check(banded, "group by bands");
  ScanSpec wrong;
  wrong.group_by = {kYear};
  wrong.group_parts = {DatePart::kMonth};
  wrong.aggregates = {AggregateSpec{}};
  EXPECT_FALSE(store_->Scan("benefits", wrong).ok());
}

TEST_F(DatasetScanTest, ComparisonsOfTwoColumnsMatchTheReferenceExactly) {
  Load(80000);
  auto columns = [](Op op, int a, int b, int64_t ma = 1, int64_t mb = 1) {
    Predicate p = Leaf(op, a);
    p.column2 = b;
    p.multiplier = ma;
    p.multiplier2 = mb;
    return p;
  };
  const std::vector<std::pair<std::string, Predicate>> filters = {
      {"year * 100 < amount", columns(Op::kLt, kYear, kAmount, 100)},
      {"year * 100 <= amount", columns(Op::kLe, kYear, kAmount, 100)},
      {"amount > year * 100", columns(Op::kGt, kAmount, kYear, 1, 100)},
      {"amount >= year * 100", columns(Op::kGe, kAmount, kYear, 1, 100)},
      {"year = year", columns(Op::kEq, kYear, kYear)},
      {"year != year", columns(Op::kNe, kYear, kYear)},
      {"region = type (codes)", columns(Op::kEq, kRegion, kType)},
      {"date > date", columns(Op::kGt, kDate, kDate)},
      {"wmo != wmo", columns(Op::kNe, kWmo, kWmo)},
      // Products past 64 bits, nulls on both sides.
      {"extreme * 10^9 < amount", columns(Op::kLt, kExtreme, kAmount, 1000000000)},
      {"extreme >= amount * 10^9", columns(Op::kGe, kExtreme, kAmount, 1, 1000000000)},
      {"extreme * 100 = extreme * 100", columns(Op::kEq, kExtreme, kExtreme, 100, 100)},
      {"extreme < year", columns(Op::kLt, kExtreme, kYear)},
      {"in and/or",
       Node(Op::kOr, {Node(Op::kAnd, {columns(Op::kGe, kYear, kExtreme), Leaf(Op::kIsNull, kWmo)}),
                      columns(Op::kLt, kDate, kYear)})},
  };
  for (const auto& [name, filter] : filters) {
    ScanSpec spec;
    spec.filter = filter;
    spec.aggregates = LightAggregates();
    Check(spec, name);
  }
  ScanSpec grouped;
  grouped.filter = columns(Op::kLt, kYear, kAmount, 100);
  grouped.group_by = {kType};
  grouped.aggregates = LightAggregates();
  Check(grouped, "grouped, the second column read only by the filter");
  for (Predicate bad : {columns(Op::kLt, kYear, kId), columns(Op::kLt, kYear, 99),
                        columns(Op::kIn, kYear, kAmount), columns(Op::kLt, kYear, kAmount, 0)}) {
    ScanSpec spec;
    spec.filter = bad;
    spec.aggregates = {AggregateSpec{}};
    EXPECT_FALSE(store_->Scan("benefits", spec).ok());
  }
}

// A clock whose monotonic time jumps a second at every reading.
class JumpingClock final : public common::Clock {
 public:
  int64_t NowMillis() const override { return 0; }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::time_point(std::chrono::seconds(++ticks_));
  }

 private:
  mutable std::atomic<int64_t> ticks_{0};
};

TEST_F(DatasetScanTest, ResultsSurviveReopenAndLimitsStopScans) {
  Load(70000);  // two chunks
  ScanSpec spec;
  spec.filter = Leaf(Op::kLt, kYear, {1960});
  spec.group_by = {kType};
  spec.aggregates = AllAggregates();
  Check(spec, "before reopen");
  Reopen();
  Check(spec, "after reopen");

  ScanSpec groups;
  groups.group_by = {kAmount};
  groups.max_groups = 100;
  auto r = store_->Scan("benefits", groups);
  EXPECT_EQ(r.status().code(), common::StatusCode::kResourceExhausted);
  ScanSpec rows;
  rows.max_rows_scanned = 1000;
  EXPECT_EQ(store_->Scan("benefits", rows).status().code(),
            common::StatusCode::kResourceExhausted);
  ScanSpec bad;
  bad.aggregates = {AggregateSpec{Kind::kSum, {kId}}};
  EXPECT_EQ(store_->Scan("benefits", bad).status().code(), common::StatusCode::kInvalidArgument);
  bad.aggregates.clear();
  bad.filter = Leaf(Op::kEq, kId, {1});
  EXPECT_EQ(store_->Scan("benefits", bad).status().code(), common::StatusCode::kInvalidArgument);
  bad.filter = Predicate::True();
  bad.group_by = {kId};
  EXPECT_EQ(store_->Scan("benefits", bad).status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Scan("nope", ScanSpec{}).status().code(), common::StatusCode::kNotFound);
  // A timeout: the clock passes the deadline before the second chunk.
  JumpingClock clock;
  store_.reset();
  auto timed = DatasetStore::Open(db_.get(), DatasetStoreOptions{}, &clock);
  ASSERT_TRUE(timed.ok());
  ScanSpec slow;
  slow.timeout_ms = 1500;
  EXPECT_EQ((*timed)->Scan("benefits", slow).status().code(),
            common::StatusCode::kDeadlineExceeded);
}

TEST_F(DatasetScanTest, EmptyAndOneRowDatasets) {
  schema_ = testing::BenefitsSchema();
  ASSERT_TRUE(store_->Create("benefits", schema_).ok());
  ScanSpec spec;
  spec.aggregates = AllAggregates();
  Check(spec, "empty");
  spec.group_by = {kType};
  Check(spec, "empty grouped");
  std::mt19937_64 rng(7);
  truth_["only"] = testing::RandomRecord(rng, "only");
  truth_["only"][kExtreme] = std::to_string(INT64_MIN);
  auto r = testing::Ingest(*store_, "benefits", InputFormat::kCsv,
                           testing::ToCsv(schema_, {truth_["only"]}));
  ASSERT_TRUE(r.ok() && r->committed);
  BuildRows();
  spec.group_by.clear();
  Check(spec, "one row");
  spec.group_by = {kType, kRegion};
  Check(spec, "one row grouped");
  // Erase the only record: it drops out of every aggregate.
  ASSERT_EQ(store_->Erase("benefits", {"only"})->erased, 1);
  truth_.clear();
  BuildRows();
  spec.group_by.clear();
  Check(spec, "all erased");
}

}  // namespace
}  // namespace verbind::storage
