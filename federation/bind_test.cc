#include "federation/bind.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "common/dates.h"
#include "federation/like_pattern.h"
#include "federation/bind_test_fixture.h"
#include "federation/sql.h"

namespace verbind::federation {
namespace {

using config::FieldType;
using storage::AggregateSpec;
using storage::Predicate;
using namespace bind_testing;  // NOLINT(google-build-using-namespace)

TEST(Bind, DocumentedExample) {
  auto b = BindSql(
      "SELECT benefit_type, count(*), avg(monthly_amount) FROM benefits WHERE birth_year < 1960 "
      "GROUP BY benefit_type");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->dataset, "benefits");
  EXPECT_EQ(b->scan.group_by, std::vector<int>{1});
  ASSERT_EQ(b->group_by.size(), 1u);
  EXPECT_EQ(b->group_by[0].name, "benefit_type");
  ASSERT_EQ(b->scan.aggregates.size(), 2u);
  EXPECT_EQ(b->scan.aggregates[0].kind, AggregateSpec::Kind::kCount);
  EXPECT_EQ(b->scan.aggregates[1].kind, AggregateSpec::Kind::kSum);
  EXPECT_EQ(b->scan.aggregates[1].columns, std::vector<int>{2});
  ASSERT_EQ(b->columns.size(), 2u);
  EXPECT_EQ(b->columns[0].name, "count(*)");
  EXPECT_EQ(b->columns[0].select_index, 1u);
  EXPECT_EQ(b->columns[1].name, "avg(monthly_amount)");
  EXPECT_EQ(b->columns[1].aggregate, 1u);
  EXPECT_EQ(b->columns[1].fields[0].scale, 2);
  EXPECT_TRUE(Same(b->scan.filter, Leaf(Predicate::Op::kLt, 3, {1960})));
}

TEST(Bind, SharesAggregateStates) {
  auto b = BindSql(
      "SELECT sum(monthly_amount), avg(monthly_amount), var(monthly_amount), "
      "stddev(monthly_amount), count(*), count(*) AS n, count(monthly_amount), "
      "min(birth_date), max(birth_date), median(birth_year), quantile(birth_year, 0.9), "
      "avg(active) FROM benefits");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  const auto& specs = b->scan.aggregates;
  ASSERT_EQ(specs.size(), 6u);
  EXPECT_EQ(specs[0].kind, AggregateSpec::Kind::kSum);
  EXPECT_EQ(specs[1].kind, AggregateSpec::Kind::kCount);
  EXPECT_TRUE(specs[1].columns.empty());
  EXPECT_EQ(specs[2].kind, AggregateSpec::Kind::kNonNull);
  EXPECT_EQ(specs[3].kind, AggregateSpec::Kind::kMinMax);
  EXPECT_EQ(specs[4].kind, AggregateSpec::Kind::kQuantile);
  EXPECT_EQ(specs[5].kind, AggregateSpec::Kind::kSum);
  EXPECT_EQ(specs[5].columns, std::vector<int>{5});
  std::vector<size_t> refs;
  for (const BoundColumn& c : b->columns) {
    refs.push_back(c.aggregate);
  }
  EXPECT_EQ(refs, (std::vector<size_t>{0, 0, 0, 0, 1, 1, 2, 3, 3, 4, 4, 5}));
  EXPECT_EQ(b->columns[9].q, 0.5);
  EXPECT_EQ(b->columns[10].q, 0.9);
  EXPECT_EQ(b->columns[5].name, "n");
}

TEST(Bind, CoMomentsPutTheResponseLastWithUnitDivisors) {
  auto b = BindSql(
      "SELECT corr(birth_year, monthly_amount), regression(monthly_amount, birth_year, "
      "household_size), regression(birth_year, birth_date) FROM benefits");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  const auto& specs = b->scan.aggregates;
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[0].kind, AggregateSpec::Kind::kCoMoments);
  EXPECT_EQ(specs[0].columns, (std::vector<int>{3, 2}));
  EXPECT_EQ(specs[0].unit_divisors, (std::vector<double>{1, 100}));
  EXPECT_EQ(specs[1].columns, (std::vector<int>{3, 7, 2}));
  EXPECT_EQ(specs[1].unit_divisors, (std::vector<double>{1, 1, 100}));
  EXPECT_EQ(specs[2].columns, (std::vector<int>{4, 3}));
  EXPECT_EQ(b->columns[1].fields[0].name, "monthly_amount");  // y first, as written
}

