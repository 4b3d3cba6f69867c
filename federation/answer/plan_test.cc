// AnswerPlan: what is decided before any record is read. Every refusal here is a function of
// the query, the schema, the protection and the policy: these tests never touch data.
#include "federation/answer/plan.h"

#include <gtest/gtest.h>

#include "federation/sql.h"

namespace verbind::federation {
namespace {

constexpr const char* kSchema = R"(
key = "id"
[[fields]]
name = "id"
type = "identifier"
[[fields]]
name = "birth_year"
type = "integer"
nullable = false
min = 1900
max = 2019
grid = 10
[[fields]]
name = "region"
type = "categorical"
categories = ["Utrecht", "Zeeland", "Drenthe"]
[[fields]]
name = "town"
type = "categorical"
[[fields]]
name = "amount"
type = "decimal"
scale = 2
min = "0"
max = "5000"
grid = "100"
[[fields]]
name = "children"
type = "integer"
[[fields]]
name = "wmo"
type = "boolean"
nullable = false
[[fields]]
name = "start_date"
type = "date"
nullable = false
min = 2023-02-15
max = 2024-12-31
[[fields]]
name = "end_date"
type = "date"
)";

class PlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = config::ParseSchemaToml(kSchema, "s.toml");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    schema_ = *s;
    policy_.id = "p";
    policy_.epsilon_per_query_micro = 100000;  // 0.1
    policy_.max_cells = 1000;
    policy_.min_cell_size = 10;
  }
  common::Result<AnswerPlan> Plan(const std::string& sql,
                                  Protection protection = Protection::kDifferentialPrivacy) {
    auto q = ParseSql(sql);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    if (!q.ok()) return q.status();
    PlanContext c;
    c.schema = &schema_;
    c.codes = [](size_t, std::string_view) { return std::optional<int64_t>(0); };
    c.protection = protection;
    c.policy = protection == Protection::kRaw ? nullptr : &policy_;
    c.max_groups = 10000;
    return PlanAnswer(*q, c);
  }
  std::string Refusal(const std::string& sql,
                      Protection protection = Protection::kDifferentialPrivacy) {
    auto p = Plan(sql, protection);
    EXPECT_FALSE(p.ok()) << sql;
    if (p.ok()) return "";
    EXPECT_EQ(p.status().code(), common::StatusCode::kPermissionDenied) << p.status().ToString();
    return p.status().message();
  }
  config::Schema schema_;
  config::Policy policy_;
};

TEST_F(PlanTest, EachStatisticHasItsSensitivityAndAShareOfEpsilon) {
  auto p = Plan(
      "SELECT count(*), count(amount), sum(amount), avg(amount), var(amount), "
      "histogram(birth_year, 1900, 2020, 4) AS h, median(amount) FROM t");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  std::map<std::string, std::string> sens;
  for (const auto& s : p->statistics) {
    sens[s.id] = storage::Int128ToString(static_cast<Int128>(s.sensitivity));
  }
  // rows; nonnull(amount) shared by count, avg and var; sum; the centred sums of avg and var
  // (centre 2500.00, half-width 2500.00); one histogram; the grid of amount.
  EXPECT_EQ(sens, (std::map<std::string, std::string>{{"rows", "1"},
                                                      {"nonnull(amount)", "1"},
                                                      {"sum(amount)", "500000"},
                                                      {"csum(amount)", "250000"},
                                                      {"csumsq(amount)", "62500000000"},
                                                      {"histogram(birth_year,1900,2020,4)", "1"},
                                                      {"grid(amount)", "1"}}));
  ASSERT_EQ(p->statistics.size(), 7u);
  EXPECT_EQ(p->epsilon_micro, 100000);
  for (const auto& s : p->statistics) {
    // scale = sensitivity * 7 / 0.1
    EXPECT_EQ(s.scale.t * 100000, s.sensitivity * 7 * 1000000 * s.scale.s) << s.id;
  }
  // The median is a histogram over the field's grid: 0.00 .. 5000.99 in 51 bins of 1.00.
  const ItemDescriptor& median = p->items.back();
  EXPECT_EQ(median.kind, kKindQuantile);
  EXPECT_EQ(median.lo, 0);
  EXPECT_EQ(median.bins, 51);
  EXPECT_EQ(median.hi, 510000);
  EXPECT_EQ(p->bound.scan.aggregates[p->bound.columns.back().aggregate].kind,
            storage::AggregateSpec::Kind::kHistogram);
  EXPECT_EQ(p->items[4].bounds, (std::pair<int64_t, int64_t>{0, 500000}));
  EXPECT_EQ(Center(p->items[4]), 250000);
}

