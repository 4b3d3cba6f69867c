#include "federation/dp.h"

#include <gtest/gtest.h>

#include <cmath>

#include "federation/disclosure.h"
#include "federation/disclosure_test_util.h"

namespace verbind::federation {
namespace {

using testing::AddRecords;
using testing::Build;
using testing::Rec;

const std::vector<uint8_t> kSecret(32, 7);

NoiseContext Context(uint64_t generation = 1, std::string requester = "org-a") {
  NoiseContext c;
  c.node_secret = kSecret;
  c.canonical_query = "SELECT region, count(*), avg(income) FROM benefits GROUP BY region";
  c.dataset = "benefits";
  c.dataset_generation = generation;
  c.requester = std::move(requester);
  return c;
}

DpSettings Settings(int64_t epsilon_micro = 1000000) {
  DpSettings s;
  s.epsilon_micro = epsilon_micro;
  s.bounds["income"] = {0, 10000};
  return s;
}

std::vector<Rec> Records() {
  std::vector<Rec> recs;
  AddRecords(recs, {"north"}, 120, [](int i) { return std::optional<int64_t>(1000 + i); });
  AddRecords(recs, {"south"}, 80,
             [](int i) { return i % 4 == 0 ? std::nullopt : std::optional<int64_t>(2000 + i); });
  return recs;
}

std::vector<ItemDescriptor> Items() {
  return {testing::GroupItem("region"), testing::CountItem(), testing::MomentsItem("avg"),
          testing::NonNullItem()};
}

PartialTable Noisy(const NoiseContext& context, const DpSettings& settings = Settings()) {
  PartialTable t = Build(Items(), Records());
  auto r = ApplyDifferentialPrivacy(t, settings, context);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return t;
}

TEST(DifferentialPrivacy, SameQuerySameDataSameNoise) {
  EXPECT_EQ(EncodePartialTable(Noisy(Context())), EncodePartialTable(Noisy(Context())));
  // New data (another generation), another requester, another query or another key: new noise.
  const auto base = EncodePartialTable(Noisy(Context()));
  EXPECT_NE(EncodePartialTable(Noisy(Context(2))), base);
  EXPECT_NE(EncodePartialTable(Noisy(Context(1, "org-b"))), base);
  NoiseContext other_query = Context();
  other_query.canonical_query += " ";
  EXPECT_NE(EncodePartialTable(Noisy(other_query)), base);
  std::vector<uint8_t> other_secret(32, 8);
  NoiseContext other_key = Context();
  other_key.node_secret = other_secret;
  EXPECT_NE(EncodePartialTable(Noisy(other_key)), base);
}

// Asking 100 times gives 100 identical answers: their average has exactly the error of one.
TEST(DifferentialPrivacy, AveragingRepeatsDoesNotShrinkTheNoise) {
  const int64_t truth = 120;
  double sum = 0;
  int64_t first = -1;
  for (int i = 0; i < 100; ++i) {
    PartialTable t = Noisy(Context());
    int64_t answer = t.cells[0].rows;
    if (first < 0) {
      first = answer;
    }
    EXPECT_EQ(answer, first);
    sum += static_cast<double>(answer);
  }
  EXPECT_EQ(std::fabs(sum / 100 - static_cast<double>(truth)),
            std::fabs(static_cast<double>(first - truth)));
  // Whereas fresh noise (new data generations) would average out: the contrast that shows
  // the repeat defence is what keeps the error.
  double fresh = 0, fresh_abs_error_single = 0;
  for (uint64_t g = 1; g <= 400; ++g) {
    int64_t answer = Noisy(Context(g)).cells[0].rows;
    fresh += static_cast<double>(answer);
    fresh_abs_error_single += std::fabs(static_cast<double>(answer - truth));
  }
  EXPECT_LT(std::fabs(fresh / 400 - static_cast<double>(truth)), fresh_abs_error_single / 400);
}

// The noise added to many cells follows the discrete Laplace distribution of the stated
// scale: count(*) alone is one statistic, epsilon 0.5 gives scale 2.
TEST(DifferentialPrivacy, NoiseHasTheStatedScale) {
  std::vector<Rec> recs;
  for (int c = 0; c < 3000; ++c) {
    AddRecords(recs, {"cell" + std::to_string(c)}, 50,
               [](int) { return std::optional<int64_t>(1); });
  }
  PartialTable t = Build({testing::GroupItem("g"), testing::CountItem()}, recs);
  auto report = ApplyDifferentialPrivacy(t, Settings(500000), Context());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->statistics_per_cell, 1);
  double sum_abs = 0, sum_sq = 0;
  int changed = 0;
  for (const auto& cell : t.cells) {
    double d = static_cast<double>(cell.rows - 50);
    sum_abs += std::fabs(d);
    sum_sq += d * d;
    changed += cell.rows != 50 ? 1 : 0;
    EXPECT_EQ(std::get<storage::CountState>(*cell.values[1].state).rows, cell.rows);
  }
  double p = std::exp(-0.5);
  EXPECT_NEAR(sum_abs / 3000, 2 * p / (1 - p * p), 0.1);
  EXPECT_NEAR(sum_sq / 3000, 2 * p / ((1 - p) * (1 - p)), 0.8);
  EXPECT_GT(changed, 2000);
  EXPECT_EQ(t.privacy["statistics"][0]["scale_exact"], "2/1");
}

TEST(DifferentialPrivacy, StatisticsShareNoiseAndSplitEpsilon) {
  PartialTable t = Build(Items(), Records(), 5);
  auto report = ApplyDifferentialPrivacy(t, Settings(), Context());
  ASSERT_TRUE(report.ok());
  // rows, nonnull(income), sum(income): epsilon 1 split three ways.
  EXPECT_EQ(report->statistics_per_cell, 3);
  EXPECT_EQ(report->epsilon_micro, 1000000);
  EXPECT_EQ(t.privacy["mechanism"], "discrete_laplace");
  EXPECT_EQ(t.privacy["statistics"][2]["statistic"], "sum(income)");
  EXPECT_EQ(t.privacy["statistics"][2]["scale_exact"], "30000/1");  // 10000 * 3 / 1
  EXPECT_EQ(t.rows_scanned, 0);
  for (const auto& cell : t.cells) {
    EXPECT_EQ(std::get<storage::CountState>(*cell.values[1].state).rows, cell.rows);
    const auto& m = std::get<storage::SumState>(*cell.values[2].state);
    EXPECT_EQ(std::get<storage::CountState>(*cell.values[3].state).rows, m.n);
    EXPECT_EQ(m.m2, 0);
    EXPECT_TRUE(m.top.empty());
    EXPECT_GE(m.sum, 0);
    EXPECT_LE(m.sum, storage::Int128{m.n} * 10000);
    EXPECT_DOUBLE_EQ(m.mean, static_cast<double>(m.sum) / static_cast<double>(m.n));
  }
}

TEST(DifferentialPrivacy, HistogramCountsAreNoisy) {
  std::vector<Rec> recs;
  AddRecords(recs, {}, 500, [](int i) { return std::optional<int64_t>(i % 100); });
  PartialTable t = Build({testing::HistogramItem(0, 100, 10)}, recs);
  ASSERT_TRUE(ApplyDifferentialPrivacy(t, Settings(), Context()).ok());
  const auto& h = std::get<storage::HistogramState>(*t.cells[0].values[0].state);
  int changed = 0;
  for (int64_t b : h.bins) {
    EXPECT_GE(b, 0);
    changed += b != 50 ? 1 : 0;
  }
  EXPECT_GT(changed, 3);  // scale 2 (two statistics): P(no noise) is about 0.24 per bin
}

TEST(DifferentialPrivacy, RefusesWhatItCannotProtect) {
  struct Case {
    ItemDescriptor item;
    common::StatusCode code;
  };
  ItemDescriptor corr{"corr(a,b)", "corr", "comoments", {testing::Field("a"), testing::Field("b")}};
  ItemDescriptor sum_other{"sum(other)", "sum", "moments", {testing::Field("other")}};
  for (const auto& c : {Case{testing::MomentsItem("var"), common::StatusCode::kPermissionDenied},
                        Case{testing::MomentsItem("stddev"), common::StatusCode::kPermissionDenied},
                        Case{testing::MinMaxItem(), common::StatusCode::kPermissionDenied},
                        Case{testing::SketchItem(0.5), common::StatusCode::kPermissionDenied},
                        Case{corr, common::StatusCode::kPermissionDenied},
                        Case{sum_other, common::StatusCode::kPermissionDenied}}) {
    EXPECT_EQ(CheckDifferentialPrivacy({testing::CountItem(), c.item}, Settings()).code(), c.code)
        << c.item.name;
  }
  EXPECT_TRUE(CheckDifferentialPrivacy(Items(), Settings()).ok());
  EXPECT_EQ(CheckDifferentialPrivacy(Items(), Settings(0)).code(),
            common::StatusCode::kInvalidArgument);
  DpSettings inverted = Settings();
  inverted.bounds["income"] = {10, 0};
  EXPECT_EQ(CheckDifferentialPrivacy(Items(), inverted).code(),
            common::StatusCode::kInvalidArgument);
  // The table is unchanged on a refusal, and a short key is refused.
  PartialTable t = Build({testing::CountItem(), testing::MinMaxItem()}, Records());
  PartialTable before = t;
  EXPECT_FALSE(ApplyDifferentialPrivacy(t, Settings(), Context()).ok());
  EXPECT_EQ(EncodePartialTable(t), EncodePartialTable(before));
  NoiseContext short_key = Context();
  std::vector<uint8_t> key(8, 1);
  short_key.node_secret = key;
  PartialTable u = Build(Items(), Records());
  EXPECT_EQ(ApplyDifferentialPrivacy(u, Settings(), short_key).status().code(),
            common::StatusCode::kInvalidArgument);
}

TEST(DifferentialPrivacy, FingerprintIdentifiesTheRelease) {
  PartialTable a = Build(Items(), Records()), b = Build(Items(), Records());
  auto ra = ApplyDifferentialPrivacy(a, Settings(), Context());
  auto rb = ApplyDifferentialPrivacy(b, Settings(), Context());
  ASSERT_TRUE(ra.ok() && rb.ok());
  EXPECT_EQ(ra->fingerprint, rb->fingerprint);
  EXPECT_EQ(ra->fingerprint.size(), 64u);
  PartialTable c = Build(Items(), Records()), d = Build(Items(), Records());
  EXPECT_NE(ApplyDifferentialPrivacy(c, Settings(), Context(2))->fingerprint, ra->fingerprint);
  EXPECT_NE(ApplyDifferentialPrivacy(d, Settings(700000), Context())->fingerprint, ra->fingerprint);
}

// Noise first, then disclosure control on the noisy values; the budget report goes along.
TEST(DifferentialPrivacy, ThenDisclosureControlOnNoisyValues) {
  std::vector<Rec> recs = Records();
  AddRecords(recs, {"tiny"}, 2, [](int) { return std::optional<int64_t>(5000); });
  PartialTable t = Build(Items(), recs);
  ASSERT_TRUE(ApplyDifferentialPrivacy(t, Settings(), Context()).ok());
  DisclosureRules rules;
  rules.dominance_n = 1;
  rules.dominance_k = 50;  // not evaluated on noisy values (and no contributions are kept)
  auto r = ApplyDisclosureControl(t, rules, {DisclosureStage::kAnswering, /*noisy=*/true});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const auto& cell : t.cells) {
    if (cell.key[0] == "tiny") {
      EXPECT_TRUE(cell.suppressed);  // a noisy 2 is still far below 10
    }
  }
  storage::BudgetReport budget{"2026-11", 1500000, 3000000, 1500000, 1000000, false};
  AttachBudgetReport(t, budget);
  nlohmann::json j = EncodePartialTable(t);
  EXPECT_EQ(j["privacy"]["spent"], "1.5");
  EXPECT_EQ(j["privacy"]["remaining"], "1.5");
  EXPECT_EQ(j["privacy"]["period"], "2026-11");
  EXPECT_EQ(j["privacy"]["epsilon"], "1");
  EXPECT_FALSE(j["disclosure"]["dominance"]["evaluated"].get<bool>());
  EXPECT_TRUE(DecodePartialTable(j).ok());
}

}  // namespace
}  // namespace verbind::federation