TEST(Bind, HistogramBoundsInStorageUnits) {
  auto b = BindSql(
      "SELECT histogram(monthly_amount, 0, '2500.5', 10), "
      "histogram(birth_date, DATE '1950-01-01', DATE '2000-01-01', 50), "
      "histogram(birth_year, 1900.0, 2000, 100) FROM benefits");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  const auto& specs = b->scan.aggregates;
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[0].kind, AggregateSpec::Kind::kHistogram);
  EXPECT_EQ(specs[0].lo, 0);
  EXPECT_EQ(specs[0].hi, 250050);
  EXPECT_EQ(specs[0].bins, 10);
  EXPECT_EQ(specs[1].lo, common::DaysFromCivil(1950, 1, 1));
  EXPECT_EQ(specs[1].hi, common::DaysFromCivil(2000, 1, 1));
  EXPECT_EQ(specs[2].lo, 1900);
  EXPECT_EQ(specs[2].hi, 2000);
}

TEST(Bind, LiteralsConvertToStorageUnits) {
  EXPECT_TRUE(Same(Where("monthly_amount = 12.50"), Leaf(Predicate::Op::kEq, 2, {1250})));
  EXPECT_TRUE(Same(Where("monthly_amount = 12.5"), Leaf(Predicate::Op::kEq, 2, {1250})));
  EXPECT_TRUE(Same(Where("monthly_amount = '12.500'"), Leaf(Predicate::Op::kEq, 2, {1250})));
  EXPECT_TRUE(Same(Where("monthly_amount = -12"), Leaf(Predicate::Op::kEq, 2, {-1200})));
  EXPECT_TRUE(Same(Where("birth_year = 1960.00"), Leaf(Predicate::Op::kEq, 3, {1960})));
  EXPECT_TRUE(Same(Where("birth_year = '1960'"), Leaf(Predicate::Op::kEq, 3, {1960})));
  EXPECT_TRUE(Same(Where("birth_date = DATE '1970-01-02'"), Leaf(Predicate::Op::kEq, 4, {1})));
  EXPECT_TRUE(Same(Where("active = TRUE"), Leaf(Predicate::Op::kEq, 5, {1})));
  EXPECT_TRUE(Same(Where("active != FALSE"), Leaf(Predicate::Op::kNe, 5, {0})));
  EXPECT_TRUE(Same(Where("region = 'south'"), Leaf(Predicate::Op::kEq, 6, {1})));
  EXPECT_TRUE(Same(Where("region = 12"), Leaf(Predicate::Op::kEq, 6, {2})));
  EXPECT_TRUE(
      Same(Where("region IN ('south', 'north', 'south')"), Leaf(Predicate::Op::kIn, 6, {0, 1})));
}

TEST(Bind, UnknownLabelsRevealNothing) {
  EXPECT_EQ(Where("region = 'east'").op, Predicate::Op::kFalse);
  EXPECT_TRUE(Same(Where("region != 'east'"), Leaf(Predicate::Op::kIsNotNull, 6)));
  EXPECT_TRUE(Same(Where("NOT region = 'east'"), Leaf(Predicate::Op::kIsNotNull, 6)));
  EXPECT_TRUE(Same(Where("region IN ('east', 'north')"), Leaf(Predicate::Op::kIn, 6, {0})));
  EXPECT_EQ(Where("region IN ('east', 'west')").op, Predicate::Op::kFalse);
  EXPECT_TRUE(Same(Where("region NOT IN ('east', 'west')"), Leaf(Predicate::Op::kIsNotNull, 6)));
  EXPECT_TRUE(Same(Where("region NOT IN ('east', 'north')"), Leaf(Predicate::Op::kNotIn, 6, {0})));
  // Folding: a conjunct that matches nothing empties the filter.
  EXPECT_EQ(Where("region = 'east' AND birth_year > 3").op, Predicate::Op::kFalse);
  EXPECT_TRUE(Same(Where("region = 'east' OR birth_year > 3"), Leaf(Predicate::Op::kGt, 3, {3})));
}

// A number with more decimals than its field is compared exactly: no value equals it, and an
// ordering is rounded toward the values the field can hold.
TEST(Bind, NumbersFinerThanTheFieldCompareExactly) {
  EXPECT_EQ(Where("birth_year = 1960.5").op, Predicate::Op::kFalse);
  EXPECT_TRUE(Same(Where("birth_year != 1960.5"), Leaf(Predicate::Op::kIsNotNull, 3)));
  EXPECT_TRUE(Same(Where("birth_year > 1960.5"), Leaf(Predicate::Op::kGe, 3, {1961})));
  EXPECT_TRUE(Same(Where("birth_year >= 1960.5"), Leaf(Predicate::Op::kGe, 3, {1961})));
  EXPECT_TRUE(Same(Where("birth_year < 1960.5"), Leaf(Predicate::Op::kLe, 3, {1960})));
  EXPECT_TRUE(Same(Where("NOT birth_year < 1960.5"), Leaf(Predicate::Op::kGe, 3, {1961})));
  EXPECT_TRUE(Same(Where("birth_year > -3.5"), Leaf(Predicate::Op::kGe, 3, {-3})));
  EXPECT_TRUE(Same(Where("birth_year < -3.5"), Leaf(Predicate::Op::kLe, 3, {-4})));
  EXPECT_TRUE(Same(Where("monthly_amount > 12.555"), Leaf(Predicate::Op::kGe, 2, {1256})));
  EXPECT_TRUE(Same(Where("monthly_amount <= 4.5e-1"), Leaf(Predicate::Op::kLe, 2, {45})));
  EXPECT_TRUE(Same(Where("monthly_amount <= 0.455"), Leaf(Predicate::Op::kLe, 2, {45})));
  EXPECT_TRUE(Same(Where("birth_year IN (1960.5, 1961)"), Leaf(Predicate::Op::kIn, 3, {1961})));
  EXPECT_EQ(Where("birth_year IN (1960.5)").op, Predicate::Op::kFalse);
  EXPECT_TRUE(Same(Where("birth_year BETWEEN 1959.5 AND 1961.5"),
                   Node(Predicate::Op::kAnd, {Leaf(Predicate::Op::kGe, 3, {1960}),
                                              Leaf(Predicate::Op::kLe, 3, {1961})})));
}

