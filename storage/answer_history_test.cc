#include "storage/answer_history.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

namespace verbind::storage {
namespace {

using common::Status;

constexpr int kMin = 10;
constexpr int64_t kDay = 86400000;
constexpr int64_t kNow = 1795000000000;  // 2026-11-18

std::string FreshDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/verbind_history_" + name;
  std::system(("rm -rf '" + dir + "'").c_str());
  return dir;
}

// The sketch of records [first, last] except those in `without`.
RecordSetSketch Records(uint64_t first, uint64_t last, std::vector<uint64_t> without = {},
                        int min_cell_size = kMin) {
  RecordSetSketch s(HistorySketchCells(min_cell_size));
  for (uint64_t id = first; id <= last; ++id) {
    if (std::find(without.begin(), without.end(), id) == without.end()) {
      s.Add(RecordIdOfKey("record-" + std::to_string(id)));
    }
  }
  return s;
}

TEST(AnswerHistory, SketchSizeGrowsWithTheMinimum) {
  EXPECT_EQ(HistorySketchCells(10), 993);
  EXPECT_GE(HistorySketchCells(1), RecordSetSketch::kDefaultCells);
  EXPECT_LT(HistorySketchCells(5), HistorySketchCells(10));
  EXPECT_LT(HistorySketchCells(10), HistorySketchCells(100));
  EXPECT_EQ(HistorySketchCells(100) % 3, 0);
}

TEST(AnswerHistory, RefusesTheTrackerPair) {
  auto db = Database::Open(FreshDir("tracker"));
  ASSERT_TRUE(db.ok());
  AnswerHistory history(db->get());
  // Everyone in a group, then everyone but one.
  ASSERT_TRUE(history.CheckAndRecord("org-a", "d", Records(1, 500), kMin, kNow, "q1").ok());
  int64_t k = 0;
  Status s =
      history.CheckAndRecord("org-a", "d", Records(1, 500, {137}), kMin, kNow + 1000, "q2", &k);
  ASSERT_EQ(s.code(), common::StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("fewer than the minimum of 10"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("2026-11-18T"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find(" 1 record"), std::string::npos) << "k must not be told";
  EXPECT_EQ(k, 1);
  // Also when records are added instead, and for a mix of both.
  EXPECT_FALSE(history.CheckAndRecord("org-a", "d", Records(1, 503), kMin, kNow, "q3").ok());
  EXPECT_FALSE(history.CheckAndRecord("org-a", "d", Records(3, 504), kMin, kNow, "q4").ok());
  // A refused answer is not recorded: only the first answer is retained.
  EXPECT_EQ(*history.CountAnswers("org-a", "d"), 1);
  // Other requesters and datasets have their own history.
  EXPECT_TRUE(history.CheckAndRecord("org-b", "d", Records(1, 500, {137}), kMin, kNow, "q2").ok());
  EXPECT_TRUE(history.CheckAndRecord("org-a", "e", Records(1, 500, {137}), kMin, kNow, "q2").ok());
}

TEST(AnswerHistory, AllowsEqualAndVeryDifferentSets) {
  auto db = Database::Open(FreshDir("allowed"));
  ASSERT_TRUE(db.ok());
  AnswerHistory history(db->get());
  ASSERT_TRUE(history.CheckAndRecord("org-a", "d", Records(1, 500), kMin, kNow, "q1").ok());
  EXPECT_TRUE(history.CheckAndRecord("org-a", "d", Records(1, 500), kMin, kNow, "q1").ok());
  EXPECT_TRUE(history.CheckAndRecord("org-a", "d", Records(1, 250), kMin, kNow, "q2").ok());
  EXPECT_TRUE(history.CheckAndRecord("org-a", "d", Records(1001, 1500), kMin, kNow, "q3").ok());
  // Exactly the minimum apart is allowed (a suppressed cell would not hide fewer).
  EXPECT_TRUE(history.CheckAndRecord("org-a", "d", Records(1, 510), kMin, kNow, "q4").ok());
  EXPECT_EQ(*history.CountAnswers("org-a", "d"), 4);  // the equal set is kept once
}

// At the boundary: every difference of min - 1 records decodes (and is refused); min apart
// is allowed. Random sets of random sizes, both directions.
TEST(AnswerHistory, DecodesEveryDifferenceBelowTheMinimum) {
  std::mt19937_64 rng(2026);
  for (int min_cell_size : {3, 10, 25}) {
    const int cells = HistorySketchCells(min_cell_size);
    for (int trial = 0; trial < 300; ++trial) {
      RecordSetSketch base(cells), near(cells), far(cells);
      int shared = static_cast<int>(rng() % 2000);
      for (int i = 0; i < shared; ++i) {
        uint64_t id = rng();
        base.Add(id);
        near.Add(id);
        far.Add(id);
      }
      int out = static_cast<int>(rng() % min_cell_size);
      for (int i = 0; i < min_cell_size - 1; ++i) {
        uint64_t id = rng();
        if (i < out) {
          base.Add(id);  // records that left
        } else {
          near.Add(id);  // records that came
          far.Add(id);
        }
      }
      far.Add(rng());  // one more: min_cell_size apart
      ASSERT_EQ(near.SymmetricDifference(base, min_cell_size - 1), min_cell_size - 1)
          << "min " << min_cell_size << " trial " << trial;
      EXPECT_FALSE(far.SymmetricDifference(base, min_cell_size - 1).has_value());
    }
  }
}

TEST(AnswerHistory, RetentionByCountAndAge) {
  auto db = Database::Open(FreshDir("retention"));
  ASSERT_TRUE(db.ok());
  AnswerHistoryOptions options;
  options.max_answers = 3;
  options.max_age_millis = 30 * kDay;
  AnswerHistory history(db->get(), options);
  ASSERT_TRUE(history.CheckAndRecord("org-a", "d", Records(1, 100), kMin, kNow, "a").ok());
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(
        history.CheckAndRecord("org-a", "d", Records(1, 100 + 100 * i), kMin, kNow + i, "b").ok());
  }
  EXPECT_EQ(*history.CountAnswers("org-a", "d"), 3);
  // The first answer was forgotten (count limit): its tracker partner now passes.
  EXPECT_TRUE(
      history.CheckAndRecord("org-a", "d", Records(1, 100, {50}), kMin, kNow + 10, "c").ok());
  // Still remembered: the answer over 1..400.
  EXPECT_FALSE(
      history.CheckAndRecord("org-a", "d", Records(1, 400, {7}), kMin, kNow + 11, "d").ok());
  // After 31 days every answer is forgotten.
  EXPECT_TRUE(
      history.CheckAndRecord("org-a", "d", Records(1, 400, {7}), kMin, kNow + 31 * kDay, "d").ok());
  EXPECT_EQ(*history.CountAnswers("org-a", "d"), 1);
}

// Repeating a query must not push other answers out of the retention (an attacker could
// otherwise flush the history before asking the tracker's partner) nor grow the check.
TEST(AnswerHistory, RepeatedAnswersAreKeptOnceAndDoNotFlushTheHistory) {
  constexpr int64_t kMinute = 60 * 1000;
  auto db = Database::Open(FreshDir("repeats"));
  ASSERT_TRUE(db.ok());
  AnswerHistoryOptions options;
  options.max_answers = 3;
  AnswerHistory history(db->get(), options);
  ASSERT_TRUE(history.CheckAndRecord("org-a", "d", Records(1, 300), kMin, kNow, "repeated").ok());
  ASSERT_TRUE(history.CheckAndRecord("org-a", "d", Records(1, 100), kMin, kNow + 1, "once").ok());
  for (int i = 1; i <= 10; ++i) {
    ASSERT_TRUE(
        history
            .CheckAndRecord("org-a", "d", Records(1, 300), kMin, kNow + i * kMinute / 3, "repeated")
            .ok());
  }
  EXPECT_EQ(*history.CountAnswers("org-a", "d"), 2);
  EXPECT_EQ(
      history
          .CheckAndRecord("org-a", "d", Records(1, 100, {50}), kMin, kNow + 4 * kMinute, "tracker")
          .code(),
      common::StatusCode::kFailedPrecondition);
  // The repeated answer moved to its latest time, so two newer distinct answers push out the
  // older single one (1..100) first, not the repeated one.
  ASSERT_TRUE(
      history.CheckAndRecord("org-a", "d", Records(1, 500), kMin, kNow + 5 * kMinute, "x").ok());
  ASSERT_TRUE(
      history.CheckAndRecord("org-a", "d", Records(1, 700), kMin, kNow + 6 * kMinute, "y").ok());
  EXPECT_EQ(*history.CountAnswers("org-a", "d"), 3);
  EXPECT_FALSE(
      history.CheckAndRecord("org-a", "d", Records(1, 300, {9}), kMin, kNow + 7 * kMinute, "z")
          .ok());
  EXPECT_TRUE(
      history
          .CheckAndRecord("org-a", "d", Records(1, 100, {50}), kMin, kNow + 8 * kMinute, "tracker")
          .ok());
}

TEST(AnswerHistory, PersistsAndChecksSketchSize) {
  std::string dir = FreshDir("persist");
  {
    auto db = Database::Open(dir);
    ASSERT_TRUE(db.ok());
    AnswerHistory history(db->get());
    ASSERT_TRUE(history.CheckAndRecord("org-a", "d", Records(1, 300), kMin, kNow, "q").ok());
    EXPECT_EQ(history.CheckAndRecord("org-a", "d", RecordSetSketch(), kMin, kNow, "q").code(),
              common::StatusCode::kInvalidArgument);
    // Answers under another minimum are not compared (sketches of another size).
    EXPECT_TRUE(history.CheckAndRecord("org-a", "d", Records(1, 300, {5}, 20), 20, kNow, "q").ok());
  }
  auto db = Database::Open(dir);
  ASSERT_TRUE(db.ok());
  AnswerHistory history(db->get());
  EXPECT_FALSE(history.CheckAndRecord("org-a", "d", Records(1, 300, {5}), kMin, kNow, "q").ok());
  EXPECT_EQ(*history.CountAnswers("org-a", "d"), 2);
}

TEST(AnswerHistory, ConcurrentTrackersOnlyOnePasses) {
  auto db = Database::Open(FreshDir("threads"));
  ASSERT_TRUE(db.ok());
  AnswerHistory history(db->get());
  // Eight requests at once, each "everyone but one" (a different one): any two differ by 2.
  std::atomic<int> passed{0}, refused{0};
  std::vector<std::thread> threads;
  for (uint64_t t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Status s = history.CheckAndRecord("org-a", "d", Records(1, 400, {t + 1}), kMin, kNow, "q");
      (s.ok() ? passed : refused)++;
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(passed.load(), 1);
  EXPECT_EQ(refused.load(), 7);
}

}  // namespace
}  // namespace verbind::storage
