// Sharing policies and disclosure control with real signed queries between real nodes: the
// attacks of docs/privacy.md must all fail.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/files.h"
#include "tests/federation_fixture.h"

namespace verbind::testing {
namespace {

using nlohmann::json;

json Coverage(const json& r, const std::string& org) {
  for (const auto& c : r["coverage"]) {
    if (c["org_id"] == org) return c;
  }
  return json();
}

class Privacy : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = FreshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    fed_.Start(root_, {"analyst", "holder"}, {0, 3000});
    // One person born in 1915, the only one before 1930.
    std::string extra = root_ + "/extra.csv";
    ASSERT_TRUE(common::WriteFileAtomic(
        extra,
        "registration_id,birth_year,region,scheme,monthly_amount,start_date,household_size\n"
        "target-1,1915,Utrecht,AOW,1523.45,2019-03-01,1\n"
        "hidden-1,1950,Zeeland,WMO,,2020-01-01,\n"
        "hidden-2,1951,Zeeland,WMO,,2020-01-01,\n"
        "hidden-3,1952,Zeeland,WW,900.00,2021-01-01,\n",
        0644).ok());
    ASSERT_EQ(fed_.node("holder").Cli({"dataset", "ingest", "support", extra}).exit_code, 0);
    ASSERT_EQ(fed_.ApplyPolicy("holder", SupportPolicy({"analyst"}, 10)).exit_code, 0);
  }
  // A query to the holder only (the analyst holds no data).
  json Ask(const std::string& sql) {
    return fed_.Ask("analyst", sql, {{"peers", json::array({"holder"})}, {"include_self", false}});
  }
  std::string root_;
  Federation fed_;
};

TEST_F(Privacy, ATrackerPairIsRefused) {
  json everyone = Ask("SELECT count(*) FROM support WHERE birth_year < 1960");
  ASSERT_EQ(Coverage(everyone, "holder")["status"], "answered") << everyone;
  // Everyone but one: the difference would reveal the 1915 person.
  json but_one = Ask("SELECT count(*) FROM support WHERE birth_year < 1960 AND birth_year != 1915");
  EXPECT_EQ(Coverage(but_one, "holder")["status"], "denied") << but_one;
  EXPECT_EQ(Coverage(but_one, "holder")["code"], "differencing");
  EXPECT_FALSE(but_one.contains("result"));
  // The same trick with a GROUP BY is refused too.
  ASSERT_EQ(Coverage(Ask("SELECT scheme, count(*) FROM support WHERE birth_year < 1970 GROUP BY "
                         "scheme"), "holder")["status"], "answered");
  json grouped = Ask("SELECT scheme, count(*) FROM support WHERE birth_year < 1970 AND NOT "
                     "(birth_year = 1915) GROUP BY scheme");
  EXPECT_EQ(Coverage(grouped, "holder")["code"], "differencing") << grouped;
  // Record sets that differ by many records are fine; the same set again is fine.
  EXPECT_EQ(Coverage(Ask("SELECT count(*) FROM support WHERE birth_year < 1950"), "holder")["status"],
            "answered");
  EXPECT_EQ(Coverage(Ask("SELECT avg(monthly_amount) FROM support WHERE birth_year < 1960"),
                     "holder")["status"], "answered");
}

TEST_F(Privacy, ASuppressedCellCannotBeRecoveredFromTheTotal) {
  json regions = Ask("SELECT region, count(*) FROM support GROUP BY region");
  ASSERT_EQ(Coverage(regions, "holder")["status"], "answered") << regions;
  int64_t visible = 0, suppressed_cells = 0;
  for (const auto& row : regions["result"]["rows"]) {
    if (row.value("status", "ok") == "suppressed" || row["values"][0].is_null()) {
      ++suppressed_cells;
    } else {
      visible += row["values"][0].get<int64_t>();
    }
  }
  // Zeeland is small (primary); another region is suppressed to protect it (secondary).
  EXPECT_GE(suppressed_cells, 2) << regions["result"];
  json total = Ask("SELECT count(*) FROM support");
  ASSERT_EQ(Coverage(total, "holder")["status"], "answered") << total;
  int64_t all = total["result"]["rows"][0]["values"][0];
  EXPECT_GE(all - visible, 10) << "the suppressed cells together hold fewer than 10 records";
}