TEST_F(PlanTest, GroupKeysAreTheDeclaredValuesWhateverTheData) {
  auto p = Plan("SELECT region, wmo, count(*) FROM t GROUP BY region, wmo");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->domains.size(), 2u);
  // Three categories and NULL (nullable), in key order; both booleans (not nullable).
  EXPECT_EQ(nlohmann::json(p->domains[0].values),
            nlohmann::json::parse(R"([null, "Drenthe", "Utrecht", "Zeeland"])"));
  EXPECT_EQ(nlohmann::json(p->domains[1].values), nlohmann::json::parse("[false, true]"));
  EXPECT_EQ(p->KeyCount(), 8);
  auto years = Plan("SELECT birth_year, count(*) FROM t GROUP BY birth_year");
  ASSERT_TRUE(years.ok());
  EXPECT_EQ(years->KeyCount(), 120);  // 1900 .. 2019
}

TEST_F(PlanTest, WhatTheProtectionCannotReleaseIsRefusedSayingWhy) {
  EXPECT_NE(Refusal("SELECT max(amount) FROM t").find("never released"), std::string::npos);
  EXPECT_NE(Refusal("SELECT min(amount) FROM t", Protection::kThreshold).find("never released"),
            std::string::npos);
  EXPECT_NE(Refusal("SELECT corr(amount, birth_year) FROM t").find("not available under "
                                                                   "differential privacy"),
            std::string::npos);
  EXPECT_NE(Refusal("SELECT town, count(*) FROM t GROUP BY town").find("public set of values"),
            std::string::npos);
  EXPECT_NE(Refusal("SELECT children, count(*) FROM t GROUP BY children")
                .find("public set of values"),
            std::string::npos);
  EXPECT_NE(Refusal("SELECT sum(children) FROM t").find("needs min and max"), std::string::npos);
  EXPECT_NE(Refusal("SELECT histogram(birth_year, 1905, 2015, 11) FROM t").find("grid"),
            std::string::npos);
  EXPECT_NE(Refusal("SELECT histogram(birth_year, 1900, 2020, 8) FROM t").find("grid"),
            std::string::npos);  // 15-year bins on a 10-year grid
  EXPECT_NE(Refusal("SELECT median(children) FROM t").find("has no grid"), std::string::npos);
  policy_.max_cells = 100;
  EXPECT_NE(Refusal("SELECT birth_year, count(*) FROM t GROUP BY birth_year").find("120 cells"),
            std::string::npos);
  // Unknown fields are the query's fault, not the protection's.
  auto unknown = Plan("SELECT sum(amuont) FROM t");
  EXPECT_EQ(unknown.status().code(), common::StatusCode::kInvalidArgument);
}

TEST_F(PlanTest, ThresholdsAndRawAnswersAllowMore) {
  EXPECT_TRUE(Plan("SELECT corr(amount, birth_year), sum(children) FROM t",
                   Protection::kThreshold).ok());
  auto t = Plan("SELECT avg(children) FROM t", Protection::kThreshold);
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->items[0].bounds.has_value());  // centre 0
  EXPECT_TRUE(t->statistics.empty());
  EXPECT_EQ(t->min_cell_size, 10);
  auto raw = Plan("SELECT town, min(amount), max(birth_year) FROM t GROUP BY town",
                  Protection::kRaw);
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  EXPECT_FALSE(raw->public_keys);  // an open set: the keys present
  auto declared = Plan("SELECT region, count(*) FROM t GROUP BY region", Protection::kRaw);
  ASSERT_TRUE(declared.ok());
  EXPECT_TRUE(declared->public_keys);
  EXPECT_EQ(declared->KeyCount(), 4);
}

