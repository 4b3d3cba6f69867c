#include <gtest/gtest.h>

#include "config/policy.h"

namespace verbind::config {
namespace {

const char* kPolicy = R"toml(
id = "cbs-benefits"
description = "Benefit statistics for the statistics office"
dataset = "benefits"
grantees = ["cbs", "group:statistics"]
purposes = ["pa-armoedemonitor"]
legal_bases = ["AVG art. 6(1)(e)"]
valid_from = 2026-01-01
valid_until = "2027-01-01T00:00:00Z"
group_by = ["benefit_type", "region"]
filter_fields = ["birth_year"]
min_cell_size = 15
max_cells = 200
rate_limit_per_hour = 100
epsilon_per_query = 0.25

[[allow]]
aggregates = ["count"]

[[allow]]
aggregates = ["sum", "avg"]
fields = ["monthly_amount"]
)toml";

TEST(PolicyFile, ParsesEveryKeyAndRoundTrips) {
  auto p = ParsePolicyToml(kPolicy, "cbs.toml");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->id, "cbs-benefits");
  EXPECT_EQ(p->grantees[1], "group:statistics");
  EXPECT_EQ(p->min_cell_size, 15);
  EXPECT_EQ(p->epsilon_per_query_micro, 250000);
  ASSERT_TRUE(p->valid_from_ms && p->valid_until_ms);
  EXPECT_LT(*p->valid_from_ms, *p->valid_until_ms);
  ASSERT_EQ(p->allow.size(), 2u);
  EXPECT_EQ(p->allow[1].fields[0], "monthly_amount");
  auto back = PolicyFromJson(PolicyToJson(*p));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(PolicyToJson(*back), PolicyToJson(*p));
}

TEST(PolicyFile, TyposGiveFileAndLine) {
  std::string typo = kPolicy;
  typo.replace(typo.find("min_cell_size"), 13, "min_cel_size");
  auto p = ParsePolicyToml(typo, "cbs.toml");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("cbs.toml:12: unknown key min_cel_size"), std::string::npos)
      << p.status().message();
}

TEST(PolicyFile, RefusesBadValues) {
  auto bad = [](const std::string& from, const std::string& to) {
    std::string s = kPolicy;
    s.replace(s.find(from), from.size(), to);
    return ParsePolicyToml(s, "p.toml");
  };
  EXPECT_FALSE(bad("min_cell_size = 15", "min_cell_size = 0").ok());
  EXPECT_FALSE(bad("min_cell_size = 15", "min_cell_size = \"15\"").ok());
  EXPECT_FALSE(bad("aggregates = [\"count\"]", "aggregates = [\"mode\"]").ok());
  EXPECT_FALSE(bad("grantees = [\"cbs\", \"group:statistics\"]", "grantees = []").ok());
  EXPECT_FALSE(bad("epsilon_per_query = 0.25", "epsilon_per_query = 500").ok());
  EXPECT_FALSE(bad("epsilon_per_query = 0.25", "epsilon_per_query = 0.0000001").ok());
  EXPECT_FALSE(bad("epsilon_per_query = 0.25", "epsilon_per_query = \"0.25\"").ok());
  EXPECT_EQ(bad("epsilon_per_query = 0.25", "epsilon_per_query = 2")->epsilon_per_query_micro,
            2000000);
  EXPECT_FALSE(bad("valid_until = \"2027-01-01T00:00:00Z\"", "valid_until = 2025-01-01").ok());
  auto no_allow = ParsePolicyToml(
      "id = \"x\"\ndataset = \"d\"\ngrantees = [\"a\"]\npurposes = [\"p\"]\n"
      "legal_bases = [\"l\"]\n",
      "p.toml");
  ASSERT_FALSE(no_allow.ok());
  EXPECT_NE(no_allow.status().message().find("[[allow]]"), std::string::npos);
  EXPECT_FALSE(ParsePolicyToml("id = ", "p.toml").ok());
}

TEST(PolicyFile, RetiredKeysAndMinMaxAreRefusedWithWhatReplacesThem) {
  auto with = [](const std::string& extra) {
    return ParsePolicyToml(std::string(kPolicy) + extra, "p.toml");
  };
  auto dp = with("\n[differential_privacy]\nepsilon_per_query = 0.5\nbudget = 10\n");
  ASSERT_FALSE(dp.ok());
  EXPECT_NE(dp.status().message().find("verbind dataset privacy"), std::string::npos)
      << dp.status().message();
  auto dominance = with("\n[dominance]\nn = 2\nk = 85\n");
  ASSERT_FALSE(dominance.ok());
  EXPECT_NE(dominance.status().message().find("[dominance] is retired"), std::string::npos);
  auto max = with("\n[[allow]]\naggregates = [\"max\"]\nfields = [\"monthly_amount\"]\n");
  ASSERT_FALSE(max.ok());
  EXPECT_NE(max.status().message().find("never released"), std::string::npos)
      << max.status().message();
}

}  // namespace
}  // namespace verbind::config
