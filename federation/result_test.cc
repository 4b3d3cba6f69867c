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

ItemDescriptor Item(std::string function, std::vector<ItemField> fields,
                    std::string name = "") {
  ItemDescriptor d;
  d.function = std::move(function);
  d.fields = std::move(fields);
  d.kind = KindOfFunction(d.function, d.fields.size());
  d.name = name.empty() ? d.function : name;
  return d;
}

const ItemField kAmount{"monthly_amount", "decimal", 2};
const ItemField kYear{"birth_year", "integer", 0};
const ItemField kDate{"birth_date", "date", 0};
const ItemField kActive{"active", "boolean", 0};

// The finished value of one released value of `item` (a table of one cell without keys).
json Finish(const ItemDescriptor& item, const ReleasedValue& value) {
  PartialTable t;
  t.items = {item};
  t.cells = {PartialCell{{}, {PartialValue{value, false}}}};
  auto r = FinishTable(t, Coverage::kEveryone);
  EXPECT_TRUE(r.ok()) << item.name << ": " << r.status().ToString();
  return r.ok() ? r->rows[0].values[0].value : json("error");
}

// Centred sums of exact values, as a node releases them.
VarianceValue Moments(const ItemDescriptor& item, const std::vector<int64_t>& xs) {
  VarianceValue v;
  for (int64_t x : xs) {
    Int128 d = Int128{x} - Center(item);
    ++v.n;
    v.sum += d;
    v.sumsq += d * d;
  }
  return v;
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
  EXPECT_EQ(Finish(Item("count", {}), CountValue{42}), json(42));
  EXPECT_EQ(Finish(Item("count", {}), CountValue{-3}), json(0));  // noise below zero
  EXPECT_EQ(Finish(Item("count", {kAmount}), CountValue{7}), json(7));
  EXPECT_EQ(Finish(Item("sum", {kAmount}), SumValue{3700}), json("37.00"));
  EXPECT_EQ(Finish(Item("sum", {kAmount}), SumValue{-5}), json("-0.05"));
  EXPECT_EQ(Finish(Item("sum", {kYear}), SumValue{3910}), json(3910));
  Int128 huge = Int128{INT64_MAX} * 3;
  EXPECT_EQ(Finish(Item("sum", {kYear}), SumValue{huge}), json("27670116110564327421"));
  EXPECT_EQ(Finish(Item("sum", {kActive}), SumValue{3}), json(3));
}

TEST(Result, MeansAreCentredAndKeptWithinTheBounds) {
  ItemDescriptor avg = Item("avg", {kAmount});
  avg.bounds = std::make_pair(int64_t{-1000}, int64_t{3000});  // centre 1000 (10.00)
  VarianceValue m = Moments(avg, {1250, 2550, -100});             // 12.50, 25.50, -1.00
  EXPECT_NEAR(Finish(avg, MeanValue{m.n, m.sum}).get<double>(), (12.5 + 25.5 - 1.0) / 3, 1e-12);
  EXPECT_EQ(Finish(avg, MeanValue{2, 100000}), json(30.0));  // noise beyond the bounds
  EXPECT_EQ(Finish(avg, MeanValue{2, -100000}), json(-10.0));
  EXPECT_TRUE(Finish(avg, MeanValue{0, 0}).is_null());
  EXPECT_TRUE(Finish(avg, MeanValue{-2, 5}).is_null());
  ItemDescriptor share = Item("avg", {kActive});
  share.bounds = std::make_pair(int64_t{0}, int64_t{1});  // centre 0
  EXPECT_EQ(Finish(share, MeanValue{4, 3}), json(0.75));
  ItemDescriptor unbounded = Item("avg", {kYear});  // threshold answers: centre 0
  EXPECT_EQ(Finish(unbounded, MeanValue{2, 3910}), json(1955.0));
}

