#include "storage/privacy_ledger.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace verbind::storage {
namespace {

std::string FreshDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/verbind_ledger_" + name;
  std::system(("rm -rf '" + dir + "'").c_str());
  return dir;
}

int64_t Millis(const char* text) {
  int64_t ms = 0;
  EXPECT_TRUE(common::ParseRfc3339(text, &ms)) << text;
  return ms;
}

TEST(PrivacyLedger, EpsilonText) {
  int64_t micro = 0;
  ASSERT_TRUE(ParseEpsilon("0.5", &micro));
  EXPECT_EQ(micro, 500000);
  ASSERT_TRUE(ParseEpsilon("3", &micro));
  EXPECT_EQ(micro, 3000000);
  ASSERT_TRUE(ParseEpsilon("0.000001", &micro));
  EXPECT_EQ(micro, 1);
  for (const char* bad : {"", ".5", "1.", "-1", "+1", "0.0000001", "1e-3", "2000000", "1.2.3"}) {
    EXPECT_FALSE(ParseEpsilon(bad, &micro)) << bad;
  }
  EXPECT_EQ(FormatEpsilon(500000), "0.5");
  EXPECT_EQ(FormatEpsilon(3000000), "3");
  EXPECT_EQ(FormatEpsilon(1), "0.000001");
  EXPECT_EQ(FormatEpsilon(1250000), "1.25");
}

TEST(PrivacyLedger, PeriodKeys) {
  int64_t t = Millis("2026-11-29T23:59:59Z");  // a Sunday
  EXPECT_EQ(PeriodKey(BudgetPeriod::kDay, t), "2026-11-29");
  EXPECT_EQ(PeriodKey(BudgetPeriod::kWeek, t), "2026-W48");
  EXPECT_EQ(PeriodKey(BudgetPeriod::kMonth, t), "2026-11");
  EXPECT_EQ(PeriodKey(BudgetPeriod::kYear, t), "2026");
  EXPECT_EQ(PeriodKey(BudgetPeriod::kWeek, Millis("2026-11-30T00:00:00Z")), "2026-W49");
  // ISO weeks at year ends.
  EXPECT_EQ(PeriodKey(BudgetPeriod::kWeek, Millis("2021-01-03T12:00:00Z")), "2020-W53");
  EXPECT_EQ(PeriodKey(BudgetPeriod::kWeek, Millis("2024-12-30T00:00:00Z")), "2025-W01");
  EXPECT_EQ(PeriodKey(BudgetPeriod::kWeek, Millis("1970-01-01T00:00:00Z")), "1970-W01");
  EXPECT_EQ(*ParseBudgetPeriod("week"), BudgetPeriod::kWeek);
  EXPECT_FALSE(ParseBudgetPeriod("fortnight").ok());
}

TEST(PrivacyLedger, ChargesRefusesAndSeparatesPeriods) {
  auto db = Database::Open(FreshDir("basic"));
  ASSERT_TRUE(db.ok());
  PrivacyLedger ledger(db->get());
  auto a = ledger.Charge("org-a", "benefits", "2026-11", 400000, 1000000, "q1");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->spent_micro, 400000);
  EXPECT_EQ(a->remaining_micro, 600000);
  EXPECT_EQ(a->charged_micro, 400000);
  EXPECT_FALSE(a->repeat);
  ASSERT_TRUE(ledger.Charge("org-a", "benefits", "2026-11", 400000, 1000000, "q2").ok());
  auto refused = ledger.Charge("org-a", "benefits", "2026-11", 400000, 1000000, "q3");
  ASSERT_EQ(refused.status().code(), common::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("spent 0.8 of 1"), std::string::npos)
      << refused.status().message();
  // Exactly to the budget is allowed.
  auto last = ledger.Charge("org-a", "benefits", "2026-11", 200000, 1000000, "q4");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->remaining_micro, 0);
  // Other periods, datasets and requesters have their own budgets.
  EXPECT_TRUE(ledger.Charge("org-a", "benefits", "2026-12", 400000, 1000000, "q3").ok());
  EXPECT_TRUE(ledger.Charge("org-a", "other", "2026-11", 400000, 1000000, "q3").ok());
  EXPECT_TRUE(ledger.Charge("org-b", "benefits", "2026-11", 400000, 1000000, "q3").ok());
  auto report = ledger.Report("org-a", "benefits", "2026-11", 1000000);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->spent_micro, 1000000);
  EXPECT_EQ(report->charged_micro, 0);
  EXPECT_EQ(ledger.Report("org-c", "benefits", "2026-11", 1000000)->spent_micro, 0);
  EXPECT_FALSE(ledger.Charge("org-a", "benefits", "2026-11", 0, 1000000, "q9").ok());
  EXPECT_FALSE(ledger.Charge("", "benefits", "2026-11", 1, 1000000, "q9").ok());
}