config::Schema WithDeclaredSchemes() {
  config::Schema s = Benefits();
  s.fields[1].categories = {"AOW", "WW", "Bijstand", "WIA"};
  return s;
}

// Declared labels match without regard to case when only one does; a label that is not
// declared is an error naming the closest declared ones (an open set stays silent).
TEST(Bind, DeclaredLabelsMatchAnyCaseAndUnknownOnesAreNamed) {
  auto where = [](std::string_view w) {
    auto q = ParseSql("SELECT count(*) FROM benefits WHERE " + std::string(w));
    EXPECT_TRUE(q.ok());
    return BindQuery(*q, WithDeclaredSchemes(), Codes());
  };
  auto lower = where("benefit_type = 'aow'");
  ASSERT_TRUE(lower.ok()) << lower.status().ToString();
  EXPECT_TRUE(Same(lower->scan.filter, Leaf(Predicate::Op::kEq, 1, {0})));
  auto in = where("benefit_type IN ('ww', 'BIJSTAND')");
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_TRUE(Same(in->scan.filter, Leaf(Predicate::Op::kIn, 1, {1, 2})));
  // Declared but never seen here: matches nothing, like any label without records.
  auto wia = where("benefit_type = 'wia'");
  ASSERT_TRUE(wia.ok());
  EXPECT_EQ(wia->scan.filter.op, Predicate::Op::kFalse);
  EXPECT_EQ(where("benefit_type = 'AOWW'").status().message(),
            "where.value: unknown label 'AOWW' for field \"benefit_type\" (closest declared: "
            "AOW, WW)");
  EXPECT_EQ(where("benefit_type = 'pension'").status().message(),
            "where.value: unknown label 'pension' for field \"benefit_type\" (declared: AOW, WW, "
            "Bijstand, WIA)");
  config::Schema twice = WithDeclaredSchemes();
  twice.fields[1].categories.push_back("aow");
  auto q = ParseSql("SELECT count(*) FROM benefits WHERE benefit_type = 'Aow'");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(BindQuery(*q, twice, Codes()).status().message().substr(0, 73),
            "where.value: unknown label 'Aow' for field \"benefit_type\": it matches 2 l");
}

TEST(Bind, NotIsPushedToTheLeaves) {
  EXPECT_TRUE(Same(Where("NOT birth_year < 5"), Leaf(Predicate::Op::kGe, 3, {5})));
  EXPECT_TRUE(Same(Where("NOT birth_year <= 5"), Leaf(Predicate::Op::kGt, 3, {5})));
  EXPECT_TRUE(Same(Where("NOT birth_year > 5"), Leaf(Predicate::Op::kLe, 3, {5})));
  EXPECT_TRUE(Same(Where("NOT birth_year >= 5"), Leaf(Predicate::Op::kLt, 3, {5})));
  EXPECT_TRUE(Same(Where("NOT birth_year = 5"), Leaf(Predicate::Op::kNe, 3, {5})));
  EXPECT_TRUE(Same(Where("NOT birth_year != 5"), Leaf(Predicate::Op::kEq, 3, {5})));
  EXPECT_TRUE(Same(Where("NOT region IS NULL"), Leaf(Predicate::Op::kIsNotNull, 6)));
  EXPECT_TRUE(Same(Where("NOT region IS NOT NULL"), Leaf(Predicate::Op::kIsNull, 6)));
  EXPECT_TRUE(Same(Where("NOT NOT birth_year < 5"), Leaf(Predicate::Op::kLt, 3, {5})));
  EXPECT_TRUE(Same(Where("NOT birth_year IN (1, 2)"), Leaf(Predicate::Op::kNotIn, 3, {1, 2})));
  EXPECT_TRUE(Same(Where("NOT birth_year NOT IN (2, 1)"), Leaf(Predicate::Op::kIn, 3, {1, 2})));
  EXPECT_TRUE(
      Same(Where("NOT birth_year BETWEEN 1 AND 2"), Leaf(Predicate::Op::kNotBetween, 3, {1, 2})));
  EXPECT_TRUE(
      Same(Where("NOT birth_year NOT BETWEEN 1 AND 2"), Leaf(Predicate::Op::kBetween, 3, {1, 2})));
  EXPECT_TRUE(Same(
      Where("NOT (birth_year < 5 AND (active = TRUE OR region IS NULL))"),
      Node(Predicate::Op::kOr, {Leaf(Predicate::Op::kGe, 3, {5}),
                                Node(Predicate::Op::kAnd, {Leaf(Predicate::Op::kNe, 5, {1}),
                                                           Leaf(Predicate::Op::kIsNotNull, 6)})})));
  EXPECT_TRUE(Same(
      Where("(birth_year = 1 AND active = TRUE) AND region IS NULL"),
      Node(Predicate::Op::kAnd, {Leaf(Predicate::Op::kEq, 3, {1}), Leaf(Predicate::Op::kEq, 5, {1}),
                                 Leaf(Predicate::Op::kIsNull, 6)})));
}

