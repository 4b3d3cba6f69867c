// Group-by keys beyond fields in SQL and JSON: periods of dates with aliases, CASE bands.
#include <gtest/gtest.h>

#include "federation/query_json.h"
#include "federation/sql.h"

namespace verbind::federation {
namespace {

TEST(Sql, PeriodsCanBeNamedGroupedAndOrderedByTheirAlias) {
  auto a = ParseAnalystSql(
      "SELECT date_trunc('month', start_date) AS month, scheme s, count(*) AS starts FROM t "
      "GROUP BY month, s ORDER BY month DESC, s");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->query.group_by,
            (std::vector<std::string>{"date_trunc('month', start_date)", "scheme"}));
  const std::vector<std::pair<std::string, std::string>> renamed = {
      {"date_trunc('month', start_date)", "month"}, {"scheme", "s"}};
  EXPECT_EQ(a->presentation.renamed, renamed);
  ASSERT_EQ(a->presentation.order_by.size(), 2U);
  EXPECT_EQ(a->presentation.order_by[0].column, "date_trunc('month', start_date)");
  EXPECT_EQ(a->presentation.order_by[1].column, "scheme");
  // Peers are asked without the aliases; the plain SQL of the protocol has none.
  auto plain = ParseSql(
      "SELECT date_trunc('month', start_date), scheme, count(*) AS starts FROM t "
      "GROUP BY date_trunc('month', start_date), scheme");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(a->query, *plain);
  EXPECT_FALSE(ParseSql("SELECT scheme AS s, count(*) FROM t GROUP BY scheme").ok());
  // The JSON form takes the canonical text only.
  auto loose = ParseQueryJson(
      R"j({"dataset":"t","select":[{"agg":"count"}],"group_by":["date_trunc('Month', d)"]})j");
  ASSERT_FALSE(loose.ok());
  EXPECT_NE(loose.status().message().find("group_by[0]: invalid expression"), std::string::npos)
      << loose.status().ToString();
}

TEST(Sql, CaseBandsAreGroupKeys) {
  auto a = ParseAnalystSql(
      "SELECT CASE WHEN age < 18 THEN 'child' WHEN age BETWEEN 18 AND 66 THEN 'adult' "
      "ELSE 'AOW age' END AS band, count(*) FROM t GROUP BY band");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  const std::string key =
      "case when age < 18 then 'child' when age BETWEEN 18 AND 66 then 'adult' else 'AOW age' "
      "end";
  EXPECT_EQ(a->query.group_by, std::vector<std::string>{key});
  std::optional<FieldExpr> e = ParseFieldExpr(key);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->field, "age");
  ASSERT_EQ(e->bands.size(), 2U);
  EXPECT_EQ(e->bands[1].then, "adult");
  EXPECT_EQ(e->otherwise, "AOW age");
  EXPECT_EQ(FieldExprText(*e), key);
  // The JSON form carries the canonical text and reads back to the same query.
  auto again = ParseQueryJson(QueryToJson(a->query));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, a->query);
  auto sql = ParseSql(QueryToSql(a->query));
  ASSERT_TRUE(sql.ok()) << QueryToSql(a->query);
  EXPECT_EQ(*sql, a->query);
  // Periods inside WHEN, no ELSE, quotes in labels.
  auto seasons = ParseSql(
      "SELECT CASE WHEN extract(month from d) IN (6, 7, 8) THEN 'summer''s' END, count(*) "
      "FROM t GROUP BY 1");
  ASSERT_TRUE(seasons.ok()) << seasons.status().ToString();
  EXPECT_EQ(seasons->group_by[0],
            "case when extract(month from d) IN (6, 7, 8) then 'summer''s' end");
  // Not canonical, or not a CASE of one field: refused.
  EXPECT_FALSE(ParseFieldExpr("case when age < 18 then 'child' END").has_value());
  EXPECT_FALSE(ParseFieldExpr("case when age<18 then 'child' end").has_value());
  SqlError error;
  EXPECT_FALSE(ParseSql("SELECT count(*) FROM t GROUP BY CASE WHEN a < 1 THEN 'x' WHEN b > 2 "
                        "THEN 'y' END", &error).ok());
  EXPECT_EQ(error.message, "every WHEN of a CASE group key tests the same field (found a and b)");
  EXPECT_FALSE(
      ParseSql("SELECT count(*) FROM t GROUP BY CASE WHEN a < b THEN 'x' END", &error).ok());
  EXPECT_EQ(error.message, "every WHEN of a CASE group key tests the same field (found a and b)");
  std::string many = "SELECT count(*) FROM t GROUP BY CASE";
  for (int band = 0; band < 2; ++band) {
    many += " WHEN a IN (0";
    for (int v = 1; v < 600; ++v) many += ", " + std::to_string(v);
    many += ") THEN 'x'";
  }
  EXPECT_FALSE(ParseSql(many + " END", &error).ok());
  EXPECT_EQ(error.message, "the WHEN bands of a CASE have more than 256 conditions or 1000 "
                           "values together");
  EXPECT_FALSE(ParseSql("SELECT count(*) FROM t GROUP BY CASE WHEN a < 1 THEN 5 END", &error).ok());
  EXPECT_EQ(error.message, "a band's label is a string such as 'under 18', found '5'");
  EXPECT_FALSE(ParseSql("SELECT count(*) FROM t WHERE CASE WHEN a < 1 THEN 'x' END = 'x'", &error)
                   .ok());
  EXPECT_EQ(error.message, "CASE makes group-by keys; in WHERE, test the field itself");
  EXPECT_EQ(error.column, 30);
  auto where_json = ParseQueryJson(
      R"j({"dataset":"t","select":[{"agg":"count"}],"where":{"op":"=","field":"case when a < 1 then 'x' end","value":"x"}})j");
  ASSERT_FALSE(where_json.ok());
  EXPECT_NE(where_json.status().message().find("CASE makes group-by keys"), std::string::npos);
}

}  // namespace
}  // namespace verbind::federation