TEST(Result, VariancesAreInRealUnitsAndNeverNegative) {
  ItemDescriptor var = Item("var", {kAmount});
  ItemDescriptor stddev = Item("stddev", {kAmount});
  var.bounds = stddev.bounds = std::make_pair(int64_t{-1000}, int64_t{3000});
  VarianceValue v = Moments(var, {1250, 2550, -100});
  double mean = (12.5 + 25.5 - 1.0) / 3;
  double want = ((12.5 - mean) * (12.5 - mean) + (25.5 - mean) * (25.5 - mean) +
                 (-1.0 - mean) * (-1.0 - mean)) /
                2;
  EXPECT_NEAR(Finish(var, v).get<double>(), want, 1e-9);
  EXPECT_NEAR(Finish(stddev, v).get<double>(), std::sqrt(want), 1e-9);
  EXPECT_TRUE(Finish(var, Moments(var, {1960})).is_null());  // n - 1 = 0
  EXPECT_EQ(Finish(var, VarianceValue{3, 0, -500}), json(0.0));  // noise below zero
  // At most half the range squared (times n / (n - 1)): 20.00^2 * 2 for two values.
  EXPECT_EQ(Finish(var, VarianceValue{2, 0, Int128{1} << 60}), json(800.0));
}

TEST(Result, MinMaxInTheFieldsType) {
  EXPECT_EQ(Finish(Item("min", {kDate}), MinMaxValue{2, common::DaysFromCivil(1950, 3, 1), 0}),
            json("1950-03-01"));
  EXPECT_EQ(Finish(Item("max", {kAmount}), MinMaxValue{3, -5, 2550}), json("25.50"));
  EXPECT_TRUE(Finish(Item("max", {kYear}), MinMaxValue{}).is_null());
}

TEST(Result, HistogramsClampNoisyCounts) {
  ItemDescriptor h = Item("histogram", {kAmount}, "h");
  h.lo = 0;
  h.hi = 10000;
  h.bins = 4;
  EXPECT_EQ(Finish(h, HistogramValue{{1, -2, 0, 3}, 1, 2, 5}),
            json::parse(R"({"lo":"0.00","hi":"100.00","bins":[1,0,0,3],"below":1,"above":2})"));
  PartialTable t;
  t.items = {h};
  t.cells = {PartialCell{{}, {PartialValue{HistogramValue{{1, 2}, 0, 0, 0}, false}}}};
  EXPECT_FALSE(FinishTable(t, Coverage::kEveryone).ok());  // two bins for four
}

TEST(Result, QuantilesAreTheGridBinHoldingTheRank) {
  ItemDescriptor median = Item("median", {kYear});
  median.q = 0.5;
  median.lo = 1950;
  median.hi = 1970;
  median.bins = 4;  // [1950, 1954], [1955, 1959], ...
  EXPECT_EQ(Finish(median, HistogramValue{{5, 4, 2, -3}, 0, 0, 0}),
            json::parse(R"({"estimate":1957.0,"lo":1955,"hi":1959})"));
  EXPECT_EQ(Finish(median, HistogramValue{{9, -4, 2, 0}, 0, 0, 0}),
            json::parse(R"({"estimate":1952.0,"lo":1950,"hi":1954})"));
  EXPECT_TRUE(Finish(median, HistogramValue{{0, -1, 0, 0}, 0, 0, 0}).is_null());
  ItemDescriptor q90 = Item("quantile", {kAmount});
  q90.q = 0.9;
  q90.lo = 0;
  q90.hi = 1000;
  q90.bins = 2;
  EXPECT_EQ(Finish(q90, HistogramValue{{1, 9}, 0, 0, 0}),
            json::parse(R"({"estimate":7.495,"lo":"5.00","hi":"9.99"})"));
  ItemDescriptor days = Item("median", {kDate});
  days.q = 0.5;
  days.lo = common::DaysFromCivil(2000, 1, 1);
  days.hi = days.lo + 2;
  days.bins = 1;
  json d = Finish(days, HistogramValue{{3}, 0, 0, 0});
  EXPECT_EQ(d["lo"], json("2000-01-01"));
  EXPECT_EQ(d["hi"], json("2000-01-02"));
  EXPECT_EQ(d["estimate"], json("2000-01-01"));  // the midpoint rounded down
}

