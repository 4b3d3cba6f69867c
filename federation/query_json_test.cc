#include "federation/query_json.h"

#include <gtest/gtest.h>

#include <string>

namespace verbind::federation {
namespace {

// The error message of parsing `json`, or "OK".
std::string ErrorOf(std::string_view json) {
  auto q = ParseQueryJson(json);
  return q.ok() ? "OK" : q.status().message();
}

constexpr std::string_view kRich =
    R"({"dataset":"benefits","select":[)"
    R"({"field":"benefit_type"},{"agg":"count"},{"agg":"count","field":"birth_year","as":"known"},)"
    R"({"agg":"sum","field":"monthly_amount"},{"agg":"avg","field":"monthly_amount"},)"
    R"({"agg":"var","field":"monthly_amount"},{"agg":"stddev","field":"monthly_amount"},)"
    R"({"agg":"min","field":"birth_date"},{"agg":"max","field":"birth_date"},)"
    R"({"agg":"histogram","field":"monthly_amount","lo":"0.00","hi":2500,"bins":10},)"
    R"({"agg":"quantile","field":"monthly_amount","q":0.9},{"agg":"median","field":"birth_year"},)"
    R"({"agg":"corr","fields":["birth_year","monthly_amount"]},)"
    R"({"agg":"regression","y":"monthly_amount","x":["birth_year","household_size"],"as":"fit"}],)"
    R"("where":{"op":"and","args":[{"op":"<","field":"birth_year","value":1960},)"
    R"({"op":"not","arg":{"op":"in","field":"region","values":["north","It's",null]}},)"
    R"({"op":"or","args":[{"op":"between","field":"birth_date","low":"1950-01-01","high":"1959-12-31"},)"
    R"({"op":"not_between","field":"monthly_amount","low":"-1.5","high":12},)"
    R"({"op":"is_null","field":"region"},{"op":"is_not_null","field":"active"},)"
    R"({"op":"=","field":"active","value":true},{"op":"!=","field":"region","value":"south"},)"
    R"({"op":"<=","field":"birth_year","value":-3},{"op":">","field":"birth_year","value":0},)"
    R"({"op":">=","field":"monthly_amount","value":"12.50"},)"
    R"({"op":"not_in","field":"birth_year","values":[1,2]},)"
    R"({"op":"like","field":"region","value":"n%"},{"op":"not_like","field":"region","value":"_"},)"
    R"({"op":"ilike","field":"region","value":"%TH"},)"
    R"({"op":"not_ilike","field":"region","value":"2024-01-01"}]}]},"group_by":["benefit_type"]})";

TEST(QueryJson, CanonicalFormIsAFixedPoint) {
  auto q = ParseQueryJson(kRich);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(QueryToJson(*q), kRich);
  auto again = ParseQueryJson(QueryToJson(*q));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *q);
}

TEST(QueryJson, ParsesEveryAggregate) {
  auto q = ParseQueryJson(kRich);
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->select.size(), 14u);
  EXPECT_EQ(q->select[0].kind, SelectItem::Kind::kGroupField);
  EXPECT_TRUE(q->select[1].fields.empty());
  EXPECT_EQ(q->select[2].alias, "known");
  const SelectItem& h = q->select[9];
  EXPECT_EQ(h.func, AggFunc::kHistogram);
  EXPECT_EQ(h.lo, Literal::Text("0.00"));
  EXPECT_EQ(h.hi, Literal::Integer(2500));
  EXPECT_EQ(h.bins, 10);
  EXPECT_EQ(q->select[10].q, 0.9);
  EXPECT_EQ(q->select[11].func, AggFunc::kMedian);
  EXPECT_EQ(q->select[12].fields, (std::vector<std::string>{"birth_year", "monthly_amount"}));
  EXPECT_EQ(q->select[13].fields,
            (std::vector<std::string>{"monthly_amount", "birth_year", "household_size"}));
  EXPECT_EQ(q->group_by, std::vector<std::string>{"benefit_type"});
}

TEST(QueryJson, AcceptsAnyKeyOrderAndSpacing) {
  auto q = ParseQueryJson(R"( { "group_by" : [ "g" ] , "select" : [ { "as" : "n" ,
      "agg" : "count" } , { "field" : "g" } ] , "dataset" : "d" } )");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(QueryToJson(*q), R"({"dataset":"d","select":[{"agg":"count","as":"n"},{"field":"g"}],)"
                             R"("group_by":["g"]})");
}

