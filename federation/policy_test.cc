#include "federation/policy.h"

#include <gtest/gtest.h>

#include "federation/sql.h"

namespace verbind::federation {
namespace {

storage::StoredPolicy Policy(const std::string& toml) {
  auto p = config::ParsePolicyToml(toml, "t.toml");
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  storage::StoredPolicy sp;
  sp.policy = *p;
  sp.version = 1;
  return sp;
}

const char* kBase = R"(
id = "stats"
dataset = "benefits"
grantees = ["cbs", "group:gemeenten"]
purposes = ["pa-1"]
legal_bases = ["law"]
group_by = ["benefit_type"]
filter_fields = ["birth_year"]
[[allow]]
aggregates = ["count"]
[[allow]]
aggregates = ["sum", "avg"]
fields = ["monthly_amount"]
)";

PolicyRequest Request(const std::string& sql, const std::string& who = "cbs") {
  auto q = ParseSql(sql);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  PolicyRequest r;
  r.requester = who;
  r.dataset = "benefits";
  r.purpose = "pa-1";
  r.legal_basis = "law";
  r.footprint = DescribeQuery(*q);
  r.now_ms = 1'800'000'000'000;
  return r;
}

TEST(Policy, AllowsWhatIsGranted) {
  std::vector<storage::StoredPolicy> ps = {Policy(kBase)};
  auto d = EvaluatePolicies(ps, Request("SELECT benefit_type, count(*), avg(monthly_amount) "
                                        "FROM benefits WHERE birth_year < 1960 GROUP BY benefit_type"));
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.policy->policy.id, "stats");
}

TEST(Policy, DeniesByDefaultAndNamesTheMissingPermission) {
  EXPECT_FALSE(EvaluatePolicies({}, Request("SELECT count(*) FROM benefits")).allowed);
  std::vector<storage::StoredPolicy> ps = {Policy(kBase)};
  auto d = EvaluatePolicies(ps, Request("SELECT min(monthly_amount) FROM benefits"));
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("does not allow min(monthly_amount)"), std::string::npos) << d.reason;
  d = EvaluatePolicies(ps, Request("SELECT region, count(*) FROM benefits GROUP BY region"));
  EXPECT_NE(d.reason.find("GROUP BY region"), std::string::npos) << d.reason;
  d = EvaluatePolicies(ps, Request("SELECT count(*) FROM benefits WHERE region = 'x'"));
  EXPECT_NE(d.reason.find("filtering on region"), std::string::npos) << d.reason;
  d = EvaluatePolicies(ps, Request("SELECT count(*) FROM benefits", "uwv"));
  EXPECT_NE(d.reason.find("grants uwv access"), std::string::npos) << d.reason;
  PolicyRequest r = Request("SELECT count(*) FROM benefits");
  r.purpose = "pa-2";
  d = EvaluatePolicies(ps, r);
  EXPECT_NE(d.reason.find("purpose pa-2"), std::string::npos) << d.reason;
  r = Request("SELECT count(*) FROM benefits");
  r.requester = "gemeente-x";
  r.requester_groups = {"gemeenten"};
  EXPECT_TRUE(EvaluatePolicies(ps, r).allowed);
}

TEST(Policy, ValidityWindowAndStrictestWins) {
  std::string later = kBase;
  later.replace(later.find("id = \"stats\""), 12, "id = \"later\"\nvalid_from = 2099-01-01");
  std::string strict = kBase;
  strict.replace(strict.find("id = \"stats\""), 12, "id = \"strict\"\nmin_cell_size = 50");
  std::vector<storage::StoredPolicy> ps = {Policy(kBase), Policy(later), Policy(strict)};
  auto d = EvaluatePolicies(ps, Request("SELECT count(*) FROM benefits"));
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.policy->policy.id, "strict");
  auto lines = ExplainDecision(d, Request("SELECT count(*) FROM benefits"));
  EXPECT_GE(lines.size(), 4u);
}

TEST(Policy, TheCheapestOfEqualPoliciesApplies) {
  std::string cheap = "epsilon_per_query = 0.05\n" + std::string(kBase);
  cheap.replace(cheap.find("id = \"stats\""), 12, "id = \"cheap\"");
  std::vector<storage::StoredPolicy> ps = {Policy(kBase), Policy(cheap)};
  auto d = EvaluatePolicies(ps, Request("SELECT count(*) FROM benefits"));
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.policy->policy.id, "cheap");
  EXPECT_EQ(d.policy->policy.epsilon_per_query_micro, 50000);
}

TEST(Policy, RateLimit) {
  std::string limited = std::string(kBase) + "rate_limit_per_hour = 2\n";
  // rate_limit_per_hour must come before the tables in TOML; put it at the top instead.
  limited = "rate_limit_per_hour = 2\n" + std::string(kBase);
  auto sp = Policy(limited);
  PolicyRateLimiter limiter;
  EXPECT_TRUE(limiter.Allow(sp, "cbs", 0));
  EXPECT_TRUE(limiter.Allow(sp, "cbs", 0));
  EXPECT_FALSE(limiter.Allow(sp, "cbs", 1000));
  EXPECT_TRUE(limiter.Allow(sp, "other", 1000));
  EXPECT_TRUE(limiter.Allow(sp, "cbs", 1800 * 1000 + 1000));
}

}  // namespace
}  // namespace verbind::federation