TEST(Result, CorrelationAndRegression) {
  ItemDescriptor corr = Item("corr", {kYear, {"household_size", "integer", 0}});
  ItemDescriptor fit = Item("regression", {kAmount, kYear, {"household_size", "integer", 0}});
  storage::CoMomentState line, constant, plane;
  for (double x : {1.0, 2.0, 4.0, 7.0}) {
    double row[2] = {x, 2 * x + 1};
    line.Add(row, 2);
    double flat[2] = {x, 3};
    constant.Add(flat, 2);
  }
  EXPECT_NEAR(Finish(corr, line).get<double>(), 1.0, 1e-12);
  EXPECT_TRUE(Finish(corr, constant).is_null());
  for (double x1 : {1.0, 2.0, 3.0, 5.0}) {
    for (double x2 : {0.0, 1.0, 4.0}) {
      double row[3] = {x1, x2, 1 + 2 * x1 + 3 * x2};  // predictors first, y last
      plane.Add(row, 3);
    }
  }
  json f = Finish(fit, plane);
  EXPECT_NEAR(f["intercept"].get<double>(), 1.0, 1e-9);
  EXPECT_NEAR(f["coefficients"]["birth_year"].get<double>(), 2.0, 1e-9);
  EXPECT_NEAR(f["coefficients"]["household_size"].get<double>(), 3.0, 1e-9);
  EXPECT_NEAR(f["r_squared"].get<double>(), 1.0, 1e-9);
  EXPECT_EQ(f["n"], json(12));
  PartialTable t;
  t.items = {fit};
  t.cells = {PartialCell{{}, {PartialValue{line, false}}}};
  EXPECT_FALSE(FinishTable(t, Coverage::kEveryone).ok());  // two dimensions for three fields
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
  PartialTable t;
  ItemDescriptor avg = Item("avg", {kAmount}, "avg(monthly_amount)");
  avg.bounds = std::make_pair(int64_t{0}, int64_t{10000});  // centre 5000
  t.items = {Item("group", {{"benefit_type", "categorical", 0}}, "benefit_type"),
             Item("count", {}, "count(*)"), Item("sum", {kAmount}, "sum(monthly_amount)"), avg};
  t.items[0].kind = kKindGroup;
  auto cell = [](json key, int64_t n, Int128 sum, int64_t mean_n, Int128 mean_sum) {
    return PartialCell{{std::move(key)},
                       {PartialValue{}, PartialValue{CountValue{n}, false},
                        PartialValue{SumValue{sum}, false},
                        PartialValue{MeanValue{mean_n, mean_sum}, false}}};
  };
  t.cells = {cell("WW", 3, 6001, 3, 6001 - 15000), cell(nullptr, 1, 500, 1, -4500),
             cell("AOW, \"old\"", 2, 2500, 2, -7500), cell("=cmd", 0, 0, 0, 0)};
  auto table = FinishTable(t, Coverage::kEveryone);
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  return *table;
}

TEST(Result, FinishTableSortsRowsByKey) {
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
}

TEST(Result, APartialCombinationMarksEveryValueButTheWithheldIncomplete) {
  PartialTable t;
  t.items = {ItemDescriptor{.name = "region", .function = "group", .kind = kKindGroup},
             ItemDescriptor{.name = "count(*)", .function = "count", .kind = kKindCount}};
  t.cells = {PartialCell{{"Utrecht"}, {PartialValue{}, PartialValue{CountValue{12}, false}}},
             PartialCell{{"Zeeland"}, {PartialValue{}, PartialValue{std::nullopt, true}}}};
  for (Coverage coverage : {Coverage::kEveryone, Coverage::kPart}) {
    auto r = FinishTable(t, coverage);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ValueStatus first =
        coverage == Coverage::kEveryone ? ValueStatus::kComplete : ValueStatus::kIncomplete;
    EXPECT_EQ(r->rows[0].values[0].status, first);
    EXPECT_EQ(RowStatus(r->rows[0]), first);
    EXPECT_EQ(r->rows[1].values[0].status, ValueStatus::kWithheld);
    EXPECT_EQ(RowStatus(r->rows[1]), ValueStatus::kWithheld);
    json rows = ResultToJson(*r)["rows"];
    EXPECT_EQ(rows[0]["status"], ValueStatusName(first));
    EXPECT_EQ(rows[0]["value_status"], json::array({ValueStatusName(first)}));
    EXPECT_EQ(rows[1]["status"], "withheld");
    EXPECT_TRUE(rows[1]["values"][0].is_null());
  }
}

Presentation Ordered(std::vector<SortKey> keys, std::optional<int64_t> limit, int64_t offset) {
  Presentation p;
  p.order_by = std::move(keys);
  p.limit = limit;
  p.offset = offset;
  return p;
}