TEST(QueryJson, LiteralsAreClassifiedByText) {
  auto q = ParseQueryJson(R"({"dataset":"d","select":[{"agg":"count"}],"where":{"op":"in",)"
                          R"("field":"f","values":["12.50","2024-02-29","2023-02-29","12",)"
                          R"("-0.5",true,false,null,-7]}})");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  const auto& v = q->where->values;
  ASSERT_EQ(v.size(), 9u);
  EXPECT_EQ(v[0].kind, Literal::Kind::kDecimal);
  EXPECT_EQ(v[0].text, "12.50");
  EXPECT_EQ(v[1].kind, Literal::Kind::kDate);
  EXPECT_EQ(v[2].kind, Literal::Kind::kString);  // not a real date
  EXPECT_EQ(v[3].kind, Literal::Kind::kString);
  EXPECT_EQ(v[4].kind, Literal::Kind::kDecimal);
  EXPECT_EQ(v[5], Literal::Boolean(true));
  EXPECT_EQ(v[6], Literal::Boolean(false));
  EXPECT_EQ(v[7], Literal::Null());
  EXPECT_EQ(v[8], Literal::Integer(-7));
}

TEST(QueryJson, NumbersConvertByTheirShortestText) {
  auto value_of = [](std::string_view number) -> std::string {
    auto q = ParseQueryJson(R"({"dataset":"d","select":[{"agg":"count"}],"where":)"
                            R"({"op":"=","field":"f","value":)" +
                            std::string(number) + "}}");
    if (!q.ok()) {
      return q.status().message();
    }
    const Literal& v = q->where->values[0];
    return v.kind == Literal::Kind::kInteger ? "int " + std::to_string(v.integer)
                                             : "text " + v.text;
  };
  EXPECT_EQ(value_of("12.50"), "text 12.5");
  EXPECT_EQ(value_of("0.1"), "text 0.1");
  EXPECT_EQ(value_of("1e3"), "int 1000");
  EXPECT_EQ(value_of("1.0"), "int 1");
  EXPECT_EQ(value_of("-0.0"), "int 0");
  EXPECT_EQ(value_of("1.5e-3"), "text 0.0015");
  EXPECT_EQ(value_of("9223372036854775807"), "int 9223372036854775807");
  EXPECT_EQ(value_of("-9223372036854775808"), "int -9223372036854775808");
  EXPECT_EQ(value_of("9223372036854775808"), "where.value: integer out of range");
  EXPECT_EQ(value_of("1e30"), "where.value: number out of range");
  EXPECT_EQ(value_of("1e-300"), "where.value: number has too many digits; write it as a string");
}

TEST(QueryJson, QuantileZeroHasNoSign) {
  auto q = ParseQueryJson(R"({"dataset":"d","select":[{"agg":"quantile","field":"f","q":-0.0}]})");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_FALSE(std::signbit(q->select[0].q));
  EXPECT_EQ(QueryToJson(*q),
            R"({"dataset":"d","select":[{"agg":"quantile","field":"f","q":0.0}]})");
}

TEST(QueryJson, FromAParsedValue) {
  auto q = QueryFromJsonValue(nlohmann::json::parse(kRich));
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(QueryToJson(*q), kRich);
  EXPECT_FALSE(QueryFromJsonValue(nlohmann::json::array()).ok());
}

struct ErrorCase {
  std::string json;
  std::string error;
};

std::string WithSelect(std::string_view items) {
  return R"({"dataset":"d","select":[)" + std::string(items) + "]}";
}
std::string WithWhere(std::string_view where) {
  return R"({"dataset":"d","select":[{"agg":"count"}],"where":)" + std::string(where) + "}";
}
std::string Repeat(std::string_view s, int n, std::string_view sep = ",") {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += (i > 0 ? std::string(sep) : "") + std::string(s);
  }
  return out;
}

