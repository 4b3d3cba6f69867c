// DecodePartialTable refuses states no scan can produce, so that merging the partials of
// several untrusted nodes stays within range (found by fuzz/partial_fuzz.cc).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "federation/partial.h"

namespace verbind::federation {
namespace {

using nlohmann::json;

json SumTable(int64_t n, const std::string& sum) {
  return {{"items",
           json::array(
               {{{"name", "sum(x)"},
                 {"function", "sum"},
                 {"kind", "moments"},
                 {"fields", json::array({{{"name", "x"}, {"type", "integer"}, {"scale", 0}}})}}})},
          {"cells",
           json::array({{{"key", json::array()},
                         {"rows", n},
                         {"status", "ok"},
                         {"values",
                          json::array({{{"n", n}, {"sum", sum}, {"mean", 0.0}, {"m2", 0.0}}})}}})},
          {"disclosure", nullptr},
          {"privacy", nullptr},
          {"rows_scanned", n}};
}

TEST(PartialDecode, SumsBeyondWhatNValuesCanReachAreRefused) {
  // Two 64-bit values reach at most 2^64 in magnitude.
  EXPECT_TRUE(DecodePartialTable(SumTable(2, "18446744073709551616")).ok());
  EXPECT_TRUE(DecodePartialTable(SumTable(2, "-18446744073709551616")).ok());
  auto over = DecodePartialTable(SumTable(2, "18446744073709551617"));
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find(".sum"), std::string::npos) << over.status().message();
  // The largest 128-bit sum from one value, which would overflow when merged with itself.
  EXPECT_FALSE(DecodePartialTable(SumTable(1, "170141183460469231731687303715884105727")).ok());
  EXPECT_FALSE(DecodePartialTable(SumTable(0, "1")).ok());
}

TEST(PartialDecode, MergingTheLargestValidSumsStaysExact) {
  constexpr int64_t kN = int64_t{1} << 53;
  // The most negative sum kN values can have: kN * -(2^63) = -(2^116).
  auto table = DecodePartialTable(SumTable(kN, "-83076749736557242056487941267521536"));
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  PartialTable acc;
  acc.items = table->items;
  for (int node = 0; node < 256; ++node) {
    ASSERT_TRUE(MergePartialTables(acc, *table, "node-" + std::to_string(node)).ok());
  }
  const auto& sum = std::get<storage::SumState>(*acc.cells[0].values[0].state);
  // 256 * -(2^116) = -(2^124).
  EXPECT_EQ(storage::Int128ToString(sum.sum), "-21267647932558653966460912964485513216");
}

}  // namespace
}  // namespace verbind::federation
