#include "federation/result.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "common/dates.h"
#include "federation/sql.h"

namespace verbind::federation {
namespace {

using config::FieldType;
using nlohmann::json;
using storage::AggregateState;

config::Field MakeField(std::string name, FieldType type, int scale = 0) {
  config::Field f;
  f.name = std::move(name);
  f.type = type;
  f.scale = scale;
  return f;
}

config::Schema Benefits() {
  config::Schema s;
  s.fields = {MakeField("bsn", FieldType::kIdentifier),
              MakeField("benefit_type", FieldType::kCategorical),
              MakeField("monthly_amount", FieldType::kDecimal, 2),
              MakeField("birth_year", FieldType::kInteger),
              MakeField("birth_date", FieldType::kDate),
              MakeField("active", FieldType::kBoolean),
              MakeField("region", FieldType::kCategorical),
              MakeField("household_size", FieldType::kInteger)};
  return s;
}

BoundQuery Bind(std::string_view sql) {
  auto q = ParseSql(sql);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  auto b = BindQuery(*q, Benefits(), [](size_t, std::string_view) { return std::nullopt; });
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return *b;
}

storage::SumState SumOf(const std::vector<int64_t>& xs) {
  storage::SumState s;
  for (int64_t x : xs) {
    ++s.n;
    s.sum += x;
    double d = static_cast<double>(x) - s.mean;
    s.mean += d / static_cast<double>(s.n);
    s.m2 += d * (static_cast<double>(x) - s.mean);
  }
  return s;
}

// The finished value of the column named `name` of `query` from `state`.
json Finish(const BoundQuery& query, std::string_view name, const AggregateState& state) {
  for (const BoundColumn& c : query.columns) {
    if (c.name == name) {
      auto v = FinishValue(c, state);
      EXPECT_TRUE(v.ok()) << name << ": " << v.status().ToString();
      return v.ok() ? *v : json("error");
    }
  }
  ADD_FAILURE() << "no column " << name;
  return json("missing");
}

TEST(Result, DecimalTextIsExact) {
  EXPECT_EQ(FormatDecimalUnits(0, 2), "0.00");
  EXPECT_EQ(FormatDecimalUnits(-1250, 2), "-12.50");
  EXPECT_EQ(FormatDecimalUnits(5, 3), "0.005");
  EXPECT_EQ(FormatDecimalUnits(-5, 3), "-0.005");
  EXPECT_EQ(FormatDecimalUnits(7, 0), "7");
  storage::Int128 big = static_cast<storage::Int128>(INT64_MAX) * 1000 + 1;
  EXPECT_EQ(FormatDecimalUnits(big, 2), "92233720368547758070.01");
  storage::Int128 min = -(static_cast<storage::Int128>(1) << 126) * 2;
  EXPECT_EQ(FormatDecimalUnits(min, 9), "-170141183460469231731687303715.884105728");
}

TEST(Result, TypedValues) {
  BoundField integer{0, "i", FieldType::kInteger, 0};
  BoundField decimal{0, "d", FieldType::kDecimal, 2};
  BoundField date{0, "t", FieldType::kDate, 0};
  BoundField boolean{0, "b", FieldType::kBoolean, 0};
  BoundField label{0, "c", FieldType::kCategorical, 0};
  EXPECT_EQ(TypedValue(integer, -3), json(-3));
  EXPECT_EQ(TypedValue(decimal, 1999), json("19.99"));
  EXPECT_EQ(TypedValue(date, common::DaysFromCivil(2024, 2, 29)), json("2024-02-29"));
  EXPECT_EQ(TypedValue(date, -1000000000000), json("0001-01-01"));
  EXPECT_EQ(TypedValue(date, 1000000000000), json("9999-12-31"));
  EXPECT_EQ(TypedValue(boolean, 1), json(true));
  EXPECT_EQ(TypedValue(boolean, 0), json(false));
  EXPECT_TRUE(TypedValue(label, 0).is_null());
}

TEST(Result, CountsAndSums) {
  BoundQuery q = Bind(
      "SELECT count(*), count(monthly_amount), sum(monthly_amount), sum(birth_year), "
      "sum(active), avg(active) FROM benefits");
  EXPECT_EQ(Finish(q, "count(*)", storage::CountState{42}), json(42));
  EXPECT_EQ(Finish(q, "count(monthly_amount)", storage::CountState{7}), json(7));
  EXPECT_EQ(Finish(q, "sum(monthly_amount)", SumOf({1250, 2550, -100})), json("37.00"));
  EXPECT_EQ(Finish(q, "sum(monthly_amount)", SumOf({-5})), json("-0.05"));
  EXPECT_EQ(Finish(q, "sum(birth_year)", SumOf({1950, 1960})), json(3910));
  storage::SumState huge = SumOf({INT64_MAX, INT64_MAX, INT64_MAX});
  EXPECT_EQ(Finish(q, "sum(birth_year)", huge), json("27670116110564327421"));
  EXPECT_EQ(Finish(q, "sum(active)", SumOf({1, 0, 1, 1})), json(3));
  EXPECT_EQ(Finish(q, "avg(active)", SumOf({1, 0, 1, 1})), json(0.75));
  EXPECT_TRUE(Finish(q, "sum(monthly_amount)", storage::SumState{}).is_null());
  EXPECT_TRUE(Finish(q, "avg(active)", storage::SumState{}).is_null());
}

TEST(Result, MomentsAreInRealUnits) {
  BoundQuery q = Bind(
      "SELECT avg(monthly_amount), var(monthly_amount), stddev(monthly_amount), "
      "var(birth_year) FROM benefits");
  storage::SumState s = SumOf({1250, 2550, -100});  // 12.50, 25.50, -1.00
  double mean = (12.5 + 25.5 - 1.0) / 3;
  double var = ((12.5 - mean) * (12.5 - mean) + (25.5 - mean) * (25.5 - mean) +
                (-1.0 - mean) * (-1.0 - mean)) /
               2;
  EXPECT_NEAR(Finish(q, "avg(monthly_amount)", s).get<double>(), mean, 1e-12);
  EXPECT_NEAR(Finish(q, "var(monthly_amount)", s).get<double>(), var, 1e-9);
  EXPECT_NEAR(Finish(q, "stddev(monthly_amount)", s).get<double>(), std::sqrt(var), 1e-9);
  EXPECT_TRUE(Finish(q, "var(birth_year)", SumOf({1960})).is_null());  // n - 1 = 0
  EXPECT_EQ(Finish(q, "var(birth_year)", SumOf({1, 3})), json(2.0));
}

TEST(Result, MinMaxInTheFieldsType) {
  BoundQuery q = Bind("SELECT min(birth_date), max(monthly_amount), max(birth_year) FROM benefits");
  storage::MinMaxState dates{2, common::DaysFromCivil(1950, 3, 1),
                             common::DaysFromCivil(1990, 1, 1)};
  EXPECT_EQ(Finish(q, "min(birth_date)", dates), json("1950-03-01"));
  EXPECT_EQ(Finish(q, "max(monthly_amount)", storage::MinMaxState{3, -5, 2550}), json("25.50"));
  EXPECT_EQ(Finish(q, "max(birth_year)", storage::MinMaxState{1, 1960, 1960}), json(1960));
  EXPECT_TRUE(Finish(q, "max(birth_year)", storage::MinMaxState{}).is_null());
}

TEST(Result, Histogram) {
  BoundQuery q = Bind("SELECT histogram(monthly_amount, 0, 100, 4) AS h FROM benefits");
  storage::HistogramState h{0, 10000, {1, 2, 0, 3}, 1, 2, 5};
  EXPECT_EQ(Finish(q, "h", h),
            json::parse(R"({"lo":"0.00","hi":"100.00","bins":[1,2,0,3],"below":1,"above":2})"));
  auto bad = FinishValue(q.columns[0], storage::HistogramState{});
  EXPECT_FALSE(bad.ok());
}

TEST(Result, QuantileBrackets) {
  BoundQuery q = Bind(
      "SELECT median(birth_year), quantile(monthly_amount, 0.9), median(birth_date) "
      "FROM benefits");
  storage::SketchState exact;
  for (int64_t y = 1950; y <= 1960; ++y) {
    exact.Add(y);
  }
  EXPECT_EQ(Finish(q, "median(birth_year)", exact),
            json::parse(R"({"estimate":1955.0,"lo":1955,"hi":1955})"));
  storage::SketchState coarse;
  coarse.shift = 3;
  coarse.AddBucket(243, 5);  // [1944, 1951]
  EXPECT_EQ(Finish(q, "median(birth_year)", coarse),
            json::parse(R"({"estimate":1947.5,"lo":1944,"hi":1951})"));
  storage::SketchState amounts;
  amounts.shift = 2;
  amounts.AddBucket(100, 10);  // [4.00, 4.03]
  EXPECT_EQ(Finish(q, "quantile(monthly_amount, 0.9)", amounts),
            json::parse(R"({"estimate":4.015,"lo":"4.00","hi":"4.03"})"));
  storage::SketchState days;
  days.shift = 1;
  days.AddBucket(common::DaysFromCivil(2000, 1, 2) / 2, 3);  // an even day starts a bucket
  json d = Finish(q, "median(birth_date)", days);
  EXPECT_EQ(d["lo"], json("2000-01-02"));
  EXPECT_EQ(d["hi"], json("2000-01-03"));
  EXPECT_EQ(d["estimate"], json("2000-01-02"));  // the midpoint rounded down
  storage::SketchState before_1970;
  before_1970.shift = 1;
  before_1970.AddBucket(-2, 1);  // days -4 and -3
  EXPECT_EQ(Finish(q, "median(birth_date)", before_1970)["estimate"], json("1969-12-28"));
  EXPECT_TRUE(Finish(q, "median(birth_year)", storage::SketchState{}).is_null());
}

TEST(Result, CorrelationAndRegression) {
  BoundQuery q = Bind(
      "SELECT corr(birth_year, household_size), regression(monthly_amount, birth_year, "
      "household_size) AS fit FROM benefits");
  storage::CoMomentState line, constant, plane;
  for (double x : {1.0, 2.0, 4.0, 7.0}) {
    double row[2] = {x, 2 * x + 1};
    line.Add(row, 2);
    double flat[2] = {x, 3};
    constant.Add(flat, 2);
  }
  EXPECT_NEAR(Finish(q, "corr(birth_year, household_size)", line).get<double>(), 1.0, 1e-12);
  EXPECT_TRUE(Finish(q, "corr(birth_year, household_size)", constant).is_null());
  for (double x1 : {1.0, 2.0, 3.0, 5.0}) {
    for (double x2 : {0.0, 1.0, 4.0}) {
      double row[3] = {x1, x2, 1 + 2 * x1 + 3 * x2};  // predictors first, y last
      plane.Add(row, 3);
    }
  }
  json fit = Finish(q, "fit", plane);
  EXPECT_NEAR(fit["intercept"].get<double>(), 1.0, 1e-9);
  EXPECT_NEAR(fit["coefficients"]["birth_year"].get<double>(), 2.0, 1e-9);
  EXPECT_NEAR(fit["coefficients"]["household_size"].get<double>(), 3.0, 1e-9);
  EXPECT_NEAR(fit["r_squared"].get<double>(), 1.0, 1e-9);
  EXPECT_EQ(fit["n"], json(12));
  EXPECT_TRUE(Finish(q, "fit", storage::CoMomentState{}).is_null());
  EXPECT_FALSE(FinishValue(q.columns[1], line).ok());  // two dimensions for three fields
}

TEST(Result, RefusesStatesOfTheWrongKind) {
  BoundQuery q = Bind("SELECT count(*), avg(birth_year) FROM benefits");
  auto wrong = FinishValue(q.columns[0], storage::SumState{});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(), "column \"count(*)\": expected a count state");
  EXPECT_FALSE(FinishValue(q.columns[1], storage::CountState{}).ok());
}

TEST(Result, GroupKeysLeaveAsValues) {
  BoundQuery q = Bind(
      "SELECT benefit_type, active, birth_year, count(*) FROM benefits GROUP BY benefit_type, "
      "active, birth_year");
  CategoryLabelLookup labels = [](size_t field, int64_t code) -> common::Result<std::string> {
    if (field == 1 && code == 2) {
      return std::string("Bijstand");
    }
    return common::DataLoss("no label for code " + std::to_string(code));
  };
  auto key = DecodeGroupKey(storage::GroupKey{{2, 1, 1960}, 0}, q, labels);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(json(*key), json::parse(R"(["Bijstand",true,1960])"));
  auto nulls = DecodeGroupKey(storage::GroupKey{{0, 0, 0}, 0b111}, q, labels);
  ASSERT_TRUE(nulls.ok());
  EXPECT_EQ(json(*nulls), json::parse("[null,null,null]"));
  auto missing = DecodeGroupKey(storage::GroupKey{{9, 1, 1960}, 0}, q, labels);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), common::StatusCode::kDataLoss);
  EXPECT_FALSE(DecodeGroupKey(storage::GroupKey{{2, 1}, 0}, q, labels).ok());
  EXPECT_FALSE(DecodeGroupKey(storage::GroupKey{{2, 1, 1960}, 0b1000}, q, labels).ok());
}