TEST_F(Privacy, ASmallCellIsNotHiddenBehindNull) {
  // In Zeeland every household-size cell is small, the NULL one (three records) included.
  json r = Ask("SELECT household_size, count(*) FROM support WHERE region = 'Zeeland' GROUP BY "
               "household_size");
  ASSERT_EQ(Coverage(r, "holder")["status"], "answered") << r;
  bool null_cell_seen = false;
  for (const auto& row : r["result"]["rows"]) {
    EXPECT_TRUE(row["values"][0].is_null()) << "a small cell was released: " << row;
    if (row["key"][0].is_null()) null_cell_seen = true;
  }
  EXPECT_TRUE(null_cell_seen) << "the NULL cell must be listed as suppressed, not dropped: " << r;
}

TEST_F(Privacy, AveragingRepeatsOfADifferentiallyPrivateQueryGainsNothing) {
  std::string dp = SupportPolicy({"analyst"}, 10, "") +
                   "\n[differential_privacy]\nepsilon_per_query = 0.5\nbudget = 3\nperiod = "
                   "\"month\"\n";
  ASSERT_EQ(fed_.ApplyPolicy("holder", dp).exit_code, 0);
  json first = Ask("SELECT count(*), sum(monthly_amount) FROM support WHERE birth_year < 1980");
  ASSERT_EQ(Coverage(first, "holder")["status"], "answered") << first;
  for (int i = 0; i < 100; ++i) {
    json again = Ask("SELECT count(*), sum(monthly_amount) FROM support WHERE birth_year < 1980");
    ASSERT_EQ(again["result"], first["result"]) << "repeat " << i << " drew new noise";
  }
  // Repeats were charged once: the budget still has room for distinct queries.
  json other = Ask("SELECT count(*) FROM support WHERE birth_year < 1945");
  EXPECT_EQ(Coverage(other, "holder")["status"], "answered") << other;
  json var = Ask("SELECT var(monthly_amount) FROM support");
  EXPECT_EQ(Coverage(var, "holder")["code"], "denied") << var;
}

TEST_F(Privacy, ABudgetSpentFromManyThreadsIsNeverOverspent) {
  std::string dp = SupportPolicy({"analyst"}, 10, "") +
                   "\n[differential_privacy]\nepsilon_per_query = 0.5\nbudget = 2\nperiod = "
                   "\"month\"\n";
  ASSERT_EQ(fed_.ApplyPolicy("holder", dp).exit_code, 0);
  std::atomic<int> answered{0}, exhausted{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        int year = 1935 + 5 * (t * 3 + i);  // twelve distinct record sets, far apart
        json r = Ask("SELECT count(*) FROM support WHERE birth_year < " + std::to_string(year));
        std::string code = Coverage(r, "holder").value("code", "");
        std::string status = Coverage(r, "holder").value("status", "");
        if (status == "answered") {
          ++answered;
        } else if (code == "budget_exhausted") {
          ++exhausted;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(answered.load(), 4);  // 4 x 0.5 = the budget of 2, never more
  EXPECT_EQ(exhausted.load(), 8);
  EXPECT_EQ(other.load(), 0);
}

TEST_F(Privacy, APolicyWithATypoChangesNothing) {
  std::string typo = SupportPolicy({"analyst"}, 10);
  typo.replace(typo.find("min_cell_size"), 13, "min_cel_size");
  CliResult r = fed_.ApplyPolicy("holder", typo);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("holder.policy.toml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown key min_cel_size"), std::string::npos) << r.err;
  CliResult show = fed_.node("holder").Cli({"policy", "show", "support-stats"});
  EXPECT_NE(show.out.find("# version 1"), std::string::npos) << show.out;
  EXPECT_EQ(show.out.find("# version 2"), std::string::npos) << show.out;
  EXPECT_EQ(Coverage(Ask("SELECT count(*) FROM support"), "holder")["status"], "answered");
  // policy explain says which rule allows, or why none does.
  CliResult explain = fed_.node("holder").Cli(
      {"policy", "explain", "SELECT max(monthly_amount) FROM support WHERE region = 'Utrecht'",
       "--peer", "analyst"});
  EXPECT_NE(explain.out.find("ALLOWED"), std::string::npos) << explain.out;
  explain = fed_.node("holder").Cli(
      {"policy", "explain", "SELECT count(*) FROM support GROUP BY start_date", "--peer",
       "analyst"});
  EXPECT_NE(explain.out.find("DENIED"), std::string::npos) << explain.out;
  EXPECT_NE(explain.out.find("GROUP BY start_date"), std::string::npos) << explain.out;
}

}  // namespace
}  // namespace verbind::testing