TEST(Result, APresentationOrdersByValuesThenCutsTheRows) {
  ResultTable t = SampleTable();  // keys NULL, =cmd, AOW "old", WW; counts 1, 0, 2, 3
  t.rows[2].values[1].status = ValueStatus::kWithheld;  // AOW's sum
  auto names = [](const ResultTable& r) {
    std::vector<json> out;
    for (const auto& row : r.rows) out.push_back(row.key[0]);
    return out;
  };
  ResultTable by_count = t;
  ASSERT_TRUE(ApplyPresentation(Ordered({{"count(*)", true, true}}, std::nullopt, 0), &by_count).ok());
  EXPECT_EQ(names(by_count), (std::vector<json>{"WW", "AOW, \"old\"", nullptr, "=cmd"}));
  // Sums are decimal text, compared as numbers; the withheld one counts as NULL.
  ResultTable by_sum = t;
  ASSERT_TRUE(ApplyPresentation(Ordered({{"sum(monthly_amount)", false, false}}, 2, 1), &by_sum).ok());
  EXPECT_EQ(names(by_sum), (std::vector<json>{nullptr, "WW"}));  // 0.00, [5.00, 60.01], NULL
  ResultTable keys_desc = t;
  ASSERT_TRUE(ApplyPresentation(Ordered({{"benefit_type", true, false}}, 1, 0), &keys_desc).ok());
  EXPECT_EQ(names(keys_desc), (std::vector<json>{"WW"}));
  ResultTable past_the_end = t;
  ASSERT_TRUE(ApplyPresentation(Ordered({}, std::nullopt, 9), &past_the_end).ok());
  EXPECT_TRUE(past_the_end.rows.empty());
  EXPECT_FALSE(ApplyPresentation(Ordered({{"nothing", false, false}}, std::nullopt, 0), &t).ok());
}

TEST(Result, HavingKeepsTheRowsWhereItIsTrue) {
  ResultTable t = SampleTable();  // keys NULL, =cmd, AOW "old", WW; counts 1, 0, 2, 3
  t.rows[2].values[1].status = ValueStatus::kWithheld;  // AOW's sum
  auto kept = [&](std::string_view having) {
    auto q = ParseAnalystSql("SELECT benefit_type, count(*), sum(monthly_amount), "
                             "avg(monthly_amount) FROM b GROUP BY benefit_type HAVING " +
                             std::string(having));
    EXPECT_TRUE(q.ok()) << having << ": " << q.status().ToString();
    ResultTable copy = t;
    if (q.ok()) {
      EXPECT_TRUE(ApplyPresentation(q->presentation, &copy).ok());
    }
    std::vector<json> out;
    for (const auto& row : copy.rows) out.push_back(row.key[0]);
    return out;
  };
  EXPECT_EQ(kept("count(*) >= 2"), (std::vector<json>{"AOW, \"old\"", "WW"}));
  EXPECT_EQ(kept("sum(monthly_amount) > 1"), (std::vector<json>{nullptr, "WW"}));  // withheld: UNKNOWN
  EXPECT_EQ(kept("NOT sum(monthly_amount) > 1"), (std::vector<json>{"=cmd"}));
  EXPECT_EQ(kept("sum(monthly_amount) IS NULL"), (std::vector<json>{"AOW, \"old\""}));
  EXPECT_EQ(kept("benefit_type = 'WW' OR count(*) BETWEEN 0 AND 1"),
            (std::vector<json>{nullptr, "=cmd", "WW"}));
  EXPECT_EQ(kept("benefit_type NOT IN ('WW', '=cmd')"), (std::vector<json>{"AOW, \"old\""}));
  EXPECT_EQ(kept("avg(monthly_amount) < 6.5e0"), (std::vector<json>{nullptr}));
}