TEST(QueryJson, RefusesMalformedQueriesWithAPath) {
  const std::vector<ErrorCase> cases = {
      {"{", "the query is not valid JSON: parse error at line 1, column 2"},
      {"[]", "a query is a JSON object"},
      {R"({"dataset":"d","select":[{"agg":"count"}],"colour":1})", "colour: unknown key"},
      {R"({"dataset":"d","dataset":"e","select":[{"agg":"count"}]})",
       "the query: duplicate key \"dataset\""},
      {R"({"select":[{"agg":"count"}]})", "dataset: missing"},
      {R"({"dataset":5,"select":[{"agg":"count"}]})", "dataset: expected a name (a string)"},
      {R"({"dataset":"Ben efits","select":[{"agg":"count"}]})", "dataset: invalid name"},
      {R"({"dataset":"d"})", "select: missing"},
      {WithSelect(""), "select: expected an array of 1 to 32 select items"},
      {WithSelect(Repeat(R"({"agg":"count"})", 33)), "select: expected an array of 1 to 32"},
      {WithSelect("5"), "select[0]: expected an object"},
      {WithSelect(R"({"agg":"total","field":"f"})"), "select[0].agg: unknown aggregate"},
      {WithSelect(R"({"agg":7})"), "select[0].agg: unknown aggregate"},
      {WithSelect(R"({"as":"x"})"), "select[0]: expected \"agg\""},
      {WithSelect(R"({"agg":"sum","fields":["f"]})"), "select[0].fields: unknown key"},
      {WithSelect(R"({"agg":"sum"})"), "select[0].field: missing"},
      {WithSelect(R"({"agg":"count"},{"agg":"sum","field":["f"]})"),
       "select[1].field: expected a name (a string)"},
      {WithSelect(R"({"agg":"corr","fields":["a","b","c"]})"),
       "select[0].fields: expected an array of 2 to 2 names"},
      {WithSelect(R"({"agg":"corr","fields":["a","a"]})"),
       "select[0].fields[1]: corr needs distinct fields"},
      {WithSelect(R"({"agg":"regression","y":"y","x":[]})"),
       "select[0].x: expected an array of 1 to 8 names"},
      {WithSelect(R"({"agg":"regression","y":"y","x":["a","b","c","d","e","f","g","h","i"]})"),
       "select[0].x: expected an array of 1 to 8 names"},
      {WithSelect(R"({"agg":"regression","y":"y","x":["a","y"]})"),
       "select[0].x[1]: regression needs distinct fields"},
      {WithSelect(R"({"agg":"histogram","field":"f","lo":0,"hi":10,"bins":0})"),
       "select[0].bins: expected an integer from 1 to 1000"},
      {WithSelect(R"({"agg":"histogram","field":"f","lo":0,"hi":10,"bins":1001})"),
       "select[0].bins: expected an integer from 1 to 1000"},
      {WithSelect(R"({"agg":"histogram","field":"f","lo":0,"hi":10,"bins":"10"})"),
       "select[0].bins: expected an integer"},
      {WithSelect(R"({"agg":"histogram","field":"f","hi":10,"bins":10})"), "select[0].lo: missing"},
      {WithSelect(R"({"agg":"histogram","field":"f","lo":true,"hi":10,"bins":10})"),
       "select[0].lo: a histogram bound must be a number or a date"},
      {WithSelect(R"({"agg":"histogram","field":"f","lo":0,"hi":[1],"bins":10})"),
       "select[0].hi: expected a value"},
      {WithSelect(R"({"agg":"quantile","field":"f","q":1.5})"),
       "select[0].q: expected a number from 0 to 1"},
      {WithSelect(R"({"agg":"quantile","field":"f","q":"0.5"})"),
       "select[0].q: expected a number from 0 to 1"},
      {WithSelect(R"({"agg":"quantile","field":"f"})"), "select[0].q: missing"},
      {WithSelect(R"({"agg":"median","field":"f","q":0.5})"), "select[0].q: unknown key"},
      {WithSelect(R"({"agg":"count","as":"Total"})"), "select[0].as: invalid name"},
      {WithSelect(R"({"field":"g","as":"x"})"), "select[0].as: unknown key"},
      {WithSelect(R"({"agg":"count"},{"field":"g"})"),
       "select[1]: field \"g\" must appear in GROUP BY or be used in an aggregate"},
      {R"({"dataset":"d","select":[{"field":"g"}],"group_by":["g"]})",
       "select: the select list has no aggregate"},
      {WithSelect(R"({"agg":"count"},{"agg":"count"})"),
       "select[1]: duplicate column name \"count(*)\"; give one of them an alias"},
      {R"({"dataset":"d","select":[{"agg":"count","as":"g"}],"group_by":["g"]})",
       "select[0]: duplicate column name \"g\""},
      {WithWhere("null"), "where: expected a filter object"},
      {WithWhere("[]"), "where: expected a filter object"},
      {WithWhere(R"({"op":"likes","field":"f","value":"x"})"),
       "where.op: expected an operator (and, or, not, =, !=, <, <=, >, >=, in, not_in, between, "
       "not_between, is_null, is_not_null, like, not_like, ilike, not_ilike)"},
      {WithWhere(R"({"op":"like","field":"f","value":1})"),
       "where.value: like takes a pattern string"},
      {WithWhere(R"({"op":"not_ilike","field":"f","value":null})"),
       "where.value: not_ilike takes a pattern string"},
      {WithWhere(R"({"op":"ilike","field":"f","value":true})"),
       "where.value: ilike takes a pattern string"},
      {WithWhere(R"({"op":"like","field":"f","values":["x"]})"), "where.values: unknown key"},
      {WithWhere(R"({"op":"not_like","field":"f","value":")" + std::string(257, '%') + "\"}"),
       "where.value: a literal is longer than 256 bytes"},
      {WithWhere(R"({"field":"f","value":1})"), "where.op: expected an operator"},
      {WithWhere(R"({"op":"and","args":[{"op":"is_null","field":"f"}]})"),
       "where.args: expected an array of two or more filters"},
      {WithWhere(R"({"op":"or","args":{}})"), "where.args: expected an array of two or more"},
      {WithWhere(R"({"op":"not"})"), "where.arg: missing"},
      {WithWhere(R"({"op":"not","args":[]})"), "where.args: unknown key"},
      {WithWhere(R"({"op":"=","field":"f"})"), "where.value: missing"},
      {WithWhere(R"({"op":"=","field":"f","values":[1]})"), "where.values: unknown key"},
      {WithWhere(R"({"op":"=","value":1})"), "where.field: missing"},
      {WithWhere(R"({"op":"=","field":"F","value":1})"), "where.field: invalid name"},
      {WithWhere(R"({"op":"in","field":"f","values":[]})"),
       "where.values: expected an array of 1 to 1000 values"},
      {WithWhere(R"({"op":"in","field":"f","values":[)" + Repeat("1", 1001) + "]}"),
       "where.values: expected an array of 1 to 1000 values"},
      {WithWhere(R"({"op":"in","field":"f","values":5})"), "where.values: expected an array"},
      {WithWhere(R"({"op":"between","field":"f","low":1})"), "where.high: missing"},
      {WithWhere(R"({"op":"<","field":"f","field2":"g","value":1})"),
       "where: a comparison takes \"value\" or \"field2\", not both"},
      {WithWhere(R"({"op":"in","field":"f","field2":"g"})"), "where.field2: unknown key"},
      {WithWhere(R"({"op":"between","field":"f","field2":"g","low":1,"high":2})"),
       "where.field2: unknown key"},
      {WithWhere(R"({"op":"is_null","field":"f","field2":"g"})"), "where.field2: unknown key"},
      {WithWhere(R"({"op":"<","field":"f","field2":"G"})"), "where.field2: invalid name"},
      {WithWhere(R"({"op":"<","field":"f","field2":5})"),
       "where.field2: expected a name (a string)"},
      {WithWhere(R"j({"op":"<","field":"f","field2":"extract(year from d)"})j"),
       "where.field2: invalid name"},
      {WithWhere(R"j({"op":"<","field":"extract(year from d)","field2":"g"})j"),
       "where.field: a comparison of two fields takes plain field names, not "
       "\"extract(year from d)\""},
      {WithWhere(R"({"op":"is_null","field":"f","value":1})"), "where.value: unknown key"},
      {WithWhere(R"({"op":"and","args":[{"op":"is_null","field":"f"},)"
                 R"({"op":"=","field":"f","value":{}}]})"),
       "where.args[1].value: expected a value (a number, string, boolean or null)"},
      {WithWhere(R"({"op":"=","field":"f","value":")" + std::string(257, 'x') + "\"}"),
       "where.value: a literal is longer than 256 bytes"},
      {WithWhere(R"({"op":"=","field":"f","value":"a\nb"})"),
       "where.value: a string contains a control character"},
      {WithWhere(R"({"op":"=","field":"f","value":18446744073709551615})"),
       "where.value: integer out of range"},
      {WithWhere(R"({"op":"=","field":"f","value":"\xff"})"), "the query is not valid JSON"},
      {WithWhere(Repeat(R"({"op":"not","arg":)", 16, "") + R"({"op":"is_null","field":"f"})" +
                 std::string(16, '}')),
       "where.arg.arg.arg.arg.arg.arg.arg.arg.arg.arg.arg.arg.arg.arg.arg.arg: the filter is "
       "nested deeper than 16 levels"},
      {WithWhere(R"({"op":"or","args":[)" + Repeat(R"({"op":"is_null","field":"f"})", 256) + "]}"),
       "where.args[255]: the filter has more than 256 nodes"},
      {R"({"dataset":"d","select":[{"agg":"count"}],"group_by":"g"})",
       "group_by: expected an array of 0 to 4 names"},
      {R"({"dataset":"d","select":[{"agg":"count"}],"group_by":["a","b","c","d","e"]})",
       "group_by: expected an array of 0 to 4 names"},
      {R"({"dataset":"d","select":[{"agg":"count"}],"group_by":["a","a"]})",
       "group_by[1]: \"a\" is grouped twice"},
      {std::string(10000, '['), "the query nests objects and arrays too deeply"},
      {WithSelect(R"({"agg":"count","as":")" + std::string(70000, 'a') + "\"}"),
       "the query is longer than 65536 bytes"},
      // 60 KiB of JSON whose SQL form (quotes doubled) passes the limit.
      {WithWhere(R"({"op":"in","field":"f","values":[)" +
                 Repeat("\"" + std::string(58, '\'') + "\"", 1000) + "]}"),
       "the query is too large: its SQL or JSON form exceeds 65536 bytes"},
  };
  for (const ErrorCase& c : cases) {
    std::string error = ErrorOf(c.json);
    EXPECT_EQ(error.substr(0, c.error.size()), c.error) << c.json.substr(0, 200);
  }
}