TEST(PrivacyLedger, RepeatsAreChargedOnce) {
  auto db = Database::Open(FreshDir("repeat"));
  ASSERT_TRUE(db.ok());
  PrivacyLedger ledger(db->get());
  ASSERT_TRUE(ledger.Charge("org-a", "d", "2026-11", 600000, 1000000, "same").ok());
  for (int i = 0; i < 5; ++i) {
    auto again = ledger.Charge("org-a", "d", "2026-11", 600000, 1000000, "same");
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_TRUE(again->repeat);
    EXPECT_EQ(again->charged_micro, 0);
    EXPECT_EQ(again->spent_micro, 600000);
  }
  // The same query in the next period is a new release (charged again).
  auto next = ledger.Charge("org-a", "d", "2026-12", 600000, 1000000, "same");
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->repeat);
}

TEST(PrivacyLedger, ConcurrentChargesNeverOverspend) {
  auto db = Database::Open(FreshDir("threads"));
  ASSERT_TRUE(db.ok());
  PrivacyLedger ledger(db->get());
  // Budget 1.0, cost 0.03: exactly 33 charges fit; 8 threads try 10 each.
  const int64_t kBudget = 1000000, kCost = 30000;
  std::atomic<int> granted{0}, refused{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        std::string fp = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto r = ledger.Charge("org-a", "d", "2026-W48", kCost, kBudget, fp);
        if (r.ok()) {
          ++granted;
          if (r->spent_micro > kBudget) {
            ++failed;
          }
        } else if (r.status().code() == common::StatusCode::kResourceExhausted) {
          ++refused;
        } else {
          ++failed;
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(granted.load(), 33);
  EXPECT_EQ(refused.load(), 80 - 33);
  EXPECT_EQ(ledger.Report("org-a", "d", "2026-W48", kBudget)->spent_micro, 33 * kCost);
}

TEST(PrivacyLedger, ConcurrentRepeatsAreChargedOnce) {
  auto db = Database::Open(FreshDir("threads_repeat"));
  ASSERT_TRUE(db.ok());
  PrivacyLedger ledger(db->get());
  std::atomic<int> charged{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto r = ledger.Charge("org-a", "d", "2026", 100000, 1000000, "one query");
      if (r.ok() && r->charged_micro > 0) {
        ++charged;
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(charged.load(), 1);
  EXPECT_EQ(ledger.Report("org-a", "d", "2026", 1000000)->spent_micro, 100000);
}

TEST(PrivacyLedger, PersistsAcrossReopenAndFailsClosed) {
  std::string dir = FreshDir("reopen");
  {
    auto db = Database::Open(dir);
    ASSERT_TRUE(db.ok());
    PrivacyLedger ledger(db->get());
    ASSERT_TRUE(ledger.Charge("org-a", "d", "2026-11-29", 700000, 1000000, "q1").ok());
    (*db)->SetWritesFailForTesting(true);
    EXPECT_FALSE(ledger.Charge("org-a", "d", "2026-11-29", 100000, 1000000, "q2").ok());
  }
  auto db = Database::Open(dir);
  ASSERT_TRUE(db.ok());
  PrivacyLedger ledger(db->get());
  EXPECT_EQ(ledger.Report("org-a", "d", "2026-11-29", 1000000)->spent_micro, 700000);
  EXPECT_TRUE(ledger.Charge("org-a", "d", "2026-11-29", 100000, 1000000, "q1")->repeat);
  EXPECT_EQ(ledger.Charge("org-a", "d", "2026-11-29", 400000, 1000000, "q3").status().code(),
            common::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace verbind::storage