TEST(Result, DerivedColumnsAreComputedPerRowAndAskedColumnsHidden) {
  ResultTable t = SampleTable();  // counts 1, 0, 2, 3; sums 5.00, 0.00, 25.00, 60.01
  t.rows[2].values[1].status = ValueStatus::kWithheld;  // AOW's sum
  t.rows[2].values[1].value = nullptr;
  t.rows[3].values[0].status = ValueStatus::kIncomplete;  // WW's count
  auto q = ParseAnalystSql("SELECT benefit_type, round(sum(monthly_amount) / count(*), 2) AS m, "
                           "count(*) FROM b GROUP BY benefit_type ORDER BY count(*)");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  ASSERT_TRUE(ApplyPresentation(q->presentation, &t).ok());
  ASSERT_EQ(t.columns.size(), 3u);
  EXPECT_EQ(t.columns[1].name, "m");
  EXPECT_EQ(t.columns[1].function, "derived");
  EXPECT_EQ(t.columns[2].name, "count(*)");  // sum(monthly_amount) was asked, not shown
  ASSERT_EQ(t.rows.size(), 4u);
  auto row = [&](const json& key) -> const ResultRow& {
    for (const auto& r : t.rows) {
      if (r.key[0] == key) return r;
    }
    return t.rows[0];
  };
  EXPECT_EQ(row(nullptr).values[0].value, json(5));  // 5.00 / 1
  EXPECT_TRUE(row("=cmd").values[0].value.is_null());  // 0 / 0
  EXPECT_TRUE(row("AOW, \"old\"").values[0].value.is_null());
  EXPECT_EQ(row("AOW, \"old\"").values[0].status, ValueStatus::kWithheld);
  EXPECT_EQ(row("WW").values[0].value, json(20.0));  // 60.01 / 3 = 20.0033 -> 20.0
  EXPECT_EQ(row("WW").values[0].status, ValueStatus::kIncomplete);
  EXPECT_EQ(t.rows[0].key[0], json("=cmd"));  // ordered by count(*)
}

TEST(Result, JsonRendering) {
  ResultTable t = SampleTable();
  t.rows[2].values[1].status = ValueStatus::kWithheld;
  t.rows[2].values[1].value = nullptr;
  EXPECT_EQ(ResultToJson(t).dump(),
            R"j({"columns":[{"name":"benefit_type","role":"group"},)j"
            R"j({"function":"count","name":"count(*)","role":"aggregate"},)j"
            R"j({"function":"sum","name":"sum(monthly_amount)","role":"aggregate"},)j"
            R"j({"function":"avg","name":"avg(monthly_amount)","role":"aggregate"}],"rows":[)j"
            R"j({"key":[null],"status":"complete",)j"
            R"j("value_status":["complete","complete","complete"],"values":[1,"5.00",5.0]},)j"
            R"j({"key":["=cmd"],"status":"complete",)j"
            R"j("value_status":["complete","complete","complete"],"values":[0,"0.00",null]},)j"
            R"j({"key":["AOW, \"old\""],"status":"withheld",)j"
            R"j("value_status":["complete","withheld","complete"],"values":[2,null,12.5]},)j"
            R"j({"key":["WW"],"status":"complete","value_status":["complete","complete",)j"
            R"j("complete"],"values":[3,"60.01",20.003333333333334]}]})j");
}

TEST(Result, TextTable) {
  ResultTable t = SampleTable();
  t.rows[2].values[1].status = ValueStatus::kWithheld;
  EXPECT_EQ(RenderTextTable(t),
            "benefit_type | count(*) | sum(monthly_amount) | avg(monthly_amount) | status\n"
            "-------------+----------+---------------------+---------------------+---------\n"
            "NULL         |        1 | 5.00                |                 5.0 | complete\n"
            "=cmd         |        0 | 0.00                | NULL                | complete\n"
            "AOW, \"old\"   |        2 | (withheld)          |                12.5 | withheld\n"
            "WW           |        3 | 60.01               |  20.003333333333334 | complete\n"
            "(4 rows)\n");
}

TEST(Result, CsvFollowsRfc4180) {
  ResultTable t = SampleTable();
  t.rows[2].values[1].status = ValueStatus::kWithheld;
  t.rows[3].values[0].status = ValueStatus::kIncomplete;
  EXPECT_EQ(RenderCsv(t),
            "benefit_type,count(*),sum(monthly_amount),avg(monthly_amount),status\r\n"
            ",1,5.00,5.0,complete\r\n"
            "'=cmd,0,0.00,,complete\r\n"
            "\"AOW, \"\"old\"\"\",2,(withheld),12.5,withheld\r\n"
            "WW,3,60.01,20.003333333333334,incomplete\r\n");
}

}  // namespace
}  // namespace verbind::federation
