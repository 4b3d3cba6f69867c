#include "storage/privacy_ledger.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

namespace verbind::storage {
namespace {

using common::Result;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kT0 = 1'780'000'000'000;  // a time in 2026

std::string FreshDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/verbind_ledger_" + name;
  std::system(("rm -rf '" + dir + "'").c_str());
  return dir;
}

DatasetPrivacy Budget(const char* epsilon, const char* share, int window_days) {
  DatasetPrivacy p;
  EXPECT_TRUE(ParseEpsilon(epsilon, &p.budget_micro));
  EXPECT_TRUE(ParseEpsilon(share, &p.requester_share_micro));
  p.window_days = window_days;
  return p;
}

// Reserves, "writes" the batch to `db` and commits, as the answering pipeline does.
Result<BudgetReport> Spend(PrivacyLedger& ledger, Database& db, const std::string& requester,
                           const std::string& fingerprint, int64_t cost, int64_t now) {
  ASSIGN_OR_RETURN(BudgetReservation r,
                   ledger.Reserve("d", requester, fingerprint, cost, now, "SELECT 1", "p v1"));
  RETURN_IF_ERROR(db.Write(r.batch()));
  r.Commit();
  return r.report();
}

TEST(PrivacyLedger, EpsilonText) {
  int64_t micro = 0;
  ASSERT_TRUE(ParseEpsilon("0.5", &micro));
  EXPECT_EQ(micro, 500000);
  ASSERT_TRUE(ParseEpsilon("1000", &micro));
  EXPECT_EQ(micro, 1000 * kMicro);
  ASSERT_TRUE(ParseEpsilon("0.000001", &micro));
  EXPECT_EQ(micro, 1);
  for (const char* bad : {"", ".5", "1.", "-1", "+1", "0.0000001", "1e-3", "1000.1", "1.2.3"}) {
    EXPECT_FALSE(ParseEpsilon(bad, &micro)) << bad;
  }
  EXPECT_EQ(FormatEpsilon(500000), "0.5");
  EXPECT_EQ(FormatEpsilon(3000000), "3");
  EXPECT_EQ(FormatEpsilon(1), "0.000001");
  EXPECT_EQ(FormatEpsilon(1250000), "1.25");
}

TEST(PrivacyLedger, SettingsAreValidatedStoredAndDefaulted) {
  auto db = Database::Open(FreshDir("settings"));
  ASSERT_TRUE(db.ok());
  PrivacyLedger ledger(db->get(), Budget("2", "0.25", 30));
  EXPECT_EQ(ledger.Settings("d")->budget_micro, 2 * kMicro);
  DatasetPrivacy mine = Budget("4", "1", 0);
  mine.personal = false;
  EXPECT_EQ(ledger.SetSettings("d", mine).code(), common::StatusCode::kInvalidArgument)
      << "non-personal needs a reason";
  mine.non_personal_reason = "sensor readings of bridges";
  ASSERT_TRUE(ledger.SetSettings("d", mine).ok());
  for (auto bad : {Budget("0", "1", 0), Budget("4", "0", 0), Budget("4", "1", 3651)}) {
    EXPECT_FALSE(ledger.SetSettings("d", bad).ok());
  }
  PrivacyLedger reopened(db->get(), DatasetPrivacy{});
  auto stored = reopened.Settings("d");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(*stored, mine);
  EXPECT_EQ(reopened.Settings("other")->budget_micro, DatasetPrivacy{}.budget_micro);
}

TEST(PrivacyLedger, TheDatasetBudgetIsSharedAndEachRequesterHasAShare) {
  auto db = Database::Open(FreshDir("shares"));
  ASSERT_TRUE(db.ok());
  PrivacyLedger ledger(db->get(), Budget("1", "0.5", 365));
  // Requester a: 0.5 of 1 at most.
  auto a1 = Spend(ledger, **db, "a", "q1", 300000, kT0);
  ASSERT_TRUE(a1.ok()) << a1.status().ToString();
  EXPECT_EQ(a1->charged_micro, 300000);
  EXPECT_EQ(a1->requester_remaining_micro, 200000);
  EXPECT_EQ(a1->remaining_micro, 700000);
  auto a2 = ledger.Reserve("d", "a", "q2", 300000, kT0, "", "");
  ASSERT_EQ(a2.status().code(), common::StatusCode::kResourceExhausted);
  EXPECT_NE(a2.status().message().find("organisation a has 0.2 of its share 0.5 left"),
            std::string::npos)
      << a2.status().message();
  // Another requester still has its own share; together they exhaust the dataset.
  ASSERT_TRUE(Spend(ledger, **db, "b", "q3", 500000, kT0).ok());
  ASSERT_TRUE(Spend(ledger, **db, "a", "q4", 200000, kT0).ok());
  auto c = ledger.Reserve("d", "c", "q5", 1, kT0, "", "");
  ASSERT_EQ(c.status().code(), common::StatusCode::kResourceExhausted);
  EXPECT_NE(c.status().message().find("the dataset has 0 of 1 left in the last 365 days"),
            std::string::npos)
      << c.status().message();
  auto by = ledger.SpentByRequester("d", kT0);
  ASSERT_TRUE(by.ok());
  EXPECT_EQ((*by)["a"], 500000);
  EXPECT_EQ((*by)["b"], 500000);
}

TEST(PrivacyLedger, ARepeatIsFreeForEveryoneOnceItWasPaid) {
  auto db = Database::Open(FreshDir("repeat"));
  ASSERT_TRUE(db.ok());
  PrivacyLedger ledger(db->get(), Budget("1", "1", 365));
  ASSERT_TRUE(Spend(ledger, **db, "a", "same", 600000, kT0).ok());
  for (const char* who : {"a", "b"}) {
    auto again = ledger.Reserve("d", who, "same", 600000, kT0, "", "");
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_TRUE(again->report().repeat);
    EXPECT_EQ(again->report().charged_micro, 0);
    EXPECT_EQ(again->batch().Count(), 0u);
  }
  EXPECT_EQ(ledger.Report("d", "a", kT0)->spent_micro, 600000);
}

TEST(PrivacyLedger, AnUnwrittenReservationChargesNothingAndIsNotAPaidRepeat) {
  auto db = Database::Open(FreshDir("release"));
  ASSERT_TRUE(db.ok());
  PrivacyLedger ledger(db->get(), Budget("1", "1", 365));
  {
    auto r = ledger.Reserve("d", "a", "q", 700000, kT0, "", "");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(ledger.Report("d", "a", kT0)->spent_micro, 700000);  // held while in flight
  }  // the write failed: dropped without Commit
  EXPECT_EQ(ledger.Report("d", "a", kT0)->spent_micro, 0);
  auto again = ledger.Reserve("d", "a", "q", 700000, kT0, "", "");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->report().repeat);
}

