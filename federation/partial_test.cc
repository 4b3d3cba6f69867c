#include "federation/partial.h"

#include <gtest/gtest.h>

namespace verbind::federation {
namespace {

using nlohmann::json;

PartialTable Table(std::vector<std::pair<std::string, int64_t>> cells) {
  PartialTable t;
  t.items = {{"region", "group", "group", {{"region", "categorical", 0}}, 0, 0, 0, 0},
             {"count(*)", "count", "count", {}, 0, 0, 0, 0},
             {"avg(amount)", "avg", "moments", {{"amount", "decimal", 2}}, 0, 0, 0, 0}};
  for (auto& [key, n] : cells) {
    PartialCell c;
    c.key = {key};
    c.rows = n;
    storage::SumState s;
    s.n = n;
    s.sum = n * 1000;
    s.mean = 1000;
    s.m2 = 0;
    c.values = {PartialValue{}, PartialValue{storage::CountState{n}, ""},
                PartialValue{storage::AggregateState(s), ""}};
    t.cells.push_back(c);
  }
  return t;
}

TEST(Partial, EncodeDecodeRoundTrip) {
  PartialTable t = Table({{"Utrecht", 12}, {"Zeeland", 11}});
  t.cells[1].suppressed = true;
  t.cells[1].reason = "fewer than 10 records";
  auto back = DecodePartialTable(EncodePartialTable(t));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(EncodePartialTable(*back), EncodePartialTable(t));
  EXPECT_TRUE(back->cells[1].suppressed);
}

TEST(Partial, DecodeRefusesBadShapes) {
  json good = EncodePartialTable(Table({{"Utrecht", 12}}));
  auto bad = [&](const std::function<void(json&)>& f) {
    json j = good;
    f(j);
    return DecodePartialTable(j).ok();
  };
  EXPECT_FALSE(bad([](json& j) { j["cells"][0]["key"] = json::array(); }));
  EXPECT_FALSE(bad([](json& j) { j["cells"][0]["values"][1]["count"] = -1; }));
  EXPECT_FALSE(bad([](json& j) { j["cells"][0]["values"][2]["sum"] = "1x"; }));
  EXPECT_FALSE(bad([](json& j) { j["cells"][0]["values"][2]["m2"] = -5; }));
  EXPECT_FALSE(bad([](json& j) { j["items"][1]["kind"] = "moments"; }));
  EXPECT_FALSE(bad([](json& j) { j["extra"] = 1; }));
  EXPECT_FALSE(bad([](json& j) { j["cells"].push_back(j["cells"][0]); }));
  EXPECT_FALSE(bad([](json& j) { j["cells"][0]["status"] = "maybe"; }));
  EXPECT_FALSE(bad([](json& j) { j["items"] = json::array(); }));
}

TEST(Partial, MergeAddsCellsAndNamesWithheldParts) {
  PartialTable a = Table({{"Utrecht", 12}, {"Zeeland", 30}});
  PartialTable b = Table({{"Utrecht", 20}, {"Zeeland", 3}, {"Drenthe", 15}});
  b.cells[1].suppressed = true;
  b.cells[1].reason = "fewer than 10 records";
  PartialTable acc;
  acc.items = a.items;
  ASSERT_TRUE(MergePartialTables(acc, a, "org-a").ok());
  ASSERT_TRUE(MergePartialTables(acc, b, "org-b").ok());
  ASSERT_EQ(acc.cells.size(), 3u);
  const PartialCell* utrecht = nullptr;
  const PartialCell* zeeland = nullptr;
  for (const auto& c : acc.cells) {
    if (c.key[0] == "Utrecht") utrecht = &c;
    if (c.key[0] == "Zeeland") zeeland = &c;
  }
  ASSERT_TRUE(utrecht && zeeland);
  EXPECT_EQ(utrecht->rows, 32);
  EXPECT_EQ(std::get<storage::CountState>(*utrecht->values[1].state).rows, 32);
  EXPECT_EQ(zeeland->rows, 30);
  EXPECT_EQ(zeeland->withheld_by, std::vector<std::string>{"org-b (fewer than 10 records)"});
  PartialTable other = Table({{"Utrecht", 1}});
  other.items[2].fields[0].scale = 3;
  EXPECT_FALSE(MergePartialTables(acc, other, "org-c").ok());
}

}  // namespace
}  // namespace verbind::federation