// A comparison of columns a and b: a * ma op b * mb.
Predicate Columns(Predicate::Op op, int a, int b, int64_t ma = 1, int64_t mb = 1) {
  Predicate p = Leaf(op, a);
  p.column2 = b;
  p.multiplier = ma;
  p.multiplier2 = mb;
  return p;
}

TEST(Bind, ComparisonsOfTwoFieldsScaleToOneUnit) {
  using Op = Predicate::Op;
  EXPECT_TRUE(Same(Where("birth_year < household_size"), Columns(Op::kLt, 3, 7)));
  EXPECT_TRUE(
      Same(Where("benefits.birth_year <= benefits.household_size"), Columns(Op::kLe, 3, 7)));
  // A decimal of scale 2 against an integer: the integer in hundredths.
  EXPECT_TRUE(Same(Where("monthly_amount > birth_year"), Columns(Op::kGt, 2, 3, 1, 100)));
  EXPECT_TRUE(Same(Where("birth_year >= monthly_amount"), Columns(Op::kGe, 3, 2, 100, 1)));
  EXPECT_TRUE(Same(Where("birth_date = birth_date"), Columns(Op::kEq, 4, 4)));
  EXPECT_TRUE(Same(Where("active != active"), Columns(Op::kNe, 5, 5)));
  // NOT complements the operator, so rows with a NULL side match neither form.
  EXPECT_TRUE(Same(Where("NOT birth_year < household_size"), Columns(Op::kGe, 3, 7)));
  EXPECT_TRUE(Same(Where("NOT birth_year <= household_size"), Columns(Op::kGt, 3, 7)));
  EXPECT_TRUE(Same(Where("NOT birth_year = household_size"), Columns(Op::kNe, 3, 7)));
  EXPECT_TRUE(Same(Where("NOT (monthly_amount > birth_year OR active = active)"),
                   Node(Op::kAnd, {Columns(Op::kLe, 2, 3, 1, 100), Columns(Op::kNe, 5, 5)})));
}

TEST(Bind, DecimalsOfDifferentScalesCompareInTheFinerUnit) {
  config::Schema s = Benefits();
  s.fields.push_back(MakeField("rate", FieldType::kDecimal, 5));  // 8
  s.fields.push_back(MakeField("price", FieldType::kDecimal, 0));  // 9
  auto bind = [&](std::string_view where) {
    auto q = ParseSql("SELECT count(*) FROM benefits WHERE " + std::string(where));
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    auto b = BindQuery(*q, s, Codes());
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? b->scan.filter : Predicate::True();
  };
  EXPECT_TRUE(Same(bind("monthly_amount < rate"), Columns(Predicate::Op::kLt, 2, 8, 1000, 1)));
  EXPECT_TRUE(Same(bind("rate = monthly_amount"), Columns(Predicate::Op::kEq, 8, 2, 1, 1000)));
  EXPECT_TRUE(Same(bind("price > birth_year"), Columns(Predicate::Op::kGt, 9, 3)));
  EXPECT_TRUE(Same(bind("household_size != rate"), Columns(Predicate::Op::kNe, 7, 8, 100000, 1)));
}

TEST(Bind, RefusesFieldsThatDoNotCompare) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"monthly_amount < birth_date",
       "where.field2: cannot compare decimal field \"monthly_amount\" with date field "
       "\"birth_date\""},
      {"birth_date >= birth_year",
       "where.field2: cannot compare date field \"birth_date\" with integer field "
       "\"birth_year\""},
      {"active = birth_year",
       "where.field2: cannot compare boolean field \"active\" with integer field"},
      {"region = benefit_type",
       "where.field2: categorical field \"region\" cannot be compared with another field "
       "(labels are coded per field); compare it with labels"},
      {"birth_year = region", "where.field2: categorical field \"region\" cannot be compared"},
      {"active < active", "where.op: < needs ordered fields; \"active\" and \"active\" are "
                          "boolean"},
      {"birth_year < bsn",
       "where.field2: field \"bsn\" is an identifier and cannot be used in queries"},
      {"bsn = bsn", "where.field: field \"bsn\" is an identifier"},
      {"birth_year < household_sise",
       "where.field2: unknown field \"household_sise\" (did you mean household_size?)"},
      {"birth_year = 1 OR NOT monthly_amount > birth_date",
       "where.args[1].arg.field2: cannot compare decimal field"},
  };
  for (const auto& [where, error] : cases) {
    std::string got = BindError("SELECT count(*) FROM benefits WHERE " + where);
    EXPECT_EQ(got.substr(0, error.size()), error) << where;
  }
}