TEST(QueryJson, ComparisonsOfTwoFieldsNameTheSecondField) {
  const std::string json =
      R"({"dataset":"d","select":[{"agg":"count"}],"where":{"op":"not","arg":)"
      R"({"op":">=","field":"paid_amount","field2":"due_amount"}}})";
  auto q = ParseQueryJson(json);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  const Filter& f = q->where->args[0];
  EXPECT_EQ(f.op, FilterOp::kGe);
  EXPECT_EQ(f.field, "paid_amount");
  EXPECT_EQ(f.field2, "due_amount");
  EXPECT_TRUE(f.values.empty());
  EXPECT_EQ(QueryToJson(*q), json);
  EXPECT_EQ(DescribeQuery(*q).filter_fields,
            (std::vector<std::string>{"due_amount", "paid_amount"}));
  // The model refuses a second field where it means nothing.
  Filter bad = f;
  bad.op = FilterOp::kIn;
  EXPECT_EQ(FindFilterNodeIssue(bad)->path, "field2");
  bad = f;
  bad.values = {Literal::Integer(1)};
  EXPECT_EQ(FindFilterNodeIssue(bad)->message,
            "a comparison takes a value or a second field, not both");
  Filter logical;
  logical.op = FilterOp::kNot;
  logical.args = {f};
  logical.field2 = "x";
  EXPECT_EQ(FindFilterNodeIssue(logical)->message, "and/or/not take no field or values");
}

TEST(QueryJson, LimitsAreInclusive) {
  EXPECT_EQ(ErrorOf(WithSelect(Repeat(R"({"agg":"count","field":"f"})", 1) + "," +
                               Repeat(R"({"agg":"count"})", 1))),
            "OK");
  EXPECT_EQ(ErrorOf(WithWhere(R"({"op":"in","field":"f","values":[)" + Repeat("1", 1000) + "]}")),
            "OK");
  EXPECT_EQ(ErrorOf(WithWhere(Repeat(R"({"op":"not","arg":)", 15, "") +
                              R"({"op":"is_null","field":"f"})" + std::string(15, '}'))),
            "OK");
  EXPECT_EQ(ErrorOf(WithWhere(R"({"op":"or","args":[)" +
                              Repeat(R"({"op":"is_null","field":"f"})", 255) + "]}")),
            "OK");
  EXPECT_EQ(
      ErrorOf(WithWhere(R"({"op":"=","field":"f","value":")" + std::string(256, 'x') + "\"}")),
      "OK");
}

}  // namespace
}  // namespace verbind::federation
