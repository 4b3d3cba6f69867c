#include "federation/disclosure.h"

#include <gtest/gtest.h>

#include "federation/disclosure_test_util.h"

namespace verbind::federation {
namespace {

using nlohmann::json;
using testing::AddRecords;
using testing::Build;
using testing::Rec;

const PartialCell& CellWithKey(const PartialTable& t, const std::vector<json>& key) {
  for (const auto& c : t.cells) {
    if (c.key == key) {
      return c;
    }
  }
  ADD_FAILURE() << "no cell " << json(key).dump();
  return t.cells.front();
}

DisclosureReport Apply(PartialTable& t, DisclosureRules rules = {},
                       DisclosureOptions options = {}) {
  auto r = ApplyDisclosureControl(t, rules, options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : DisclosureReport{};
}

auto Fixed(int64_t v) {
  return [v](int) { return std::optional<int64_t>(v); };
}

TEST(Disclosure, SmallCellIsSuppressedAndFlaggedNeverDropped) {
  std::vector<Rec> recs;
  AddRecords(recs, {"AOW"}, 4, Fixed(100));
  AddRecords(recs, {"WW"}, 30, Fixed(100));
  AddRecords(recs, {"WIA"}, 25, Fixed(100));
  PartialTable t = Build({testing::GroupItem("benefit"), testing::CountItem()}, recs);
  DisclosureReport r = Apply(t);
  ASSERT_EQ(t.cells.size(), 3u);
  const PartialCell& aow = CellWithKey(t, {"AOW"});
  EXPECT_TRUE(aow.suppressed);
  EXPECT_EQ(aow.reason, "fewer than 10 records");
  EXPECT_EQ(aow.rows, 0);
  EXPECT_TRUE(aow.values.empty());
  // The total of the line (a query without GROUP BY) would give AOW back: a complement.
  EXPECT_TRUE(CellWithKey(t, {"WIA"}).suppressed);
  EXPECT_NE(CellWithKey(t, {"WIA"}).reason.find("secondary"), std::string::npos);
  EXPECT_FALSE(CellWithKey(t, {"WW"}).suppressed);
  EXPECT_EQ(r.cells_primary, 1);
  EXPECT_EQ(r.cells_secondary, 1);
  // The wire form says so.
  json j = EncodePartialTable(t);
  EXPECT_EQ(j["cells"][0]["status"], "suppressed");
  EXPECT_TRUE(j["cells"][0]["rows"].is_null());
  EXPECT_EQ(j["disclosure"]["suppressed_primary"], 1);
  EXPECT_EQ(j["disclosure"]["suppressed_secondary"], 1);
  EXPECT_EQ(j["disclosure"]["min_cell_size"], 10);
}

TEST(Disclosure, WithoutGroupByOnlyThePrimaryRule) {
  std::vector<Rec> recs;
  AddRecords(recs, {}, 9, Fixed(1));
  PartialTable t = Build({testing::CountItem()}, recs);
  Apply(t);
  EXPECT_TRUE(t.cells[0].suppressed);
  // An empty answer is suppressed too: otherwise "suppressed" would mean "1 to 9".
  PartialTable empty = Build({testing::CountItem()}, {});
  ASSERT_EQ(empty.cells.size(), 1u);
  Apply(empty);
  EXPECT_TRUE(empty.cells[0].suppressed);
  std::vector<Rec> ten;
  AddRecords(ten, {}, 10, Fixed(1));
  PartialTable ok = Build({testing::CountItem()}, ten);
  Apply(ok);
  EXPECT_FALSE(ok.cells[0].suppressed);
}

TEST(Disclosure, NullKeyedSmallCellIsSuppressed) {
  std::vector<Rec> recs;
  AddRecords(recs, {nullptr}, 2, Fixed(5));
  AddRecords(recs, {"a"}, 40, Fixed(5));
  AddRecords(recs, {"b"}, 12, Fixed(5));
  AddRecords(recs, {"c"}, 50, Fixed(5));
  PartialTable t = Build({testing::GroupItem("region"), testing::CountItem()}, recs);
  Apply(t);
  const PartialCell& null_cell = CellWithKey(t, {nullptr});
  EXPECT_TRUE(null_cell.suppressed);
  EXPECT_EQ(null_cell.reason, "fewer than 10 records");
  EXPECT_TRUE(CellWithKey(t, {"b"}).suppressed);  // the smallest other cell complements it
  EXPECT_FALSE(CellWithKey(t, {"a"}).suppressed);
  EXPECT_FALSE(CellWithKey(t, {"c"}).suppressed);
}

// A cell of 50 records with only 3 non-null incomes: the average is about 3 people.
TEST(Disclosure, NullsDoNotCountForAValue) {
  std::vector<Rec> recs;
  AddRecords(recs, {"x"}, 50,
             [](int i) { return i < 3 ? std::optional<int64_t>(1000 + i) : std::nullopt; });
  AddRecords(recs, {"y"}, 40, Fixed(2000));
  AddRecords(recs, {"z"}, 30, Fixed(3000));
  DisclosureRules rules;
  rules.missing_values_are_a_category = false;
  PartialTable t = Build({testing::GroupItem("g"), testing::CountItem(), testing::MomentsItem(),
                          testing::NonNullItem()},
                         recs);
  DisclosureReport r = Apply(t, rules);
  const PartialCell& x = CellWithKey(t, {"x"});
  ASSERT_FALSE(x.suppressed);  // 50 records: the cell itself is shown
  EXPECT_EQ(x.rows, 50);
  EXPECT_FALSE(x.values[2].state.has_value());
  EXPECT_EQ(x.values[2].suppressed, "fewer than 10 records with a value");
  EXPECT_EQ(x.values[3].suppressed, "fewer than 10 records with a value");
  ASSERT_TRUE(x.values[1].state.has_value());  // count(*) is fine
  // Complemented: the total's average minus y and z would give x's sum.
  const PartialCell& z = CellWithKey(t, {"z"});
  EXPECT_FALSE(z.suppressed);
  EXPECT_NE(z.values[2].suppressed.find("secondary"), std::string::npos);
  EXPECT_TRUE(CellWithKey(t, {"y"}).values[2].state.has_value());
  EXPECT_EQ(r.values_primary, 2);
  EXPECT_EQ(r.values_secondary, 2);
  EXPECT_EQ(r.cells_primary, 0);
}

TEST(Disclosure, FewRecordsWithoutAValueAreACategory) {
  std::vector<Rec> recs;
  AddRecords(recs, {}, 50, [](int i) { return i < 47 ? std::optional<int64_t>(i) : std::nullopt; });
  PartialTable t = Build({testing::CountItem(), testing::NonNullItem()}, recs);
  PartialTable off = t;
  Apply(t);
  EXPECT_NE(t.cells[0].values[1].suppressed.find("without a value"), std::string::npos);
  DisclosureRules rules;
  rules.missing_values_are_a_category = false;
  Apply(off, rules);
  EXPECT_TRUE(off.cells[0].values[1].state.has_value());
}

TEST(Disclosure, HistogramWithASmallBinIsSuppressedWhole) {
  std::vector<Rec> recs;
  AddRecords(recs, {}, 30, [](int i) { return std::optional<int64_t>(i < 15 ? 5 : 25); });
  PartialTable ok = Build({testing::HistogramItem(0, 40, 4)}, recs);  // bins 15, 0, 15, 0
  Apply(ok);
  ASSERT_TRUE(ok.cells[0].values[0].state.has_value());
  recs.push_back({{}, 35});  // one record alone in the last bin
  PartialTable small = Build({testing::HistogramItem(0, 40, 4)}, recs);
  Apply(small);
  EXPECT_NE(small.cells[0].values[0].suppressed.find("use wider bins"), std::string::npos);
  recs.pop_back();
  recs.push_back({{}, 99});  // one record above the range
  PartialTable tail = Build({testing::HistogramItem(0, 40, 4)}, recs);
  Apply(tail);
  EXPECT_FALSE(tail.cells[0].values[0].suppressed.empty());
  recs.pop_back();
  recs.push_back({{}, std::nullopt});  // one NULL: the nulls count is a bin as well
  PartialTable nulls = Build({testing::HistogramItem(0, 40, 4)}, recs);
  Apply(nulls);
  EXPECT_FALSE(nulls.cells[0].values[0].suppressed.empty());
}

TEST(Disclosure, MinAndMaxOnlyWhenAllowed) {
  std::vector<Rec> recs;
  AddRecords(recs, {}, 30, [](int i) { return std::optional<int64_t>(i); });
  PartialTable t = Build({testing::MinMaxItem()}, recs);
  PartialTable allowed = t;
  Apply(t);
  EXPECT_NE(t.cells[0].values[0].suppressed.find("policy allows"), std::string::npos);
  DisclosureRules rules;
  rules.release_min_max = true;
  Apply(allowed, rules);
  ASSERT_TRUE(allowed.cells[0].values[0].state.has_value());
  EXPECT_EQ(std::get<storage::MinMaxState>(*allowed.cells[0].values[0].state).max, 29);
}

TEST(Disclosure, DominanceRuleOnSums) {
  DisclosureRules rules;
  rules.dominance_n = 1;
  rules.dominance_k = 60;
  std::vector<Rec> recs;
  // Cell "big": one firm has 1000 of its 1019. The other cells are spread, and so is the
  // total (1000 of 39019), which a query without GROUP BY would release.
  AddRecords(recs, {"big"}, 20, [](int i) { return std::optional<int64_t>(i == 0 ? 1000 : 1); });
  AddRecords(recs, {"a"}, 20, Fixed(500));
  AddRecords(recs, {"b"}, 25, Fixed(400));
  AddRecords(recs, {"c"}, 30, Fixed(600));
  std::vector<ItemDescriptor> items = {testing::GroupItem("sector"), testing::CountItem(),
                                       testing::MomentsItem("sum")};
  PartialTable t = Build(items, recs, TopContributionsToTrack(rules));
  DisclosureReport r = Apply(t, rules);
  const PartialCell& big = CellWithKey(t, {"big"});
  ASSERT_FALSE(big.suppressed);
  EXPECT_NE(big.values[2].suppressed.find("dominance rule (1, 60)"), std::string::npos);
  EXPECT_EQ(r.values_dominance, 1);
  // Complement: the smallest other sum ("a"); together they pass the rule (1000 of 11019).
  EXPECT_NE(CellWithKey(t, {"a"}).values[2].suppressed.find("secondary"), std::string::npos);
  EXPECT_TRUE(CellWithKey(t, {"b"}).values[2].state.has_value());
  EXPECT_TRUE(CellWithKey(t, {"c"}).values[2].state.has_value());
  // When the total itself is dominated, its own answer withholds it: no complement needed.
  std::vector<Rec> dominated = recs;
  dominated.push_back({{"big"}, 1000000});
  PartialTable d = Build(items, dominated, TopContributionsToTrack(rules));
  DisclosureReport dr = Apply(d, rules);
  EXPECT_EQ(dr.values_primary, 1);
  EXPECT_EQ(dr.values_secondary, 0);
  // Counts are not affected by the dominance rule.
  EXPECT_TRUE(big.values[1].state.has_value());
  // Without the largest contributions the rule cannot be evaluated: refuse, table unchanged.
  PartialTable no_top = Build(items, recs, 0);
  PartialTable before = no_top;
  auto refused = ApplyDisclosureControl(no_top, rules, {});
  EXPECT_EQ(refused.status().code(), common::StatusCode::kFailedPrecondition);
  EXPECT_EQ(EncodePartialTable(no_top), EncodePartialTable(before));
  // Combined tables and noisy tables do not evaluate it (the requester inherits).
  PartialTable combined = Build(items, recs, 0);
  EXPECT_TRUE(ApplyDisclosureControl(combined, rules, {DisclosureStage::kCombined, false}).ok());
  EXPECT_FALSE(combined.disclosure["dominance"]["evaluated"].get<bool>());
}

TEST(Disclosure, DominanceTotalIsTheAbsoluteSum) {
  DisclosureRules rules;
  rules.dominance_n = 2;
  rules.dominance_k = 90;
  std::vector<Rec> recs;
  // Sum 0 from large opposite contributions: the two largest are all of it.
  AddRecords(recs, {}, 20, [](int i) { return std::optional<int64_t>(i % 2 == 0 ? 500 : -500); });
  PartialTable t = Build({testing::MomentsItem("sum")}, recs, 2);
  Apply(t, rules);
  EXPECT_NE(t.cells[0].values[0].suppressed.find("dominance"), std::string::npos);
  std::vector<Rec> spread;
  AddRecords(spread, {}, 20, Fixed(-30));  // all negative, none dominant: fine
  PartialTable s = Build({testing::MomentsItem("sum")}, spread, 2);
  Apply(s, rules);
  EXPECT_TRUE(s.cells[0].values[0].state.has_value());
}

// The lower quantile of `values` (rank floor(q (n - 1))).
int64_t TrueQuantile(std::vector<int64_t> values, double q) {
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(std::floor(q * static_cast<double>(values.size() - 1)))];
}

TEST(Disclosure, SketchesAreCoarsenedAndStillBracketTheQuantile) {
  std::vector<Rec> recs;
  std::vector<int64_t> a, b;
  for (int i = 0; i < 200; ++i) {
    int64_t va = 1000 + (i * 37) % 900, vb = 5000 + (i * 91) % 3000 + (i == 7 ? 60000 : 0);
    recs.push_back({{"a"}, va});
    recs.push_back({{"b"}, vb});
    a.push_back(va);
    b.push_back(vb);
  }
  for (double q : {0.1, 0.5, 0.9, 1.0}) {
    PartialTable t = Build({testing::GroupItem("g"), testing::SketchItem(q)}, recs);
    DisclosureReport r = Apply(t);
    EXPECT_GT(r.sketches_coarsened, 0);
    int shift = -1;
    for (const auto& [cell, truth] : {std::pair{&t.cells[0], &a}, std::pair{&t.cells[1], &b}}) {
      ASSERT_TRUE(cell->values[1].state.has_value()) << cell->values[1].suppressed;
      const auto& s = std::get<storage::SketchState>(*cell->values[1].state);
      for (const auto& [index, count] : s.buckets) {
        EXPECT_GE(count, 10);
      }
      EXPECT_TRUE(shift == -1 || shift == s.shift);  // one width per item
      shift = s.shift;
      auto bracket = s.Quantile(q);
      ASSERT_TRUE(bracket.has_value());
      int64_t truth_q = TrueQuantile(*truth, q);
      EXPECT_LE(bracket->lo, truth_q);
      EXPECT_GE(bracket->hi, truth_q);
    }
  }
}

TEST(Disclosure, SketchThatCannotBeCoarsenedIsWithheld) {
  std::vector<Rec> recs;
  // Three negative values: buckets of negative and non-negative values never merge.
  AddRecords(recs, {}, 40, [](int i) { return std::optional<int64_t>(i < 3 ? -5 : 100 + i); });
  PartialTable t = Build({testing::SketchItem(0.5)}, recs);
  Apply(t);
  EXPECT_NE(t.cells[0].values[0].suppressed.find("quantile withheld"), std::string::npos);
}

TEST(Disclosure, CombinedTablesInheritNodeSuppressions) {
  std::vector<ItemDescriptor> items = {testing::GroupItem("g"), testing::CountItem(),
                                       testing::MomentsItem()};
  std::vector<Rec> node_a, node_b;
  AddRecords(node_a, {"p"}, 3, Fixed(10));
  AddRecords(node_a, {"q"}, 30, Fixed(10));
  AddRecords(node_a, {"r"}, 20, Fixed(10));
  AddRecords(node_b, {"p"}, 45, Fixed(10));
  AddRecords(node_b, {"q"}, 40, Fixed(10));
  AddRecords(node_b, {"s"}, 2, Fixed(10));
  PartialTable a = Build(items, node_a), b = Build(items, node_b);
  Apply(a);
  Apply(b);
  auto a_wire = DecodePartialTable(EncodePartialTable(a));
  auto b_wire = DecodePartialTable(EncodePartialTable(b));
  ASSERT_TRUE(a_wire.ok() && b_wire.ok());
  PartialTable combined;
  combined.items = items;
  ASSERT_TRUE(MergePartialTables(combined, *a_wire, "node-a").ok());
  ASSERT_TRUE(MergePartialTables(combined, *b_wire, "node-b").ok());
  DisclosureReport r = Apply(combined, {}, {DisclosureStage::kCombined, false});
  // p: node-a withheld 3 records (and its complement r); node-b's 45 are shown, incomplete.
  const PartialCell& p = CellWithKey(combined, {"p"});
  EXPECT_FALSE(p.suppressed);
  EXPECT_EQ(p.rows, 45);
  ASSERT_EQ(p.withheld_by.size(), 1u);
  EXPECT_EQ(p.withheld_by[0].rfind("node-a (", 0), 0u) << p.withheld_by[0];
  // s: every node that has it withheld it.
  const PartialCell& s = CellWithKey(combined, {"s"});
  EXPECT_TRUE(s.suppressed);
  EXPECT_NE(s.reason.find("withheld by node-b"), std::string::npos);
  EXPECT_EQ(r.cells_primary, 0);
  EXPECT_EQ(r.cells_secondary, 0);   // inherited suppressions were protected by their nodes
  EXPECT_EQ(r.cells_inherited, 2);   // r (node-a) and s (node-b)
  EXPECT_EQ(r.cells_incomplete, 2);  // p and q (node-b withheld q as its complement)
  EXPECT_EQ(combined.disclosure["stage"], "combined");
}

TEST(Disclosure, KeepsReportKeysAndValidatesRules) {
  std::vector<Rec> recs;
  AddRecords(recs, {}, 20, Fixed(1));
  PartialTable t = Build({testing::CountItem()}, recs);
  t.disclosure = {{"policy", "cbs-benefits"}, {"policy_version", 3}};
  Apply(t);
  EXPECT_EQ(t.disclosure["policy"], "cbs-benefits");
  EXPECT_EQ(t.disclosure["suppressed_primary"], 0);
  for (DisclosureRules bad : {DisclosureRules{0}, DisclosureRules{10, 2, 0},
                              DisclosureRules{10, 101, 50}, DisclosureRules{10, 1, 101}}) {
    EXPECT_FALSE(ValidateDisclosureRules(bad).ok());
    EXPECT_FALSE(ApplyDisclosureControl(t, bad, {}).ok());
  }
  EXPECT_EQ(TopContributionsToTrack(DisclosureRules{10, 2, 85}), 2);
  EXPECT_EQ(TopContributionsToTrack(DisclosureRules{}), 0);
}

}  // namespace
}  // namespace verbind::federation