TEST_F(PlanTest, NoiseParametersChangeWithEverythingThatShapesTheNoise) {
  std::string base = Plan("SELECT count(*), avg(amount) FROM t")->NoiseParameters();
  EXPECT_EQ(Plan("SELECT count(*), avg(amount) FROM t")->NoiseParameters(), base);
  EXPECT_NE(Plan("SELECT count(*) FROM t")->NoiseParameters(), base);  // another split
  policy_.epsilon_per_query_micro = 200000;
  EXPECT_NE(Plan("SELECT count(*), avg(amount) FROM t")->NoiseParameters(), base);
  policy_.epsilon_per_query_micro = 100000;
  schema_.fields[4].max = 600000;
  EXPECT_NE(Plan("SELECT count(*), avg(amount) FROM t")->NoiseParameters(), base);
}

TEST_F(PlanTest, PeriodsOfADateListEveryPeriodOfItsGridOrOfTheWhereBounds) {
  auto monthly = Plan("SELECT date_trunc('month', start_date), count(*) FROM t "
                      "GROUP BY date_trunc('month', start_date)");
  ASSERT_TRUE(monthly.ok()) << monthly.status().ToString();
  ASSERT_EQ(monthly->domains.size(), 1U);
  const auto& months = monthly->domains[0].values;
  ASSERT_EQ(months.size(), 23U);  // 2023-02 .. 2024-12
  EXPECT_EQ(months.front(), "2023-02-01");
  EXPECT_EQ(months.back(), "2024-12-01");
  EXPECT_EQ(monthly->items[0].name, "date_trunc('month', start_date)");
  EXPECT_EQ(monthly->items[0].fields[0].type, "date");
  EXPECT_EQ(monthly->items[0].fields[0].name, "start_date");

  // WHERE bounds on the field narrow the grid (the query's text, not the data).
  auto narrowed = Plan("SELECT date_trunc('quarter', start_date), count(*) FROM t WHERE "
                       "start_date >= DATE '2024-01-01' AND wmo = TRUE AND start_date < "
                       "DATE '2024-07-01' GROUP BY date_trunc('quarter', start_date)");
  ASSERT_TRUE(narrowed.ok()) << narrowed.status().ToString();
  EXPECT_EQ(narrowed->domains[0].values,
            (std::vector<nlohmann::json>{"2024-01-01", "2024-04-01"}));
  // An OR does not narrow: periods outside one branch may be counted by the other.
  auto either = Plan("SELECT extract(year from start_date), count(*) FROM t WHERE "
                     "start_date < DATE '2024-01-01' OR wmo = TRUE "
                     "GROUP BY extract(year from start_date)");
  ASSERT_TRUE(either.ok()) << either.status().ToString();
  EXPECT_EQ(either->domains[0].values, (std::vector<nlohmann::json>{2023, 2024}));

  // Cycles need no bounds; a nullable date adds NULL.
  auto weekdays = Plan("SELECT extract(isodow from end_date), count(*) FROM t "
                       "GROUP BY extract(isodow from end_date)");
  ASSERT_TRUE(weekdays.ok()) << weekdays.status().ToString();
  EXPECT_EQ(weekdays->domains[0].values.size(), 8U);
  EXPECT_TRUE(weekdays->domains[0].values.front().is_null());

  // Periods of an unbounded date are refused, whatever the data, with what to do.
  auto open = Plan("SELECT date_trunc('year', end_date), count(*) FROM t "
                   "GROUP BY date_trunc('year', end_date)");
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.status().code(), common::StatusCode::kPermissionDenied);
  EXPECT_NE(open.status().message().find("declare its min and max in the schema, or bound it "
                                         "in WHERE"), std::string::npos)
      << open.status().ToString();
  auto bounded = Plan("SELECT date_trunc('year', end_date), count(*) FROM t WHERE end_date "
                      "BETWEEN DATE '2001-06-01' AND DATE '2003-01-01' "
                      "GROUP BY date_trunc('year', end_date)");
  ASSERT_TRUE(bounded.ok()) << bounded.status().ToString();
  EXPECT_EQ(bounded->domains[0].values.size(), 4U);  // 2001, 2002, 2003 and NULL
  auto days = Plan("SELECT date_trunc('day', end_date), count(*) FROM t WHERE end_date "
                   "BETWEEN DATE '1900-01-01' AND DATE '2000-01-01' "
                   "GROUP BY date_trunc('day', end_date)");
  ASSERT_FALSE(days.ok());
  EXPECT_NE(days.status().message().find("group by a longer period"), std::string::npos);
}

