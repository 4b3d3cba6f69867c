#include "federation/partial.h"

#include <gtest/gtest.h>

namespace verbind::federation {
namespace {

using nlohmann::json;

ItemDescriptor Item(std::string name, std::string function, std::vector<ItemField> fields) {
  ItemDescriptor d;
  d.name = std::move(name);
  d.function = std::move(function);
  d.fields = std::move(fields);
  d.kind = d.function == kKindGroup ? kKindGroup : KindOfFunction(d.function, d.fields.size());
  return d;
}

// Cells of (region, count, avg(amount) as n and centred sum, histogram of age).
PartialTable Table(std::vector<std::pair<std::string, int64_t>> cells) {
  PartialTable t;
  t.items = {Item("region", "group", {{"region", "categorical", 0}}),
             Item("count(*)", "count", {}),
             Item("avg(amount)", "avg", {{"amount", "decimal", 2}}),
             Item("h", "histogram", {{"age", "integer", 0}})};
  t.items[2].bounds = std::make_pair(int64_t{0}, int64_t{200000});
  t.items[3].lo = 0;
  t.items[3].hi = 100;
  t.items[3].bins = 2;
  for (auto& [key, n] : cells) {
    PartialCell c;
    c.key = {key};
    c.values = {PartialValue{}, PartialValue{CountValue{n}, false},
                PartialValue{MeanValue{n, Int128{n} * -1000}, false},
                PartialValue{HistogramValue{{n, -1}, 0, 2, 0}, false}};
    t.cells.push_back(c);
  }
  t.protection = {{"method", "differential_privacy"}};
  return t;
}

TEST(Partial, EncodeDecodeRoundTrip) {
  PartialTable t = Table({{"Utrecht", 12}, {"Zeeland", -2}});
  t.cells[1].values[2] = PartialValue{std::nullopt, true};
  json encoded = EncodePartialTable(t);
  EXPECT_EQ(encoded["cells"][1]["values"][2], json({{"withheld", true}}));
  EXPECT_EQ(encoded["items"][2]["bounds"], json::array({0, 200000}));
  EXPECT_EQ(encoded["cells"][0]["values"][2], json({{"n", 12}, {"sum", "-12000"}}));
  // Through text, as it travels (positive numbers come back unsigned).
  auto back = DecodePartialTable(json::parse(encoded.dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(EncodePartialTable(*back), encoded);
  EXPECT_TRUE(back->cells[1].values[2].withheld);
  EXPECT_EQ(Center(back->items[2]), 100000);
}

TEST(Partial, QuantilesTravelAsGridCountsOnly) {
  PartialTable t;
  ItemDescriptor median;
  median.name = "median(age)";
  median.function = "median";
  median.kind = kKindQuantile;
  median.fields = {{"age", "integer", 0}};
  median.q = 0.5;
  median.lo = 0;
  median.hi = 120;
  median.bins = 3;
  t.items = {median};
  t.cells = {PartialCell{{}, {PartialValue{HistogramValue{{4, -1, 7}, 0, 0, 0}, false}}}};
  t.protection = {{"method", "differential_privacy"}};
  json encoded = EncodePartialTable(t);
  EXPECT_EQ(encoded["cells"][0]["values"][0], json({{"bins", {4, -1, 7}}}));
  auto back = DecodePartialTable(json::parse(encoded.dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(EncodePartialTable(*back), encoded);
  json extra = encoded;
  extra["cells"][0]["values"][0]["nulls"] = 0;
  EXPECT_FALSE(DecodePartialTable(extra).ok());
}

TEST(Partial, DecodeRefusesBadShapes) {
  json good = EncodePartialTable(Table({{"Utrecht", 12}}));
  ASSERT_TRUE(DecodePartialTable(good).ok());
  auto bad = [&](const std::function<void(json&)>& f) {
    json j = good;
    f(j);
    return DecodePartialTable(j).ok();
  };
  EXPECT_FALSE(bad([](json& j) { j["cells"][0]["key"] = json::array(); }));
  EXPECT_FALSE(bad([](json& j) { j["cells"][0]["values"][1]["count"] = int64_t{1} << 54; }));
  EXPECT_FALSE(bad([](json& j) { j["cells"][0]["values"][1]["count"] = 1.5; }));
  EXPECT_FALSE(bad([](json& j) { j["cells"][0]["values"][2]["sum"] = "1x"; }));
  EXPECT_FALSE(bad([](json& j) { j["cells"][0]["values"][2]["m2"] = 5; }));  // not released
  EXPECT_FALSE(bad([](json& j) { j["cells"][0]["values"][3]["bins"] = {1, 2, 3}; }));
  EXPECT_FALSE(bad([](json& j) { j["cells"][0]["values"][1] = {{"withheld", false}}; }));
  EXPECT_FALSE(bad([](json& j) { j["cells"][0]["values"][1] = {{"withheld", "few"}}; }));
  EXPECT_FALSE(bad([](json& j) { j["items"][1]["kind"] = "mean"; }));
  EXPECT_FALSE(bad([](json& j) { j["items"][1]["bounds"] = {0, 1}; }));  // not a mean
  EXPECT_FALSE(bad([](json& j) { j["items"][2]["bounds"] = {5, 1}; }));
  EXPECT_FALSE(bad([](json& j) { j["extra"] = 1; }));
  EXPECT_FALSE(bad([](json& j) { j["rows_scanned"] = 1; }));  // never released
  EXPECT_FALSE(bad([](json& j) { j["cells"].push_back(j["cells"][0]); }));
  EXPECT_FALSE(bad([](json& j) { j["cells"][0]["rows"] = 12; }));
  EXPECT_FALSE(bad([](json& j) { j["items"] = json::array(); }));
  EXPECT_FALSE(bad([](json& j) { j.erase("protection"); }));
}

TEST(Partial, MergeAddsValuesAndAWithheldValueStaysWithheld) {
  PartialTable a = Table({{"Utrecht", 12}, {"Zeeland", 30}});
  PartialTable b = Table({{"Utrecht", 20}, {"Zeeland", 3}, {"Drenthe", -1}});
  b.cells[1].values[1] = PartialValue{std::nullopt, true};  // Zeeland
  PartialTable acc;
  acc.items = a.items;
  ASSERT_TRUE(MergePartialTables(acc, a, "org-a").ok());
  ASSERT_TRUE(MergePartialTables(acc, b, "org-b").ok());
  ASSERT_EQ(acc.cells.size(), 3u);
  std::map<std::string, const PartialCell*> by;
  for (const auto& c : acc.cells) by[c.key[0]] = &c;
  const PartialCell& utrecht = *by.at("Utrecht");
  EXPECT_EQ(std::get<CountValue>(*utrecht.values[1].value).count, 32);
  EXPECT_EQ(std::get<MeanValue>(*utrecht.values[2].value).n, 32);
  EXPECT_EQ(std::get<MeanValue>(*utrecht.values[2].value).sum, Int128{-32000});
  EXPECT_EQ(std::get<HistogramValue>(*utrecht.values[3].value).bins,
            (std::vector<int64_t>{32, -2}));
  EXPECT_EQ(std::get<HistogramValue>(*utrecht.values[3].value).above, 4);
  const PartialCell& zeeland = *by.at("Zeeland");
  EXPECT_TRUE(zeeland.values[1].withheld);
  EXPECT_FALSE(zeeland.values[1].value.has_value());
  EXPECT_EQ(std::get<MeanValue>(*zeeland.values[2].value).n, 33);
  // Other scales, bounds or grids do not add up.
  for (auto change : std::vector<std::function<void(PartialTable&)>>{
           [](PartialTable& t) { t.items[2].fields[0].scale = 3; },
           [](PartialTable& t) { t.items[2].bounds->second = 300000; },
           [](PartialTable& t) { t.items[3].hi = 120; }}) {
    PartialTable other = Table({{"Utrecht", 1}});
    change(other);
    EXPECT_FALSE(MergePartialTables(acc, other, "org-c").ok());
  }
}

}  // namespace
}  // namespace verbind::federation
