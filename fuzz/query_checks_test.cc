// Round-trip properties of the query forms on random valid queries, and a short in-process
// mutation run of the fuzz entry points (their CHECKs abort this test if an invariant breaks).
#include "fuzz/query_checks.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "federation/query_json.h"
#include "federation/sql.h"

namespace verbind::federation {
namespace {

class QueryGenerator {
 public:
  explicit QueryGenerator(uint64_t seed) : rng_(seed) {}

  Query RandomQuery() {
    Query q;
    q.dataset = Name();
    size_t groups = static_cast<size_t>(Uniform(0, 3));
    while (q.group_by.size() < groups) {
      std::string g = Key();
      if (std::find(q.group_by.begin(), q.group_by.end(), g) == q.group_by.end()) {
        q.group_by.push_back(g);
      }
    }
    for (const std::string& g : q.group_by) {
      if (Chance(2)) {
        SelectItem item;
        item.kind = SelectItem::Kind::kGroupField;
        item.fields = {g};
        q.select.push_back(item);
      }
    }
    int64_t aggregates = Uniform(1, 5);
    for (int64_t i = 0; i < aggregates; ++i) {
      q.select.push_back(RandomAggregate(i));
    }
    if (!Chance(4)) {
      q.where = RandomFilter(static_cast<int>(Uniform(1, 5)));
    }
    return q;
  }

 private:
  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool Chance(int one_in) { return Uniform(1, one_in) == 1; }

  // A group key: a field, a period of it, or CASE bands of it.
  std::string Key() {
    std::string field = Name();
    switch (Uniform(0, 3)) {
      case 0: return FieldExprText({field, common::DatePart::kTruncMonth, {}, std::nullopt});
      case 1: return FieldExprText({field, common::DatePart::kIsodow, {}, std::nullopt});
      case 2: {
        FieldExpr e{field, common::DatePart::kNone, {}, std::nullopt};
        e.bands.push_back({Filter{FilterOp::kLt, field, {Literal::Integer(Uniform(-9, 9))}, {}},
                           "low"});
        e.bands.push_back({Filter{FilterOp::kIsNull, field, {}, {}}, "it's none"});
        if (Chance(2)) e.otherwise = "high";
        return FieldExprText(e);
      }
      default: return field;
    }
  }

  std::string Name() {
    static const std::vector<std::string> kNames = {"a",   "b_1", "select", "date", "count", "x.y",
                                                    "a-b", "1st", "group",  "null", "zz9"};
    return kNames[static_cast<size_t>(Uniform(0, static_cast<int64_t>(kNames.size()) - 1))];
  }

  std::vector<std::string> DistinctNames(size_t n) {
    std::vector<std::string> out;
    while (out.size() < n) {
      std::string name = Name();
      if (std::find(out.begin(), out.end(), name) == out.end()) {
        out.push_back(name);
      }
    }
    return out;
  }

  Literal RandomLiteral() {
    static const std::vector<std::string> kTexts = {
        "",      "x",         "It's",   "''",  "-- not a comment", "Zürich",
        "12.50", "-0.5",      "007.10", "12",  "2024-02-29",       "2023-02-29",
        "a\"b",  "tab\there", "DATE",   "NULL"};
    switch (Uniform(0, 4)) {
      case 0:
        return Literal::Null();
      case 1:
        return Literal::Boolean(Chance(2));
      case 2: {
        const int64_t extremes[] = {INT64_MIN, INT64_MAX, 0, -1};
        return Literal::Integer(Chance(3) ? extremes[Uniform(0, 3)] : Uniform(-1000, 1000));
      }
      default: {
        Literal v = Literal::Text(kTexts[static_cast<size_t>(Uniform(0, 15))]);
        return v;
      }
    }
  }

  SelectItem RandomAggregate(int64_t index) {
    SelectItem item;
    item.func = static_cast<AggFunc>(Uniform(0, 11));
    switch (item.func) {
      case AggFunc::kCount:
        item.fields = Chance(2) ? std::vector<std::string>{} : DistinctNames(1);
        break;
      case AggFunc::kCorr:
        item.fields = DistinctNames(2);
        break;
      case AggFunc::kRegression:
        item.fields = DistinctNames(static_cast<size_t>(Uniform(2, 9)));
        break;
      case AggFunc::kHistogram:
        item.fields = DistinctNames(1);
        item.lo = Literal::Integer(Uniform(-100, 0));
        item.hi = Chance(2) ? Literal::Text("2024-01-31") : Literal::Text("99.125");
        item.bins = static_cast<int>(Uniform(1, kMaxHistogramBins));
        break;
      case AggFunc::kQuantile:
        item.fields = DistinctNames(1);
        item.q = Chance(3) ? std::uniform_real_distribution<double>(0, 1)(rng_)
                           : static_cast<double>(Uniform(0, 1000)) / 1000;
        break;
      default:
        item.fields = DistinctNames(1);
        break;
    }
    item.alias = Chance(2) ? "c" + std::to_string(index) : "";
    return item;
  }