TEST_F(PlanTest, EqualsAndInAtTheTopOfWhereNarrowTheDeclaredLabels) {
  auto two = Plan("SELECT region, count(*) FROM t WHERE region IN ('utrecht', 'Zeeland') AND "
                  "wmo = TRUE GROUP BY region");
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(two->domains[0].values, (std::vector<nlohmann::json>{"Utrecht", "Zeeland"}));
  auto both = Plan("SELECT region, count(*) FROM t WHERE region IN ('Utrecht', 'Zeeland') AND "
                   "region = 'Zeeland' GROUP BY region");
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ(both->domains[0].values, (std::vector<nlohmann::json>{"Zeeland"}));
  auto like = Plan("SELECT region, count(*) FROM t WHERE region ILIKE '%e%' AND region NOT "
                   "LIKE 'D%' GROUP BY region");
  ASSERT_TRUE(like.ok()) << like.status().ToString();
  EXPECT_EQ(like->domains[0].values, (std::vector<nlohmann::json>{"Utrecht", "Zeeland"}));
  auto all = Plan("SELECT region, count(*) FROM t WHERE region = 'Utrecht' OR wmo = TRUE "
                  "GROUP BY region");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->domains[0].values.size(), 4U);  // three labels and NULL
  auto but = Plan("SELECT region, count(*) FROM t WHERE region != 'zeeland' GROUP BY region");
  ASSERT_TRUE(but.ok()) << but.status().ToString();
  EXPECT_EQ(but->domains[0].values, (std::vector<nlohmann::json>{"Drenthe", "Utrecht"}));
}

TEST_F(PlanTest, CaseBandsListTheirLabelsAndNullWithoutElse) {
  auto bands = Plan("SELECT CASE WHEN amount < 100 THEN 'low' WHEN amount >= 1000 THEN 'high' "
                    "WHEN amount IS NULL THEN 'low' END, count(*) FROM t GROUP BY 1");
  ASSERT_TRUE(bands.ok()) << bands.status().ToString();
  EXPECT_EQ(bands->domains[0].values, (std::vector<nlohmann::json>{nullptr, "high", "low"}));
  EXPECT_EQ(bands->bound.group_by[0].band_labels, (std::vector<std::string>{"low", "high"}));
  ASSERT_EQ(bands->bound.scan.group_bands.size(), 1U);
  EXPECT_EQ(bands->bound.scan.group_bands[0].keys, (std::vector<int64_t>{0, 1, 0, 0}));
  EXPECT_TRUE(bands->bound.scan.group_bands[0].else_null);
  EXPECT_EQ(bands->items[0].fields[0].type, "categorical");
  auto with_else = Plan("SELECT CASE WHEN birth_year < 1960 THEN 'old' ELSE 'young' END, "
                        "count(*) FROM t GROUP BY 1");
  ASSERT_TRUE(with_else.ok()) << with_else.status().ToString();
  EXPECT_EQ(with_else->domains[0].values, (std::vector<nlohmann::json>{"old", "young"}));
  auto wrong = Plan("SELECT CASE WHEN region < 5 THEN 'x' END, count(*) FROM t GROUP BY 1");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("group_by[0].when[0]"), std::string::npos)
      << wrong.status().ToString();
}

}  // namespace
}  // namespace verbind::federation