TEST(Bind, NullLiteralsFollowThreeValuedLogic) {
  EXPECT_EQ(Where("birth_year = NULL").op, Predicate::Op::kFalse);
  EXPECT_EQ(Where("NOT birth_year = NULL").op, Predicate::Op::kFalse);
  EXPECT_TRUE(Same(Where("birth_year IN (1, NULL)"), Leaf(Predicate::Op::kIn, 3, {1})));
  EXPECT_EQ(Where("birth_year NOT IN (1, NULL)").op, Predicate::Op::kFalse);
  EXPECT_TRUE(Same(Where("NOT birth_year NOT IN (1, NULL)"), Leaf(Predicate::Op::kIn, 3, {1})));
  EXPECT_EQ(Where("birth_year BETWEEN NULL AND 5").op, Predicate::Op::kFalse);
  EXPECT_TRUE(Same(Where("birth_year NOT BETWEEN NULL AND 5"), Leaf(Predicate::Op::kGt, 3, {5})));
  EXPECT_EQ(Where("birth_year = NULL OR active = NULL").op, Predicate::Op::kFalse);
  EXPECT_TRUE(Where("birth_year IS NULL OR NOT birth_year = NULL").op == Predicate::Op::kIsNull);
}

TEST(Bind, NoFilterMatchesEverything) {
  auto b = BindSql("SELECT count(*) FROM benefits");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->scan.filter.op, Predicate::Op::kTrue);
}