  Filter RandomFilter(int depth) {
    Filter f;
    if (depth > 1 && Chance(2)) {
      f.op = static_cast<FilterOp>(Uniform(0, 2));
      size_t n = f.op == FilterOp::kNot ? 1 : static_cast<size_t>(Uniform(2, 3));
      for (size_t i = 0; i < n; ++i) {
        f.args.push_back(RandomFilter(depth - 1));
      }
      return f;
    }
    f.op = static_cast<FilterOp>(Uniform(3, 18));
    f.field = Name();
    if (IsLike(f.op)) {
      Literal pattern = RandomLiteral();
      while (pattern.kind == Literal::Kind::kNull || pattern.kind == Literal::Kind::kBoolean ||
             pattern.kind == Literal::Kind::kInteger) {
        pattern = RandomLiteral();
      }
      f.values.push_back(pattern);
      return f;
    }
    if (f.op <= FilterOp::kGe && Chance(4)) {
      f.field2 = Name();  // a comparison of two fields
      return f;
    }
    size_t n = 1;
    if (f.op == FilterOp::kIn || f.op == FilterOp::kNotIn) {
      n = static_cast<size_t>(Uniform(1, 5));
    } else if (f.op == FilterOp::kBetween || f.op == FilterOp::kNotBetween) {
      n = 2;
    } else if (f.op == FilterOp::kIsNull || f.op == FilterOp::kIsNotNull) {
      n = 0;
    }
    for (size_t i = 0; i < n; ++i) {
      f.values.push_back(RandomLiteral());
    }
    return f;
  }

  std::mt19937_64 rng_;
};

TEST(QueryRoundTrip, RandomValidQueriesSurviveBothForms) {
  QueryGenerator gen(42);
  int valid = 0;
  for (int i = 0; i < 3000; ++i) {
    Query q = gen.RandomQuery();
    if (FindQueryIssue(q)) {
      continue;  // e.g. two aggregates with the same column name
    }
    ++valid;
    std::string sql = QueryToSql(q);
    auto from_sql = ParseSql(sql);
    ASSERT_TRUE(from_sql.ok()) << sql << "\n" << from_sql.status().ToString();
    ASSERT_EQ(*from_sql, q) << sql;
    std::string json = QueryToJson(q);
    auto from_json = ParseQueryJson(json);
    ASSERT_TRUE(from_json.ok()) << json << "\n" << from_json.status().ToString();
    ASSERT_EQ(*from_json, q) << json;
    ASSERT_EQ(QueryToJson(*from_json), json);
  }
  EXPECT_GT(valid, 1500);
}

// Random edits of valid inputs: most are refused, some still parse; none may crash.
std::string Mutate(std::string s, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n)(rng); };
  static const std::string kAlphabet = "'\"()[]{},;:*=<>!-.0123456789aAzZ _\\\n\t\xc3\xbc\xff";
  int edits = 1 + static_cast<int>(pick(3));
  for (int e = 0; e < edits; ++e) {
    size_t at = s.empty() ? 0 : pick(s.size() - 1);
    switch (pick(3)) {
      case 0:
        s.insert(at, 1, kAlphabet[pick(kAlphabet.size() - 1)]);
        break;
      case 1:
        if (!s.empty()) {
          s.erase(at, 1 + pick(3));
        }
        break;
      case 2:
        if (!s.empty()) {
          s[at] = kAlphabet[pick(kAlphabet.size() - 1)];
        }
        break;
      default:
        s.insert(at, s.substr(pick(s.size()), pick(8)));
        break;
    }
  }
  return s;
}

TEST(QueryFuzzEntry, SurvivesMutatedInputs) {
  QueryGenerator gen(7);
  std::mt19937_64 rng(99);
  int parsed = 0;
  for (int i = 0; i < 400; ++i) {
    Query q = gen.RandomQuery();
    if (FindQueryIssue(q)) {
      continue;
    }
    std::string sql = QueryToSql(q);
    std::string json = QueryToJson(q);
    for (int m = 0; m < 40; ++m) {
      std::string bad_sql = Mutate(sql, rng);
      std::string bad_json = Mutate(json, rng);
      fuzz::FuzzParseSql(reinterpret_cast<const uint8_t*>(bad_sql.data()), bad_sql.size());
      fuzz::FuzzParseQueryJson(reinterpret_cast<const uint8_t*>(bad_json.data()), bad_json.size());
      parsed += ParseSql(bad_sql).ok() ? 1 : 0;
    }
  }
  EXPECT_GT(parsed, 100);  // the invariants were exercised on accepted inputs too
  // The analysts' SQL, mutated.
  const std::vector<std::string> analyst = {
      "SELECT g, round(100.0 * count(*) / 7, 1) AS pct, sum(a) / count(*) m FROM t s "
      "WHERE s.b > 4.5e3 GROUP BY 1 HAVING m >= 2 AND NOT pct IS NULL ORDER BY pct DESC "
      "NULLS LAST, 2 LIMIT 5 OFFSET 1",
      "SELECT coalesce(avg(x), -abs(var_samp(y))) - (count(1) + .5) FROM t ORDER BY 1",
      "SELECT g, count(*) FROM t WHERE g LIKE 'a%' OR NOT (h NOT ILIKE '_b''c%') GROUP BY g "
      "ORDER BY 2",
      "SELECT date_trunc('month', d) AS m, CASE WHEN a < 18 THEN 'child' WHEN a BETWEEN 18 AND "
      "66 OR a IS NULL THEN 'adult' ELSE 'old' END band, count(*) FROM t WHERE "
      "extract(isodow from d) <= 5 AND d >= DATE '2024-01-01' GROUP BY m, band ORDER BY m DESC",
  };
  int analyst_parsed = 0;
  for (const std::string& sql : analyst) {
    ASSERT_TRUE(ParseAnalystSql(sql).ok()) << sql << ": " << ParseAnalystSql(sql).status().ToString();
    for (int m = 0; m < 2000; ++m) {
      std::string bad = Mutate(sql, rng);
      fuzz::FuzzParseSql(reinterpret_cast<const uint8_t*>(bad.data()), bad.size());
      analyst_parsed += ParseAnalystSql(bad).ok() ? 1 : 0;
    }
  }
  EXPECT_GT(analyst_parsed, 50);
  EXPECT_EQ(fuzz::FuzzParseSql(nullptr, 0), 0);
  EXPECT_EQ(fuzz::FuzzParseQueryJson(nullptr, 0), 0);
}

}  // namespace
}  // namespace verbind::federation