ResultTable SampleTable() {
  BoundQuery q = Bind(
      "SELECT benefit_type, count(*), sum(monthly_amount), avg(monthly_amount) FROM benefits "
      "GROUP BY benefit_type");
  std::vector<DecodedCell> cells = {
      {{json("WW")}, {storage::CountState{3}, SumOf({1000, 2000, 3001})}},
      {{json(nullptr)}, {storage::CountState{1}, SumOf({500})}},
      {{json("AOW, \"old\"")}, {storage::CountState{2}, SumOf({1250, 1250})}},
      {{json("=cmd")}, {storage::CountState{0}, storage::SumState{}}},
  };
  auto table = FinishCells(q, cells);
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  return *table;
}

TEST(Result, FinishCellsSortsRowsByKey) {
  ResultTable t = SampleTable();
  ASSERT_EQ(t.columns.size(), 4u);
  EXPECT_EQ(t.columns[0].name, "benefit_type");
  EXPECT_EQ(t.columns[0].role, ResultColumn::Role::kGroup);
  EXPECT_EQ(t.columns[2].function, "sum");
  ASSERT_EQ(t.rows.size(), 4u);
  EXPECT_TRUE(t.rows[0].key[0].is_null());
  EXPECT_EQ(t.rows[1].key[0], json("=cmd"));
  EXPECT_EQ(t.rows[2].key[0], json("AOW, \"old\""));
  EXPECT_EQ(t.rows[3].values[1].value, json("60.01"));
  BoundQuery q = Bind("SELECT count(*) FROM benefits");
  EXPECT_FALSE(FinishCells(q, {DecodedCell{{json("x")}, {storage::CountState{1}}}}).ok());
  EXPECT_FALSE(FinishCells(q, {DecodedCell{{}, {}}}).ok());
}