TEST(Bind, RefusesWhatTheSchemaDoesNotAllow) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"SELECT sum(amount) FROM benefits", "select[0].field: unknown field \"amount\""},
      {"SELECT count(*) FROM benefits WHERE x = 1", "where.field: unknown field \"x\""},
      {"SELECT count(*) FROM benefits WHERE a = 1 OR x = 1",
       "where.args[0].field: unknown field \"a\""},
      {"SELECT count(*) FROM benefits GROUP BY x", "group_by[0]: unknown field \"x\""},
      {"SELECT count(bsn) FROM benefits",
       "select[0].field: field \"bsn\" is an identifier and cannot be used in queries"},
      {"SELECT count(*) FROM benefits WHERE bsn = '123'",
       "where.field: field \"bsn\" is an identifier"},
      {"SELECT count(*) FROM benefits WHERE bsn IS NULL", "where.field: field \"bsn\" is an "},
      {"SELECT bsn, count(*) FROM benefits GROUP BY bsn", "group_by[0]: field \"bsn\" is an "},
      {"SELECT corr(bsn, birth_year) FROM benefits", "select[0].fields[0]: field \"bsn\""},
      {"SELECT avg(birth_date) FROM benefits",
       "select[0].field: avg cannot be applied to date field \"birth_date\" (it takes integer, "
       "decimal or boolean fields)"},
      {"SELECT sum(birth_date) FROM benefits", "select[0].field: sum cannot be applied to date"},
      {"SELECT var(birth_date) FROM benefits", "select[0].field: var cannot be applied to date"},
      {"SELECT stddev(active) FROM benefits",
       "select[0].field: stddev cannot be applied to "
       "boolean"},
      {"SELECT sum(benefit_type) FROM benefits",
       "select[0].field: sum cannot be applied to "
       "categorical"},
      {"SELECT min(active) FROM benefits", "select[0].field: min cannot be applied to boolean"},
      {"SELECT max(region) FROM benefits",
       "select[0].field: max cannot be applied to "
       "categorical"},
      {"SELECT median(active) FROM benefits", "select[0].field: median cannot be applied"},
      {"SELECT histogram(region, 0, 1, 1) FROM benefits", "select[0].field: histogram cannot"},
      {"SELECT corr(birth_year, active) FROM benefits",
       "select[0].fields[1]: corr cannot be applied to boolean"},
      {"SELECT regression(birth_year, household_size, region) FROM benefits",
       "select[0].x[1]: regression cannot be applied to categorical"},
      {"SELECT count(*) FROM benefits GROUP BY monthly_amount",
       "group_by[0]: cannot group by decimal field \"monthly_amount\" (group by categorical, "
       "boolean or integer fields, or a period of a date)"},
      {"SELECT count(*) FROM benefits GROUP BY birth_date",
       "group_by[0]: cannot group by date field \"birth_date\" itself; group by a period of it, "
       "such as date_trunc('month', birth_date) or extract(year from birth_date)"},
      {"SELECT count(*) FROM benefits GROUP BY date_trunc('month', birth_year)",
       "group_by[0]: date_trunc('month', birth_year) needs a date field; \"birth_year\" is "
       "integer"},
      {"SELECT count(*) FROM benefits WHERE extract(month from birth_dat) = 1",
       "where.field: unknown field \"birth_dat\" (did you mean birth_date"},
      {"SELECT count(*) FROM benefits WHERE extract(month from birth_date) = DATE '2020-01-01'",
       "where.value: DATE '2020-01-01' does not fit integer field \"extract(month from "
       "birth_date)\": expected an integer"},
      {"SELECT count(*) FROM benefits WHERE date_trunc('year', birth_date) > 2020",
       "where.value: 2020 does not fit date field \"date_trunc('year', birth_date)\""},
      {"SELECT histogram(birth_year, 10, 10, 5) FROM benefits",
       "select[0].hi: the upper bound must be above the lower bound"},
      {"SELECT histogram(birth_year, -9223372036854775808, 9223372036854775807, 5) FROM "
       "benefits",
       "select[0].hi: the histogram range is too wide"},
      {"SELECT histogram(birth_date, 0, 10, 5) FROM benefits",
       "select[0].lo: 0 does not fit date field \"birth_date\": expected a date 'YYYY-MM-DD'"},
      {"SELECT histogram(monthly_amount, 0, 0.001, 5) FROM benefits",
       "select[0].hi: 0.001 does not fit decimal(2) field \"monthly_amount\": expected a number "
       "in range with at most 2 decimal places"},
      {"SELECT count(*) FROM benefits WHERE region < 'north'",
       "where.op: < needs an ordered field; \"region\" is categorical"},
      {"SELECT count(*) FROM benefits WHERE active BETWEEN FALSE AND TRUE",
       "where.op: between needs an ordered field; \"active\" is boolean"},
      {"SELECT count(*) FROM benefits WHERE birth_year = 'abc'",
       "where.value: 'abc' does not fit integer field \"birth_year\": expected an integer"},
      {"SELECT count(*) FROM benefits WHERE birth_year IN (1, TRUE)",
       "where.values[1]: TRUE does not fit integer field"},
      {"SELECT count(*) FROM benefits WHERE monthly_amount > 99999999999999999.99",
       "where.value: 99999999999999999.99 does not fit decimal(2) field"},
      {"SELECT count(*) FROM benefits WHERE birth_date < 5",
       "where.value: 5 does not fit date field"},
      {"SELECT count(*) FROM benefits WHERE birth_date BETWEEN DATE '2000-01-01' AND 'soon'",
       "where.high: 'soon' does not fit date field"},
      {"SELECT avg(monthly_amout) FROM benefits",
       "select[0].field: unknown field \"monthly_amout\" (did you mean monthly_amount?)"},
      {"SELECT count(*) FROM benefits WHERE birthyear > 1",
       "where.field: unknown field \"birthyear\" (did you mean birth_year?)"},
      {"SELECT count(*) FROM benefits GROUP BY xyz",
       "group_by[0]: unknown field \"xyz\" (fields: benefit_type, monthly_amount, birth_year, "
       "birth_date, active, region, household_size)"},
      {"SELECT count(*) FROM benefits WHERE active = 1",
       "where.value: 1 does not fit boolean field \"active\": expected TRUE or FALSE"},
      {"SELECT count(*) FROM benefits WHERE region = TRUE",
       "where.value: TRUE does not fit categorical field \"region\": expected a label"},
      {"SELECT count(*) FROM benefits WHERE NOT (birth_year = 1 AND active = 2)",
       "where.arg.args[1].value: 2 does not fit boolean field"},
  };
  for (const auto& [sql, error] : cases) {
    std::string got = BindError(sql);
    EXPECT_EQ(got.substr(0, error.size()), error) << sql;
  }
}

TEST(Bind, ValidatesTheQueryItself) {
  Query q;
  q.dataset = "benefits";
  EXPECT_EQ(BindQuery(q, Benefits(), Codes()).status().message(),
            "select: the select list is empty");
}