TEST(PrivacyLedger, SpendingLeavesARollingWindowButNotALifetime) {
  auto db = Database::Open(FreshDir("window"));
  ASSERT_TRUE(db.ok());
  PrivacyLedger ledger(db->get(), Budget("1", "1", 30));
  ASSERT_TRUE(Spend(ledger, **db, "a", "q1", 600000, kT0).ok());
  ASSERT_TRUE(Spend(ledger, **db, "a", "q2", 400000, kT0 + 10 * kDay).ok());
  EXPECT_EQ(ledger.Reserve("d", "a", "q3", 1, kT0 + 29 * kDay, "", "").status().code(),
            common::StatusCode::kResourceExhausted);
  // 30 days after the first charge it no longer counts; the second still does.
  auto later = ledger.Report("d", "a", kT0 + 30 * kDay);
  EXPECT_EQ(later->spent_micro, 400000);
  ASSERT_TRUE(Spend(ledger, **db, "a", "q3", 600000, kT0 + 30 * kDay).ok());
  EXPECT_EQ(ledger.Reserve("d", "a", "q4", 1, kT0 + 31 * kDay, "", "").status().code(),
            common::StatusCode::kResourceExhausted);
  // With a lifetime budget nothing ever comes back.
  auto db2 = Database::Open(FreshDir("lifetime"));
  ASSERT_TRUE(db2.ok());
  PrivacyLedger lifetime(db2->get(), Budget("1", "1", 0));
  ASSERT_TRUE(Spend(lifetime, **db2, "a", "q1", kMicro, kT0).ok());
  EXPECT_EQ(lifetime.Reserve("d", "a", "q2", 1, kT0 + 3650 * kDay, "", "").status().code(),
            common::StatusCode::kResourceExhausted);
}

TEST(PrivacyLedger, ChargesPersistAcrossReopen) {
  std::string dir = FreshDir("reopen");
  {
    auto db = Database::Open(dir);
    ASSERT_TRUE(db.ok());
    PrivacyLedger ledger(db->get(), Budget("1", "1", 365));
    ASSERT_TRUE(Spend(ledger, **db, "a", "q1", 700000, kT0).ok());
    ASSERT_TRUE(Spend(ledger, **db, "b", "q2", 100000, kT0).ok());  // same millisecond
  }
  auto db = Database::Open(dir);
  ASSERT_TRUE(db.ok());
  PrivacyLedger ledger(db->get(), Budget("1", "1", 365));
  EXPECT_EQ(ledger.Report("d", "a", kT0)->spent_micro, 800000);
  EXPECT_TRUE(ledger.Reserve("d", "c", "q1", 700000, kT0, "", "")->report().repeat);
  EXPECT_EQ(ledger.Reserve("d", "a", "q3", 300000, kT0, "", "").status().code(),
            common::StatusCode::kResourceExhausted);
  auto charges = ledger.Charges("d", 10);
  ASSERT_TRUE(charges.ok());
  ASSERT_EQ(charges->size(), 2u);
  EXPECT_EQ((*charges)[0].requester, "b");  // newest first
  EXPECT_EQ((*charges)[1].cost_micro, 700000);
  EXPECT_EQ((*charges)[1].query, "SELECT 1");
}

TEST(PrivacyLedger, ConcurrentChargesNeverOverspend) {
  auto db = Database::Open(FreshDir("threads"));
  ASSERT_TRUE(db.ok());
  PrivacyLedger ledger(db->get(), Budget("1", "1", 365));
  // Budget 1.0, cost 0.03: exactly 33 charges fit; 8 threads try 10 each, and 8 more threads
  // ask one shared query (paid once at most).
  const int64_t kCost = 30000;
  std::atomic<int> granted{0}, refused{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        std::string fp = t < 8 ? "t" + std::to_string(t) + "-" + std::to_string(i) : "shared";
        auto r = Spend(ledger, **db, "org-" + std::to_string(t), fp, kCost, kT0);
        if (r.ok()) {
          granted += r->charged_micro > 0 ? 1 : 0;
        } else if (r.status().code() == common::StatusCode::kResourceExhausted) {
          ++refused;
        } else {
          ++failed;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(granted.load(), 33);
  EXPECT_EQ(ledger.Report("d", "x", kT0)->spent_micro, 33 * kCost);
  PrivacyLedger reopened(db->get(), Budget("1", "1", 365));
  EXPECT_EQ(reopened.Report("d", "x", kT0)->spent_micro, 33 * kCost);
}

}  // namespace
}  // namespace verbind::storage