TEST(Result, JsonRendering) {
  ResultTable t = SampleTable();
  t.rows[1].status = ValueStatus::kSuppressed;
  t.rows[1].reason = "cell below minimum size 10";
  t.rows[2].values[1].status = ValueStatus::kSuppressed;
  t.rows[2].values[1].reason = "dominance";
  EXPECT_EQ(ResultToJson(t).dump(),
            R"j({"columns":[{"name":"benefit_type","role":"group"},)j"
            R"j({"function":"count","name":"count(*)","role":"aggregate"},)j"
            R"j({"function":"sum","name":"sum(monthly_amount)","role":"aggregate"},)j"
            R"j({"function":"avg","name":"avg(monthly_amount)","role":"aggregate"}],"rows":[)j"
            R"j({"key":[null],"values":[1,"5.00",5.0]},)j"
            R"j({"key":["=cmd"],"reason":"cell below minimum size 10","status":"suppressed",)j"
            R"j("value_status":[{"status":"ok"},{"status":"ok"},{"status":"ok"}],)j"
            R"j("values":[0,null,null]},)j"
            R"j({"key":["AOW, \"old\""],"status":"ok","value_status":[{"status":"ok"},)j"
            R"j({"reason":"dominance","status":"suppressed"},{"status":"ok"}],)j"
            R"j("values":[2,null,12.5]},)j"
            R"j({"key":["WW"],"values":[3,"60.01",20.003333333333334]}]})j");
}

TEST(Result, TextTable) {
  ResultTable t = SampleTable();
  t.rows[2].values[1].status = ValueStatus::kSuppressed;
  EXPECT_EQ(RenderTextTable(t),
            "benefit_type | count(*) | sum(monthly_amount) | avg(monthly_amount)\n"
            "-------------+----------+---------------------+--------------------\n"
            "NULL         |        1 | 5.00                |                 5.0\n"
            "=cmd         |        0 | NULL                | NULL\n"
            "AOW, \"old\"   |        2 | (suppressed)        |                12.5\n"
            "WW           |        3 | 60.01               |  20.003333333333334\n"
            "(4 rows)\n");
}

TEST(Result, CsvFollowsRfc4180) {
  ResultTable t = SampleTable();
  t.rows[2].values[1].status = ValueStatus::kSuppressed;
  EXPECT_EQ(RenderCsv(t),
            "benefit_type,count(*),sum(monthly_amount),avg(monthly_amount)\r\n"
            ",1,5.00,5.0\r\n"
            "'=cmd,0,,\r\n"
            "\"AOW, \"\"old\"\"\",2,(suppressed),12.5\r\n"
            "WW,3,60.01,20.003333333333334\r\n");
}

}  // namespace
}  // namespace verbind::federation