TEST(Bind, DescribesWhatTheQueryTouches) {
  auto b = BindSql(
      "SELECT region, count(*), avg(monthly_amount), median(birth_year), corr(birth_year, "
      "household_size) FROM benefits WHERE region = 'north' AND (birth_year < 1960 OR "
      "active = TRUE OR birth_year > 2000) GROUP BY region");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  const QueryFootprint& f = b->footprint;
  ASSERT_EQ(f.aggregates.size(), 4u);
  EXPECT_EQ(f.aggregates[0].function, "count");
  EXPECT_TRUE(f.aggregates[0].fields.empty());
  EXPECT_EQ(f.aggregates[1].function, "avg");
  EXPECT_EQ(f.aggregates[1].fields, std::vector<std::string>{"monthly_amount"});
  EXPECT_EQ(f.aggregates[2].function, "quantile");
  EXPECT_EQ(f.aggregates[3].fields, (std::vector<std::string>{"birth_year", "household_size"}));
  EXPECT_EQ(f.group_by, std::vector<std::string>{"region"});
  EXPECT_EQ(f.filter_fields, (std::vector<std::string>{"active", "birth_year", "region"}));
  auto two = BindSql("SELECT count(*) FROM benefits WHERE NOT monthly_amount > household_size");
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(two->footprint.filter_fields,
            (std::vector<std::string>{"household_size", "monthly_amount"}));
}

TEST(LikePattern, PercentMatchesAnyRunAndUnderscoreOneCharacter) {
  struct Case {
    std::string pattern, text;
    bool ignore_case, match;
  };
  const std::vector<Case> cases = {
      {"", "", false, true},
      {"", "a", false, false},
      {"%", "", false, true},
      {"%%", "x", false, true},
      {"_", "", false, false},
      {"a%b", "ab", false, true},
      {"a%b", "axxb", false, true},
      {"a%b", "axxbc", false, false},
      {"%a%b%", "xaybz", false, true},
      {"%ab", "aab", false, true},
      {"%b%b", "abab", false, true},
      {"a_c", "abc", false, true},
      {"a_c", "ac", false, false},
      {"_", "\xc3\xa2", false, true},  // one code point
      {"__", "\xc3\xa2", false, false},
      {"a\\%", "a\\x", false, true},  // '\\' is an ordinary character
      {"a\\%", "ax", false, false},
      {"ABC", "abc", false, false},
      {"ABC", "abc", true, true},
      {"%o_", "AOW", true, true},
      {"\xc3\x82", "\xc3\xa2", true, false},  // only ASCII folds
  };
  for (const Case& c : cases) {
    EXPECT_EQ(LikeMatches(c.pattern, c.text, c.ignore_case), c.match)
        << "'" << c.text << "' LIKE '" << c.pattern << "'" << (c.ignore_case ? " (ILIKE)" : "");
  }
}

TEST(Bind, LikeOnAnOpenSetMatchesTheNodesLabels) {
  EXPECT_TRUE(Same(Where("benefit_type LIKE 'A%'"), Leaf(Predicate::Op::kIn, 1, {0})))
      << "benefit_type LIKE 'A%'";
  EXPECT_TRUE(Same(Where("benefit_type LIKE '%W'"), Leaf(Predicate::Op::kIn, 1, {0, 1})))
      << "benefit_type LIKE '%W'";
  EXPECT_TRUE(Same(Where("benefit_type LIKE '_W'"), Leaf(Predicate::Op::kIn, 1, {1})))
      << "benefit_type LIKE '_W'";
  EXPECT_TRUE(Same(Where("benefit_type LIKE '%'"), Leaf(Predicate::Op::kIn, 1, {0, 1, 2})))
      << "benefit_type LIKE '%'";
  EXPECT_EQ(Where("benefit_type LIKE 'aow'").op, Predicate::Op::kFalse);  // case matters
  EXPECT_TRUE(Same(Where("benefit_type ILIKE 'aow'"), Leaf(Predicate::Op::kIn, 1, {0})))
      << "benefit_type ILIKE 'aow'";
  EXPECT_TRUE(Same(Where("benefit_type ILIKE '%I%'"), Leaf(Predicate::Op::kIn, 1, {2})))
      << "benefit_type ILIKE '%I%'";
  EXPECT_TRUE(Same(Where("region LIKE '1_'"), Leaf(Predicate::Op::kIn, 6, {2})))
      << "region LIKE '1_'";
  // No label matches: no row, and no error.
  EXPECT_EQ(Where("benefit_type LIKE 'Z%'").op, Predicate::Op::kFalse);
  // NOT LIKE is NOT IN, which no NULL satisfies (nor does NOT (x LIKE p)).
  EXPECT_TRUE(Same(Where("benefit_type NOT LIKE 'A%'"), Leaf(Predicate::Op::kNotIn, 1, {0})))
      << "benefit_type NOT LIKE 'A%'";
  EXPECT_TRUE(Same(Where("NOT benefit_type LIKE 'A%'"), Leaf(Predicate::Op::kNotIn, 1, {0})))
      << "NOT benefit_type LIKE 'A%'";
  EXPECT_TRUE(Same(Where("benefit_type NOT LIKE 'Z%'"), Leaf(Predicate::Op::kIsNotNull, 1)))
      << "benefit_type NOT LIKE 'Z%'";
  EXPECT_TRUE(Same(Where("NOT benefit_type NOT ILIKE 'ww'"), Leaf(Predicate::Op::kIn, 1, {1})))
      << "NOT benefit_type NOT ILIKE 'ww'";
  EXPECT_TRUE(Same(Where("region = 'north' OR benefit_type LIKE 'W_'"),
                   Node(Predicate::Op::kOr,
                        {Leaf(Predicate::Op::kEq, 6, {0}), Leaf(Predicate::Op::kIn, 1, {1})})))
      << "region = 'north' OR benefit_type LIKE 'W_'";
  // Without the dictionary's labels nothing matches.
  auto q = ParseSql("SELECT count(*) FROM benefits WHERE benefit_type LIKE 'A%'");
  ASSERT_TRUE(q.ok());
  auto b = BindQuery(*q, Benefits(), Codes());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->scan.filter.op, Predicate::Op::kFalse);
}

