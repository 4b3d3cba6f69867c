// DecodePartialTable keeps released sums within +-2^120, so that the partials of thousands of
// untrusted nodes add up without overflow, and a merge that would overflow anyway is refused
// (found by fuzz/partial_fuzz.cc).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "federation/partial.h"

namespace verbind::federation {
namespace {

using nlohmann::json;

json SumTable(const std::string& sum) {
  return {{"items",
           json::array({{{"name", "sum(x)"},
                         {"function", "sum"},
                         {"kind", "sum"},
                         {"fields", json::array({{{"name", "x"}, {"type", "integer"},
                                                  {"scale", 0}}})}}})},
          {"cells", json::array({{{"key", json::array()}, {"values", json::array({{{"sum", sum}}})}}})},
          {"protection", {{"method", "differential_privacy"}}}};
}

TEST(PartialDecode, SumsBeyondTwoToThe120AreRefused) {
  const std::string max = "1329227995784915872903807060280344576";  // 2^120
  EXPECT_TRUE(DecodePartialTable(SumTable(max)).ok());
  EXPECT_TRUE(DecodePartialTable(SumTable("-" + max)).ok());
  auto over = DecodePartialTable(SumTable("1329227995784915872903807060280344577"));
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find(".sum"), std::string::npos) << over.status().message();
  EXPECT_FALSE(DecodePartialTable(SumTable("170141183460469231731687303715884105727")).ok());
}

TEST(PartialDecode, MergingTheLargestValidSumsStaysExactOrIsRefused) {
  auto table = DecodePartialTable(SumTable("-1329227995784915872903807060280344576"));
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  PartialTable acc;
  acc.items = table->items;
  for (int node = 0; node < 127; ++node) {
    ASSERT_TRUE(MergePartialTables(acc, *table, "node-" + std::to_string(node)).ok());
  }
  // 127 * -(2^120) fits; 128 of them reach -(2^127), the smallest 128-bit value, and the 129th
  // overflows and is refused.
  EXPECT_EQ(storage::Int128ToString(std::get<SumValue>(*acc.cells[0].values[0].value).sum),
            "-168811955464684315858783496655603761152");
  ASSERT_TRUE(MergePartialTables(acc, *table, "node-127").ok());
  EXPECT_FALSE(MergePartialTables(acc, *table, "node-128").ok());
}

}  // namespace
}  // namespace verbind::federation
