#include "federation/sql.h"

#include <gtest/gtest.h>

#include <string>

#include "federation/query_json.h"

namespace verbind::federation {
namespace {

constexpr std::string_view kExample =
    "SELECT benefit_type, count(*), avg(monthly_amount) FROM benefits WHERE birth_year < 1960 "
    "GROUP BY benefit_type";

TEST(Sql, ParsesTheDocumentedExample) {
  auto q = ParseSql(kExample);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->dataset, "benefits");
  ASSERT_EQ(q->select.size(), 3u);
  EXPECT_EQ(q->select[0].kind, SelectItem::Kind::kGroupField);
  EXPECT_EQ(q->select[0].fields, std::vector<std::string>{"benefit_type"});
  EXPECT_EQ(q->select[1].func, AggFunc::kCount);
  EXPECT_TRUE(q->select[1].fields.empty());
  EXPECT_EQ(q->select[2].func, AggFunc::kAvg);
  ASSERT_TRUE(q->where.has_value());
  EXPECT_EQ(q->where->op, FilterOp::kLt);
  EXPECT_EQ(q->where->field, "birth_year");
  EXPECT_EQ(q->where->values, std::vector<Literal>{Literal::Integer(1960)});
  EXPECT_EQ(q->group_by, std::vector<std::string>{"benefit_type"});
  EXPECT_EQ(QueryToSql(*q), kExample);
  EXPECT_EQ(QueryToJson(*q),
            R"({"dataset":"benefits","select":[{"field":"benefit_type"},{"agg":"count"},)"
            R"({"agg":"avg","field":"monthly_amount"}],"where":{"op":"<","field":"birth_year",)"
            R"("value":1960},"group_by":["benefit_type"]})");
}

struct Pair {
  std::string sql;
  std::string json;
};

std::string J(std::string_view where) {
  return R"({"dataset":"t","select":[{"agg":"count"}],"where":)" + std::string(where) + "}";
}
std::string S(std::string_view where) {
  return "SELECT count(*) FROM t WHERE " + std::string(where);
}

TEST(Sql, EveryConstructEqualsItsJsonForm) {
  const std::vector<Pair> pairs = {
      {"select COUNT(*) as N from Benefits;",
       R"({"dataset":"benefits","select":[{"agg":"count","as":"n"}]})"},
      {"SELECT count(x), sum(x), avg(x), var(x), stddev(x), min(x), max(x), median(x) FROM t",
       R"({"dataset":"t","select":[{"agg":"count","field":"x"},{"agg":"sum","field":"x"},)"
       R"({"agg":"avg","field":"x"},{"agg":"var","field":"x"},{"agg":"stddev","field":"x"},)"
       R"({"agg":"min","field":"x"},{"agg":"max","field":"x"},{"agg":"median","field":"x"}]})"},
      {"SELECT histogram(x, -1.5, 2500, 10) AS h, quantile(x, 0.25), corr(x, y), "
       "regression(y, x, z) FROM t",
       R"({"dataset":"t","select":[{"agg":"histogram","field":"x","lo":"-1.5","hi":2500,)"
       R"("bins":10,"as":"h"},{"agg":"quantile","field":"x","q":0.25},)"
       R"({"agg":"corr","fields":["x","y"]},{"agg":"regression","y":"y","x":["x","z"]}]})"},
      {"SELECT histogram(d, DATE '1950-01-01', DATE '2000-01-01', 5) FROM t",
       R"({"dataset":"t","select":[{"agg":"histogram","field":"d","lo":"1950-01-01",)"
       R"("hi":"2000-01-01","bins":5}]})"},
      {"SELECT \"a-b\", sum(\"x.y\") FROM \"my.data\" GROUP BY \"a-b\"",
       R"({"dataset":"my.data","select":[{"field":"a-b"},{"agg":"sum","field":"x.y"}],)"
       R"("group_by":["a-b"]})"},
      {"SELECT min(date), count(count) FROM t WHERE date >= DATE '2020-01-01'",
       R"({"dataset":"t","select":[{"agg":"min","field":"date"},{"agg":"count","field":"count"}],)"
       R"("where":{"op":">=","field":"date","value":"2020-01-01"}})"},
      {S("a = 1"), J(R"({"op":"=","field":"a","value":1})")},
      {S("a != -5"), J(R"({"op":"!=","field":"a","value":-5})")},
      {S("a <> 5"), J(R"({"op":"!=","field":"a","value":5})")},
      {S("a < 12.50"), J(R"({"op":"<","field":"a","value":"12.50"})")},
      {S("a <= -0.5"), J(R"({"op":"<=","field":"a","value":"-0.5"})")},
      {S("a > '12.50'"), J(R"({"op":">","field":"a","value":"12.50"})")},
      {S("a >= DATE '2024-02-29'"), J(R"({"op":">=","field":"a","value":"2024-02-29"})")},
      {S("a = '2024-02-29'"), J(R"({"op":"=","field":"a","value":"2024-02-29"})")},
      {S("r = 'It''s'"), J(R"({"op":"=","field":"r","value":"It's"})")},
      {S("b = TRUE"), J(R"({"op":"=","field":"b","value":true})")},
      {S("b = false"), J(R"({"op":"=","field":"b","value":false})")},
      {S("a = NULL"), J(R"({"op":"=","field":"a","value":null})")},
      {S("r IN ('x', 'y', NULL)"), J(R"({"op":"in","field":"r","values":["x","y",null]})")},
      {S("r NOT IN (1, 2)"), J(R"({"op":"not_in","field":"r","values":[1,2]})")},
      {S("NOT r IN (1)"), J(R"({"op":"not","arg":{"op":"in","field":"r","values":[1]}})")},
      {S("a BETWEEN 1 AND 5"), J(R"({"op":"between","field":"a","low":1,"high":5})")},
      {S("a NOT BETWEEN 1 AND 5"), J(R"({"op":"not_between","field":"a","low":1,"high":5})")},
      {S("a IS NULL"), J(R"({"op":"is_null","field":"a"})")},
      {S("a IS NOT NULL"), J(R"({"op":"is_not_null","field":"a"})")},
      {S("r LIKE 'Noord%'"), J(R"({"op":"like","field":"r","value":"Noord%"})")},
      {S("r not like '_a''s%'"), J(R"({"op":"not_like","field":"r","value":"_a's%"})")},
      {S("r ILIKE '%holland'"), J(R"({"op":"ilike","field":"r","value":"%holland"})")},
      {S("r NOT ILIKE ''"), J(R"({"op":"not_ilike","field":"r","value":""})")},
      {S("r LIKE '1.5'"), J(R"({"op":"like","field":"r","value":"1.5"})")},
      {S("r LIKE '2024-01-31'"), J(R"({"op":"like","field":"r","value":"2024-01-31"})")},
      {S("NOT r LIKE 'a%' OR (s ILIKE 'b_' AND a = 1)"),
       J(R"({"op":"or","args":[{"op":"not","arg":{"op":"like","field":"r","value":"a%"}},)"
         R"({"op":"and","args":[{"op":"ilike","field":"s","value":"b_"},)"
         R"({"op":"=","field":"a","value":1}]}]})")},
      {S("\"like\" LIKE 'x'"), J(R"({"op":"like","field":"like","value":"x"})")},
      {S("a = 1 OR b = 2 AND c = 3"),
       J(R"({"op":"or","args":[{"op":"=","field":"a","value":1},{"op":"and","args":[)"
         R"({"op":"=","field":"b","value":2},{"op":"=","field":"c","value":3}]}]})")},
      {S("NOT a = 1 AND b = 2"),
       J(R"({"op":"and","args":[{"op":"not","arg":{"op":"=","field":"a","value":1}},)"
         R"({"op":"=","field":"b","value":2}]})")},
      {S("a = 1 AND b = 2 AND c = 3"),
       J(R"({"op":"and","args":[{"op":"=","field":"a","value":1},{"op":"=","field":"b",)"
         R"("value":2},{"op":"=","field":"c","value":3}]})")},
      {S("(a = 1 AND b = 2) AND c = 3"),
       J(R"({"op":"and","args":[{"op":"and","args":[{"op":"=","field":"a","value":1},)"
         R"({"op":"=","field":"b","value":2}]},{"op":"=","field":"c","value":3}]})")},
      {S("((a = 1))"), J(R"({"op":"=","field":"a","value":1})")},
      {S("NOT NOT (a BETWEEN 1 AND 2 AND b = 1)"),
       J(R"({"op":"not","arg":{"op":"not","arg":{"op":"and","args":[{"op":"between",)"
         R"("field":"a","low":1,"high":2},{"op":"=","field":"b","value":1}]}}})")},
      {"SELECT DATE_TRUNC('Month', d), Extract(YEAR from t.d), count(*) FROM t "
       "WHERE date_part('dow', d) NOT IN (0, 6) AND date_trunc('quarter', \"e-f\") = "
       "DATE '2024-04-01' GROUP BY 1, extract(year FROM d)",
       R"j({"dataset":"t","select":[{"field":"date_trunc('month', d)"},)j"
       R"j({"field":"extract(year from d)"},{"agg":"count"}],"where":{"op":"and","args":[)j"
       R"j({"op":"not_in","field":"extract(dow from d)","values":[0,6]},)j"
       R"j({"op":"=","field":"date_trunc('quarter', e-f)","value":"2024-04-01"}]},)j"
       R"j("group_by":["date_trunc('month', d)","extract(year from d)"]})j"},
      {S("a < b"), J(R"({"op":"<","field":"a","field2":"b"})")},
      {S("t.a >= t.\"b-c\" AND NOT a <> Date"),
       J(R"({"op":"and","args":[{"op":">=","field":"a","field2":"b-c"},)"
         R"({"op":"not","arg":{"op":"!=","field":"a","field2":"date"}}]})")},
      {S("(x = \"null\") OR x <= \"1st\" OR y > date OR z = DATE '2024-01-01'"),
       J(R"({"op":"or","args":[{"op":"=","field":"x","field2":"null"},)"
         R"({"op":"<=","field":"x","field2":"1st"},{"op":">","field":"y","field2":"date"},)"
         R"({"op":"=","field":"z","value":"2024-01-01"}]})")},
      {"SELECT count(*) -- all rows\nFROM t -- the table\n;",
       R"({"dataset":"t","select":[{"agg":"count"}]})"},
  };
  for (const Pair& p : pairs) {
    auto from_sql = ParseSql(p.sql);
    ASSERT_TRUE(from_sql.ok()) << p.sql << "\n" << from_sql.status().ToString();
    auto from_json = ParseQueryJson(p.json);
    ASSERT_TRUE(from_json.ok()) << p.json << "\n" << from_json.status().ToString();
    EXPECT_EQ(*from_sql, *from_json) << p.sql;
    auto again = ParseSql(QueryToSql(*from_sql));
    ASSERT_TRUE(again.ok()) << QueryToSql(*from_sql);
    EXPECT_EQ(*again, *from_sql) << QueryToSql(*from_sql);
  }
}

TEST(Sql, RendersNamesAndLiteralsSafely) {
  auto q = ParseQueryJson(
      R"({"dataset":"2024.data","select":[{"agg":"sum","field":"select","as":"from"},)"
      R"({"agg":"quantile","field":"a-b","q":0.00001}],"where":{"op":"or","args":[)"
      R"({"op":"=","field":"r","value":"O'Brien -- x"},{"op":"not","arg":{"op":"and","args":[)"
      R"({"op":"is_null","field":"a"},{"op":"=","field":"d","value":"2024-01-31"}]}}]}})");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(QueryToSql(*q),
            "SELECT sum(\"select\") AS \"from\", quantile(\"a-b\", 0.00001) FROM \"2024.data\" "
            "WHERE r = 'O''Brien -- x' OR NOT (a IS NULL AND d = DATE '2024-01-31')");
  auto back = ParseSql(QueryToSql(*q));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, *q);
}

struct ErrorCase {
  std::string sql;
  std::string marker;  // the text the error points at; empty: the end of the input
  int occurrence;      // which occurrence of the marker (1 = first)
  std::string message;
};

size_t NthOffset(const std::string& text, const std::string& marker, int n) {
  size_t at = std::string::npos;
  for (int i = 0; i < n; ++i) {
    at = text.find(marker, at == std::string::npos ? 0 : at + 1);
  }
  return at;
}

TEST(Sql, ErrorsPointAtTheOffendingToken) {
  std::string nots;
  for (int i = 0; i < 17; ++i) {
    nots += "NOT ";
  }
  std::string in_list = "1";
  for (int i = 0; i < 1000; ++i) {
    in_list += ", 7";
  }
  const std::vector<ErrorCase> cases = {
      {"SELECT count(*), avg(x) FORM benefits", "FORM", 1, "expected FROM, found 'FORM'"},
      {"SELECT count(*) benefits", "benefits", 1, "expected FROM, found 'benefits'"},
      {"SELECT count(*) avg(x) FROM t", "avg", 1, "expected ',' or FROM, found 'avg'"},
      {"SELECT count(*)", "", 1, "expected FROM, found end of input"},
      {"SELEC count(*) FROM t", "SELEC", 1, "expected SELECT, found 'SELEC'"},
      {"SELECT count(*) FROM t WHERE (a = 1", "", 1,
       "expected ')' to close the '(' at line 1, column 30, found end of input"},
      {"SELECT count(*) FROM t WHERE (a = 1 OR (b = 2)", "", 1,
       "expected ')' to close the '(' at line 1, column 30, found end of input"},
      {"SELECT count(*) FROM t WHERE a = 1)", ")", 2,
       "expected AND, OR, GROUP BY, ';' or end of input, found ')'"},
      {"SELECT count(*) FROM t x y", "x", 1,
       "expected WHERE, GROUP BY, ';' or end of input, found 'x'"},
      {"SELECT x.g, count(*) FROM t s GROUP BY g", "x", 1,
       "unknown table x (the query reads t AS s)"},
      {"SELECT count(*), g FROM t GROUP BY 1", "1", 1,
       "GROUP BY 1 names an aggregate; group by a field"},
      {"SELECT g, count(*) FROM t GROUP BY 3", "3", 1, "GROUP BY 3: the select list has 2 items"},
      {"SELECT count(DISTINCT a) FROM t", "DISTINCT", 1,
       "DISTINCT inside an aggregate is not supported"},
      {S("a = 1e999"), "1e999", 1, "a number's exponent must be within -256 and 256"},
      {S("d = DATE '2023-02-30'"), "'2023", 1, "invalid date '2023-02-30': expected 'YYYY-MM-DD'"},
      {S("a = 12abc"), "12abc", 1,
       "malformed number (names that start with a digit must be double-quoted)"},
      {S("a = 1.2.3"), "1.2.3", 1,
       "malformed number (names that start with a digit must be double-quoted)"},
      {S("a = 'abc"), "'abc", 1, "unterminated string literal"},
      {S("a = 'ab\ncd'"), "'ab", 1, "unterminated string literal"},
      {S("a = 99999999999999999999"), "999", 1, "integer out of range"},
      {S("a = -x"), "x", 1, "expected a number after '-', found 'x'"},
      {S("a = = 1"), "=", 2,
       "expected a value (a number, 'text', DATE 'YYYY-MM-DD', TRUE, FALSE or NULL), found '='"},
      {S("a IN ()"), ")", 2, "expected a value"},
      {S("a IN (1 2)"), "2", 1, "expected ',' or ')', found '2'"},
      {S("a IN (" + in_list + ")"), "7", 1000, "an IN list holds at most 1000 values"},
      {S("a IS 5"), "5", 1, "expected NULL, found '5'"},
      {S("a NOT SIMILAR TO 'x'"), "SIMILAR", 1,
       "expected IN, BETWEEN, LIKE or ILIKE after NOT, found 'SIMILAR'"},
      {S("a LIKE 5"), "5", 1, "expected a pattern string after LIKE"},
      {S("a NOT ILIKE NULL"), "NULL", 1, "expected a pattern string after ILIKE"},
      {S("a LIKE DATE '2024-01-01'"), "DATE", 1, "expected a pattern string after LIKE"},
      {S("a LIKE 'x!%' ESCAPE '!'"), "ESCAPE", 1, "ESCAPE is not supported"},
      {S("a LIKE '" + std::string(300, 'x') + "'"), "'x", 1,
       "string literal longer than 256 bytes"},
      {S("a BETWEEN 1 OR 2"), "OR", 1, "expected AND, found 'OR'"},
      {S("5 < a"), "5", 1, "expected a field name, NOT or '(', found '5'"},
      {S("a SIMILAR TO 'x'"), "SIMILAR", 1,
       "expected a comparison (=, !=, <, <=, >, >=, IN, BETWEEN, LIKE, ILIKE or IS), found "
       "'SIMILAR'"},
      {S("a < date_trunc('month', b)"), "date_trunc", 1,
       "a comparison compares a field with a value or with another field, not with a function "
       "call"},
      {S("date_trunc('month', d) < e"), "d)", 1,
       "a comparison of two fields takes plain field names, not \"date_trunc('month', d)\""},
      {S("a < u.b"), "u.b", 1, "unknown table u (the query reads t)"},
      {S("a < b."), "", 1, "expected a field name after 'b.', found end of input"},
      {S("a IN (b)"), "b", 1, "expected a value"},
      {S("a BETWEEN b AND 5"), "b", 1, "expected a value"},
      {S("a < b c"), "c", 2, "expected AND, OR, GROUP BY, ';' or end of input, found 'c'"},
      {S("a # 1"), "#", 1, "unexpected character '#'"},
      {S(""), "", 1, "expected a field name, NOT or '(', found end of input"},
      {S(nots + "a IS NULL"), "NOT", 17, "the filter is nested deeper than 16 levels"},
      {"SELECT sum(*) FROM t", "*", 1, "'*' is allowed only in count(*)"},
      {"SELECT sum(a, b) FROM t", ",", 1, "too many arguments: expected sum(field)"},
      {"SELECT corr(a, b, c) FROM t", ",", 2, "too many arguments: expected corr(x, y)"},
      {"SELECT histogram(a, 0, 10) FROM t", ")", 1,
       "too few arguments: expected histogram(field, lo, hi, bins)"},
      {"SELECT regression(y) FROM t", ")", 1,
       "too few arguments: expected regression(y, x1, ..., x8)"},
      {"SELECT avg() FROM t", ")", 1, "too few arguments: expected avg(field)"},
      {"SELECT avg(sum(a)) FROM t", "sum", 1, "aggregate functions cannot be nested"},
      {"SELECT foo(a) FROM t", "foo", 1, "unknown aggregate function 'foo'"},
      {"SELECT count(*) FROM t WHERE count(*) > 1", "count", 2,
       "aggregate functions cannot be used in WHERE"},
      {"SELECT count(*) FROM t GROUP BY sum(a)", "sum", 1,
       "aggregate functions cannot be used in GROUP BY"},
      {"SELECT quantile(a, 1.5) FROM t", "1.5", 1, "q must be a number from 0 to 1"},
      {"SELECT quantile(a, x) FROM t", "x", 1, "q must be a number from 0 to 1"},
      {"SELECT histogram(a, 0, 10, 0) FROM t", "0", 3, "bins must be an integer from 1 to 1000"},
      {"SELECT histogram(a, TRUE, 10, 5) FROM t", "TRUE", 1,
       "a histogram bound must be a number or a date"},
      {"SELECT benefit_type, count(*) FROM benefits", "benefit_type", 1,
       "field \"benefit_type\" must appear in GROUP BY or be used in an aggregate"},
      {"SELECT count(*), count(*) FROM t", "count", 2,
       "duplicate column name \"count(*)\"; give one of them an alias"},
      {"SELECT g, count(*) AS g FROM t GROUP BY g", "count", 1, "duplicate column name \"g\""},
      {"SELECT g FROM t GROUP BY g", "g", 1, "the select list has no aggregate"},
      {"SELECT count(*) FROM t GROUP BY a, a", "a", 2, "\"a\" is grouped twice"},
      {"SELECT count(*) FROM t GROUP BY a, b, c, d, e", "e", 1, "more than 4 group-by fields"},
      {"SELECT count(*) FROM t GROUP a", "a", 1, "expected BY, found 'a'"},
      {"SELECT regression(y, x, y) FROM t", "y", 2, "regression needs distinct fields"},
      {"SELECT * FROM t", "*", 1, "SELECT * is not supported: name aggregates such as count(*)"},
      {"SELECT count(*) FROM t ORDER BY a", "ORDER", 1, "ORDER BY is not supported"},
      {"SELECT count(*) FROM t LIMIT 5", "LIMIT", 1, "LIMIT is not supported"},
      {"SELECT count(*) FROM t; x", "x", 1, "expected end of input after ';', found 'x'"},
      {"SELECT count(*) AS FROM t", "FROM", 1, "expected an alias, found 'FROM'"},
      {"SELECT g AS x, count(*) FROM t GROUP BY g", "AS", 1, "a group-by field cannot be renamed"},
      {"SELECT count(*) FROM \"Bad Name\"", "\"Bad", 1, "invalid name '\"Bad Name\"'"},
      {"SELECT count(*) FROM _t", "_t", 1, "invalid name '_t'"},
      {"SELECT count(\"abc) FROM t", "\"abc", 1, "unterminated quoted name"},
      {"SELECT count(*) FROM select", "select", 1, "expected a dataset name, found 'select'"},
      {"SELECT count(*) FROM t GROUP BY date_trunc('decade', d)", "'decade'", 1,
       "unknown unit 'decade' for date_trunc (known: day, week, month, quarter, year)"},
      {"SELECT count(*) FROM t GROUP BY date_trunc(month, d)", "month", 1,
       "expected a unit such as 'month', found 'month'"},
      {"SELECT count(*) FROM t WHERE extract(month, d) = 1", ",", 1, "expected FROM, found ','"},
      {"SELECT count(*) FROM t WHERE extract(epoch from d) = 1", "epoch", 1,
       "unknown unit 'epoch' for extract"},
      {"SELECT count(*) FROM t GROUP BY extract(year from d", "", 1,
       "expected ')', found end of input"},
  };
  for (const ErrorCase& c : cases) {
    SqlError error;
    auto q = ParseSql(c.sql, &error);
    ASSERT_FALSE(q.ok()) << c.sql;
    size_t offset = c.marker.empty() ? c.sql.size() : NthOffset(c.sql, c.marker, c.occurrence);
    ASSERT_NE(offset, std::string::npos) << c.sql;
    EXPECT_EQ(error.line, 1) << c.sql;
    EXPECT_EQ(error.column, static_cast<int>(offset) + 1) << c.sql << "\n" << error.message;
    EXPECT_EQ(error.message.substr(0, c.message.size()), c.message) << c.sql;
    std::string prefix = "line 1, column " + std::to_string(offset + 1) + ": " + error.message;
    EXPECT_EQ(q.status().message().substr(0, prefix.size()), prefix);
  }
}

// What analysts write out of habit parses to the same query as Verbind's own form.
TEST(Sql, StandardFormsMeanTheSameQuery) {
  const std::vector<std::pair<std::string, std::string>> same = {
      {"SELECT count(1) FROM t", "SELECT count(*) FROM t"},
      {"SELECT var_samp(a), stddev_samp(b), variance(c) FROM t",
       "SELECT var(a), stddev(b), var(c) FROM t"},
      {"SELECT count(*) n, avg(a) \"mean-a\" FROM t",
       "SELECT count(*) AS n, avg(a) AS \"mean-a\" FROM t"},
      {"SELECT s.g, count(*) FROM t AS s WHERE s.a > 1 GROUP BY s.g",
       "SELECT g, count(*) FROM t WHERE a > 1 GROUP BY g"},
      {"SELECT t.g, count(*) FROM t WHERE NOT t.a IS NULL GROUP BY t.g",
       "SELECT g, count(*) FROM t WHERE NOT a IS NULL GROUP BY g"},
      {"SELECT count(*) FROM t s", "SELECT count(*) FROM t"},
      {"SELECT g, h, count(*) FROM t GROUP BY 2, 1", "SELECT g, h, count(*) FROM t GROUP BY h, g"},
      {S("a > 4.5e3"), S("a > 4500")},
      {S("a > 4.5E+3"), S("a > 4500")},
      {S("a < .5"), S("a < 0.5")},
      {S("a = 1e-2"), S("a = 0.01")},
      {S("a = 12.50e1"), S("a = 125")},
      {S("a = 5."), S("a = 5")},
      {S("a BETWEEN -2.5e-1 AND 25e-1"), S("a BETWEEN -0.25 AND 2.5")},
  };
  for (const auto& [sql, canonical] : same) {
    auto a = ParseSql(sql);
    auto b = ParseSql(canonical);
    ASSERT_TRUE(a.ok()) << sql << ": " << a.status().ToString();
    ASSERT_TRUE(b.ok()) << canonical << ": " << b.status().ToString();
    EXPECT_EQ(QueryToSql(*a), QueryToSql(*b)) << sql;
    EXPECT_TRUE(*a == *b) << sql;
  }
}

TEST(Sql, OrderByLimitAndOffsetShapeOnlyTheShownResult) {
  auto a = ParseAnalystSql(
      "SELECT region, scheme, count(*) AS n, avg(amount) FROM t GROUP BY region, scheme "
      "ORDER BY n DESC, avg(amount) NULLS FIRST, 1, scheme DESC NULLS LAST LIMIT 5 OFFSET 10");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto plain = ParseSql("SELECT region, scheme, count(*) AS n, avg(amount) FROM t "
                        "GROUP BY region, scheme");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(a->query == *plain);  // peers are asked the same query
  const std::vector<SortKey> keys = {{"n", true, true},
                                     {"avg(amount)", false, true},
                                     {"region", false, false},
                                     {"scheme", true, false}};
  EXPECT_EQ(a->presentation.order_by, keys);
  EXPECT_EQ(a->presentation.limit, 5);
  EXPECT_EQ(a->presentation.offset, 10);
  auto having = ParseAnalystSql(
      "SELECT g, count(*) AS n, avg(a) FROM t GROUP BY g "
      "HAVING n >= 10 AND (avg(a) < 2.5e3 OR g IN ('x', 'y')) ORDER BY 2");
  ASSERT_TRUE(having.ok()) << having.status().ToString();
  ASSERT_TRUE(having->presentation.having.has_value());
  EXPECT_EQ(SqlFilter(*having->presentation.having),
            "n >= 10 AND (\"avg(a)\" < 2500 OR g IN ('x', 'y'))");
  auto offset_first = ParseAnalystSql("SELECT count(*) FROM t OFFSET 2 LIMIT 1");
  ASSERT_TRUE(offset_first.ok()) << offset_first.status().ToString();
  EXPECT_EQ(offset_first->presentation.limit, 1);
  EXPECT_EQ(offset_first->presentation.offset, 2);
  auto none = ParseAnalystSql("SELECT count(*) FROM t");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->presentation.empty());
  // ParseSql is the peers' language: no presentation.
  EXPECT_FALSE(ParseSql("SELECT count(*) FROM t LIMIT 1").ok());

  struct Bad {
    std::string sql, marker, message;
  };
  const std::vector<Bad> bad = {
      {"SELECT g, count(*) FROM t GROUP BY g ORDER BY x", "x",
       "ORDER BY x: no result column x (columns: g, count(*))"},
      {"SELECT g, count(*) FROM t GROUP BY g ORDER BY sum(a)", "sum",
       "ORDER BY sum(a): order by an aggregate of the select list"},
      {"SELECT g, count(*) FROM t GROUP BY g ORDER BY 3", "3",
       "ORDER BY 3: the select list has 2 items"},
      {"SELECT histogram(a, 0, 10, 2) FROM t ORDER BY 1", "1",
       "cannot order by histogram(a, 0, 10, 2): its values are not numbers"},
      {"SELECT count(*) FROM t LIMIT -1", "-", "LIMIT takes a whole number from 0 to"},
      {"SELECT count(*) FROM t LIMIT 1 LIMIT 2", "LIMIT 2",
       "the clauses come in the order GROUP BY, HAVING, ORDER BY, then LIMIT and OFFSET"},
      {"SELECT g, count(*) FROM t GROUP BY g ORDER BY g HAVING count(*) > 5", "HAVING",
       "the clauses come in the order GROUP BY, HAVING, ORDER BY"},
      {"SELECT g, count(*) FROM t GROUP BY g HAVING sum(a) > 5", "sum",
       "HAVING sum(a): test an aggregate of the select list"},
      {"SELECT g, count(*) AS n FROM t GROUP BY g HAVING n > 'many'", "'many'",
       "HAVING compares n with a number"},
      {"SELECT g, count(*) AS n FROM t GROUP BY g HAVING n = NULL", "NULL",
       "a comparison with NULL is never true"},
      {"SELECT g, count(*) FROM t GROUP BY g ORDER BY g NULLS", "", "expected FIRST or LAST"},
      {"SELECT g, count(*) FROM t GROUP BY g HAVING g NOT LIKE 'a%'", "LIKE",
       "HAVING cannot use LIKE or ILIKE: filter the rows in WHERE"},
  };
  for (const Bad& c : bad) {
    SqlError error;
    auto q = ParseAnalystSql(c.sql, &error);
    ASSERT_FALSE(q.ok()) << c.sql;
    size_t offset = c.marker.empty() ? c.sql.size() : c.sql.rfind(c.marker);
    EXPECT_EQ(error.column, static_cast<int>(offset) + 1) << c.sql << "\n" << error.message;
    EXPECT_EQ(error.message.substr(0, c.message.size()), c.message) << c.sql;
  }
}

TEST(Sql, ArithmeticOverAggregatesIsComputedFromTheReleasedValues) {
  auto a = ParseAnalystSql(
      "SELECT g, sum(a) / count(*) AS mean, round(100.0 * count(*) / 7, 1) pct, count(*), "
      "coalesce(avg(b), 0) - 1 FROM t GROUP BY g ORDER BY mean DESC");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  // Peers are asked for every aggregate once: the shown count(*), then sum(a) and avg(b).
  EXPECT_EQ(QueryToSql(a->query), "SELECT g, count(*), sum(a), avg(b) FROM t GROUP BY g");
  ASSERT_EQ(a->presentation.derived.size(), 3u);
  EXPECT_EQ(a->presentation.derived[0].name, "mean");
  EXPECT_EQ(a->presentation.derived[1].name, "pct");
  EXPECT_EQ(a->presentation.derived[2].name, "coalesce(avg(b), 0) - 1");
  EXPECT_EQ(a->presentation.shown,
            (std::vector<std::string>{"mean", "pct", "count(*)", "coalesce(avg(b), 0) - 1"}));
  EXPECT_EQ(a->presentation.order_by[0].column, "mean");
  auto aliased = ParseAnalystSql("SELECT count(*) AS n, sum(a) / count(*) FROM t");
  ASSERT_TRUE(aliased.ok()) << aliased.status().ToString();
  EXPECT_EQ(aliased->presentation.derived[0].name, "sum(a) / count(*)");  // as written
  struct Bad {
    std::string sql, marker, message;
  };
  const std::vector<Bad> bad = {
      {"SELECT a + 1 FROM t", "a", "a field in an expression must be inside an aggregate"},
      {"SELECT (count(*)) FROM t", "(", "write an aggregate without parentheses"},
      {"SELECT round(avg(a), 99) FROM t", "99", "round takes a whole number of digits"},
      {"SELECT count(*) / FROM t", "FROM", "expected a number, an aggregate"},
      {"SELECT sum(a) / count(*) AS x, avg(a) AS x FROM t", "", "duplicate column name"},
  };
  for (const Bad& c : bad) {
    SqlError error;
    auto q = ParseAnalystSql(c.sql, &error);
    ASSERT_FALSE(q.ok()) << c.sql;
    EXPECT_EQ(error.message.substr(0, c.message.size()), c.message) << c.sql << ": " << error.message;
    if (!c.marker.empty()) {
      EXPECT_EQ(error.column, static_cast<int>(c.sql.find(c.marker)) + 1) << c.sql;
    }
  }
  EXPECT_FALSE(ParseSql("SELECT sum(a) / count(*) FROM t").ok());  // not the peers' language
}

TEST(Sql, AnalystsAreToldThatEqualsNullIsNeverTrue) {
  SqlError error;
  auto q = ParseAnalystSql("SELECT count(*) FROM t WHERE a = 1 OR b = NULL", &error);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(error.column, 43);
  EXPECT_EQ(error.message, "a comparison with NULL is never true (NULL is unknown): write b IS NULL");
  EXPECT_FALSE(ParseAnalystSql("SELECT count(*) FROM t WHERE NOT b <> NULL").ok());
  EXPECT_TRUE(ParseAnalystSql("SELECT count(*) FROM t WHERE b IN (1, NULL)").ok());
  EXPECT_TRUE(ParseSql("SELECT count(*) FROM t WHERE b = NULL").ok());  // the JSON form's logic
}

TEST(Sql, AnIssueFoundLaterIsShownAtItsToken) {
  const std::string sql = "SELECT g, avg(x)\nFROM t WHERE y > 1 AND zz = 'a' GROUP BY g";
  common::Status s = LocateSqlIssue(sql, {"where.args[1].field", "unknown field \"zz\""});
  EXPECT_EQ(s.message(),
            "line 2, column 24: unknown field \"zz\"\n"
            "FROM t WHERE y > 1 AND zz = 'a' GROUP BY g\n"
            "                       ^");
  EXPECT_NE(LocateSqlIssue(sql, {"select[1].field", "x"}).message().find("line 1, column 15"),
            std::string::npos);
}

TEST(Sql, AMismatchOfTwoFieldsIsShownAtTheSecondField) {
  const std::string sql = "SELECT count(*) FROM t WHERE y > 1 AND NOT t.end_date < amount";
  common::Status s = LocateSqlIssue(
      sql, {"where.args[1].arg.field2", "cannot compare date field \"end_date\" with decimal "
                                        "field \"amount\""});
  EXPECT_EQ(s.message().substr(0, 20), "line 1, column 57: c");
  EXPECT_TRUE(ParseAnalystSql("SELECT count(*) FROM t WHERE a < b").ok());
  auto having = ParseAnalystSql("SELECT g, count(*) AS n FROM t GROUP BY g HAVING n > g");
  EXPECT_FALSE(having.ok());  // HAVING compares result columns with numbers only
}

TEST(Sql, ErrorMessageHasACaretExcerpt) {
  auto q = ParseSql("SELECT count(*), avg(x) FORM benefits");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().message(),
            "line 1, column 25: expected FROM, found 'FORM'\n"
            "SELECT count(*), avg(x) FORM benefits\n"
            "                        ^");
}

TEST(Sql, ErrorsOnLaterLinesCountLinesAndCharacters) {
  SqlError error;
  auto q = ParseSql("SELECT count(*)\r\nFROM t\nWHERE naam = 'Zürich' AND = 1", &error);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.column, 27);  // 'ü' is one character
  EXPECT_EQ(error.excerpt,
            "WHERE naam = 'Zürich' AND = 1\n"
            "                          ^\n");
}

TEST(Sql, CaretFollowsTabs) {
  SqlError error;
  ASSERT_FALSE(ParseSql("SELECT\tcount(*)\tFORM t", &error).ok());
  EXPECT_EQ(error.column, 17);
  EXPECT_EQ(error.excerpt, "SELECT\tcount(*)\tFORM t\n      \t        \t^\n");
}

TEST(Sql, LongLinesAreCutAroundTheCaret) {
  std::string values;
  for (int i = 0; i < 100; ++i) {
    values += "1, ";
  }
  std::string sql = "SELECT count(*) FROM t WHERE a IN (" + values + "!)";
  SqlError error;
  ASSERT_FALSE(ParseSql(sql, &error).ok());
  size_t newline = error.excerpt.find('\n');
  std::string text = error.excerpt.substr(0, newline);
  std::string marks = error.excerpt.substr(newline + 1);
  EXPECT_EQ(text.substr(0, 3), "...");
  EXPECT_LE(text.size(), 110u);
  size_t caret = marks.find('^');
  EXPECT_EQ(text.substr(caret, 1), "!");
}

TEST(Sql, RefusesOverlongText) {
  SqlError error;
  auto q = ParseSql(std::string(kMaxQueryTextBytes + 1, ' '), &error);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(error.line, 0);
  EXPECT_EQ(q.status().message(), "the query is longer than 65536 bytes");
}

TEST(Sql, RefusesDeepParenthesesWithoutExhaustingTheStack) {
  SqlError error;
  ASSERT_FALSE(ParseSql(S(std::string(30000, '(')), &error).ok());
  EXPECT_EQ(error.message, "the filter is nested too deeply");
  std::string deep = S(std::string(40, '(') + "a = 1" + std::string(40, ')'));
  ASSERT_FALSE(ParseSql(deep, &error).ok());
  EXPECT_EQ(error.message, "the filter is nested too deeply");
  // Redundant parentheses within the bound are fine.
  EXPECT_TRUE(ParseSql(S(std::string(20, '(') + "a = 1" + std::string(20, ')'))).ok());
}

TEST(Sql, ReservedWordsAndNames) {
  EXPECT_TRUE(IsSqlReservedWord("Select"));
  EXPECT_TRUE(IsSqlReservedWord("null"));
  EXPECT_FALSE(IsSqlReservedWord("count"));
  EXPECT_FALSE(IsSqlReservedWord("date"));
  EXPECT_EQ(SqlName("monthly_amount"), "monthly_amount");
  EXPECT_EQ(SqlName("group"), "\"group\"");
  EXPECT_EQ(SqlName("a.b"), "\"a.b\"");
  EXPECT_EQ(SqlName("1st"), "\"1st\"");
  EXPECT_EQ(SqlLiteral(Literal::Text("It's")), "'It''s'");
  EXPECT_EQ(SqlLiteral(Literal::Text("2024-01-31")), "DATE '2024-01-31'");
  EXPECT_EQ(SqlLiteral(Literal::Text("-1.50")), "-1.50");
  EXPECT_EQ(SqlLiteral(Literal::Null()), "NULL");
}

}  // namespace
}  // namespace verbind::federation