TEST(Bind, LikeOnDeclaredCategoriesMatchesTheDeclaredLabelsOnly) {
  config::Schema schema = Benefits();
  schema.fields[6].categories = {"Noord-Holland", "Zuid-Holland", "Utrecht", "Frysl\xc3\xa2n"};
  // This node has seen three of them; its dictionary is not consulted.
  auto codes = [](size_t, std::string_view label) -> std::optional<int64_t> {
    const std::vector<std::string> seen = {"Zuid-Holland", "Utrecht", "Frysl\xc3\xa2n"};
    auto it = std::find(seen.begin(), seen.end(), label);
    return it == seen.end() ? std::nullopt : std::optional<int64_t>(it - seen.begin());
  };
  bool dictionary_read = false;
  CategoryLabelsLookup labels = [&](size_t) {
    dictionary_read = true;
    return std::vector<std::string>{"Zuid-Holland", "secret"};
  };
  auto where = [&](std::string_view sql_where) {
    auto q = ParseSql("SELECT count(*) FROM benefits WHERE " + std::string(sql_where));
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    auto b = BindQuery(*q, schema, codes, labels);
    EXPECT_TRUE(b.ok()) << sql_where << ": " << b.status().ToString();
    return b.ok() ? b->scan.filter : Predicate::True();
  };
  EXPECT_TRUE(Same(where("region LIKE '%Holland'"), Leaf(Predicate::Op::kIn, 6, {0})))
      << "region LIKE '%Holland'";
  EXPECT_TRUE(Same(where("region ILIKE '%holland'"), Leaf(Predicate::Op::kIn, 6, {0})))
      << "region ILIKE '%holland'";
  EXPECT_TRUE(Same(where("region LIKE 'Frysl_n'"), Leaf(Predicate::Op::kIn, 6, {2})))
      << "region LIKE 'Frysl_n'";
  EXPECT_TRUE(Same(where("region ILIKE 'FRYSL%'"), Leaf(Predicate::Op::kIn, 6, {2})))
      << "region ILIKE 'FRYSL%'";
  EXPECT_TRUE(Same(where("region NOT LIKE '%Holland'"), Leaf(Predicate::Op::kNotIn, 6, {0})))
      << "region NOT LIKE '%Holland'";
  EXPECT_TRUE(Same(where("region NOT ILIKE '%'"), Leaf(Predicate::Op::kNotIn, 6, {0, 1, 2})));
  EXPECT_EQ(where("region LIKE 'Noord%'").op, Predicate::Op::kFalse);  // declared, not seen
  EXPECT_EQ(where("region LIKE 'secret'").op, Predicate::Op::kFalse);
  EXPECT_FALSE(dictionary_read);
}

TEST(Bind, LikeComparesCategoricalFieldsOnly) {
  EXPECT_EQ(BindError("SELECT count(*) FROM benefits WHERE birth_year LIKE '19%'"),
            "where.op: LIKE compares categorical fields only; \"birth_year\" is integer");
  EXPECT_EQ(BindError("SELECT count(*) FROM benefits WHERE region = 'north' AND NOT "
                      "birth_date NOT ILIKE '1950%'"),
            "where.args[1].arg.op: ILIKE compares categorical fields only; \"birth_date\" is "
            "date");
  EXPECT_EQ(BindError("SELECT count(*) FROM benefits WHERE active LIKE 't%'"),
            "where.op: LIKE compares categorical fields only; \"active\" is boolean");
  EXPECT_EQ(BindError("SELECT count(*) FROM benefits WHERE bsn LIKE '1%'"),
            "where.field: field \"bsn\" is an identifier and cannot be used in queries");
  EXPECT_EQ(BindError("SELECT count(*) FROM benefits WHERE regio LIKE 'n%'").substr(0, 39),
            "where.field: unknown field \"regio\" (did");
}

TEST(Bind, LikeFieldsAreFilterFieldsForPolicies) {
  auto b = BindSql(
      "SELECT count(*) FROM benefits WHERE NOT (benefit_type ILIKE 'a%' OR birth_year > 1)");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->footprint.filter_fields, (std::vector<std::string>{"benefit_type", "birth_year"}));
}

}  // namespace
}  // namespace verbind::federation
