// Attacks on the privacy budget, by real signed queries from one or two analyst nodes to a
// holder node: colluding requesters, averaging over many paddings of a tracker pair, averaging
// repeats, before/after differences of an updated record, a second policy, concurrency.
//
// The budget B belongs to the dataset and every answer to every requester (peers and the
// holder's own analysts, under any policy) draws on it; one requester may spend at most its
// share. Because each answer at epsilon is epsilon-differentially private and an exact repeat
// releases nothing new, what any set of requesters learns about one person is bounded by B.
// So, whatever they try, at most floor(B / epsilon) distinct answers are given. The previous
// version kept a separate history per requester and per policy, forgot answers after 1000,
// answered repeats with fresh noise and let the difference of an updated record through.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "common/files.h"
#include "tests/attack_fixture.h"

namespace verbind::testing {
namespace {

using nlohmann::json;

constexpr double kBudget = 0.5;   // B, each dataset's budget over its lifetime
constexpr double kEpsilon = 0.1;  // per answer
constexpr int kBackground = 300;
constexpr uint64_t kBackgroundSeed = 6161;
const char kOtherPurpose[] = "pa-schuldhulp";

Person Target() {
  Person t;
  t.id = "target";
  t.birth_year = 1925;
  t.region = "Utrecht";
  t.scheme = "AOW";
  t.amount_cents = 152345;
  t.start_date = "1999-03-01";
  t.household_size = 1;
  return t;
}

// A date nobody has (2031 onwards), the k-th: "start_date <> DATE '...'" holds for every
// record, so each k pads a query with a different text over the same records.
std::string Padding(int k) {
  char date[32];
  std::snprintf(date, sizeof date, "%04d-%02d-%02d", 2031 + k / 336, 1 + (k % 336) / 28,
                1 + k % 28);
  return std::string("start_date <> DATE '") + date + "'";
}

class PrivacyBudget : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = FreshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    net_.Start(root_, {"holder"}, {"analyst-a", "analyst-b"},
               {"VERBIND_PRIVACY_EPSILON=0.5", "VERBIND_PRIVACY_WINDOW_DAYS=0",
                "VERBIND_PRIVACY_REQUESTER_SHARE=1"});
  }

  // Dataset `name`: the background and the target, under a policy for both analysts at
  // epsilon 0.1 per answer.
  void Plant(const std::string& name, const std::optional<std::string>& share = std::nullopt) {
    net_.CreateDataset(
        "holder", name,
        SupportCsv("bg", kBackground, kBackgroundSeed) + PeopleCsv({Target()}, false));
    net_.ApplyPolicy("holder",
                     AttackPolicy(name + "-stats", name, {"analyst-a", "analyst-b"}, "0.1"));
    if (share) {
      auto [status, body] = net_.SetPrivacy("holder", name, {{"requester_share", *share}});
      ASSERT_EQ(status, 200) << body;
    }
  }

  std::string root_;
  AttackNet net_;
};

// Two colluding requesters (two analyst nodes) split a tracker pair between them: one asks
// "everyone", the other "everyone but the target". Their answers draw on the same dataset budget:
// together they get floor(B / epsilon) = 5 answers, then both are refused; and each is limited by
// its requester share (0.6 of B: 0.3, three answers), so one cannot spend the budget for everyone.
TEST_F(PrivacyBudget, TwoColludingRequestersDrawOnOneBudgetEachWithinItsShare) {
  Plant("support", "0.6");
  const std::string t = Singles(Target());
  std::map<std::string, int> answered;
  std::vector<std::string> last_refusal;
  for (int k = 0; k < 6; ++k) {
    std::string f = "SELECT count(*) FROM support WHERE " + Padding(k);
    for (const auto& [who, sql] :
         {std::pair{std::string("analyst-a"), f},
          std::pair{std::string("analyst-b"), f + " AND NOT (" + t + ")"}}) {
      Answer a = net_.Ask(who, "holder", sql);
      if (a.answered()) {
        ++answered[who];
      } else {
        EXPECT_EQ(a.code, "budget_exhausted") << a.response;
        last_refusal.push_back(a.message);
      }
    }
  }
  EXPECT_EQ(answered["analyst-a"] + answered["analyst-b"], AnswersWithin(kBudget, kEpsilon));
  EXPECT_EQ(answered["analyst-a"], 3);
  ASSERT_FALSE(last_refusal.empty());
  EXPECT_NE(last_refusal.back().find("the dataset has 0 of 0.5 left"), std::string::npos)
      << last_refusal.back();
  json privacy = net_.Privacy("holder", "support");
  EXPECT_EQ(privacy["budget"]["spent"], "0.5");
  EXPECT_EQ(privacy["spent_by_requester"]["analyst-a"], "0.3") << privacy;
  EXPECT_EQ(privacy["spent_by_requester"]["analyst-b"], "0.2") << privacy;

  // The share alone: analyst-a spends its 0.3 and is refused for its share while the dataset
  // still has 0.2 for analyst-b.
  Plant("shares", "0.6");
  int a_answers = 0, b_answers = 0;
  std::string share_refusal;
  for (int k = 0; k < 5; ++k) {
    Answer a = net_.Ask("analyst-a", "holder",
                        "SELECT count(*) FROM shares WHERE " + Padding(k) + " AND NOT (" + t + ")");
    if (a.answered()) {
      ++a_answers;
    } else {
      share_refusal = a.code + ": " + a.message;
    }
  }
  EXPECT_EQ(a_answers, 3);
  EXPECT_NE(share_refusal.find("budget_exhausted"), std::string::npos) << share_refusal;
  EXPECT_NE(share_refusal.find("organisation analyst-a has 0 of its share 0.3"), std::string::npos)
      << share_refusal;
  for (int k = 0; k < 5; ++k) {
    b_answers += net_.Ask("analyst-b", "holder", "SELECT count(*) FROM shares WHERE " + Padding(k))
                     .answered();
  }
  EXPECT_EQ(b_answers, 2);
}

// Averaging and padding: 100 distinct paddings of a tracker pair (200 queries), for a count and for
// an amount, by one requester and by two colluding ones. However many formulations, the dataset
// pays for floor(B / epsilon) = 5 distinct answers in all, so the averaged estimate rests on at
// most two complete pairs. What those can tell is bounded by B: the attacker's log-likelihood ratio
// of "in" against "out" from the answered counts is at most sum(1 / scale) = B whatever the noise
// drew (and the membership bound over 60 candidates is checked in
// privacy_attacks_inference_e2e_test); an amount of 1523.45 behind sums with noise of scale
// 50000.00 is not recovered within 1%.
TEST_F(PrivacyBudget, AHundredPaddingsOfATrackerPairBuyNoMoreThanTheBudget) {
  const std::string t = Singles(Target());
  struct Case {
    std::string dataset;
    std::string agg;
    bool colluding;
  };
  const std::vector<Case> cases = {{"count_one", "count(*)", false},
                                   {"count_two", "count(*)", true},
                                   {"sum_one", "sum(monthly_amount)", false},
                                   {"sum_two", "sum(monthly_amount)", true}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.dataset);
    Plant(c.dataset, c.colluding ? std::optional<std::string>("0.6") : std::nullopt);
    int charged = 0, refused = 0, pairs = 0;
    long double total = 0, llr_bound = 0, llr = 0;
    std::set<std::string> refusal_codes;
    for (int k = 0; k < 100; ++k) {
      std::string f = "SELECT " + c.agg + " FROM " + c.dataset + " WHERE " + Padding(k);
      Answer with = net_.Ask("analyst-a", "holder", f);
      Answer without =
          net_.Ask(c.colluding ? "analyst-b" : "analyst-a", "holder", f + " AND NOT (" + t + ")");
      for (const Answer* a : {&with, &without}) {
        if (a->answered()) {
          ++charged;
          EXPECT_EQ(a->Charged(), "0.1");
        } else {
          ++refused;
          refusal_codes.insert(a->code);
        }
      }
      if (with.answered() && c.agg == "count(*)") {
        // The count of everyone: the background (300) plus the target. Each answer moves the
        // log-likelihood ratio by at most 1 / scale = epsilon.
        long double s = with.Scale("rows");
        EXPECT_EQ(s, 1 / kEpsilon);
        llr += (std::fabs(with.Number(0) - kBackground) -
                std::fabs(with.Number(0) - kBackground - 1)) /
               s;
        llr_bound += 1 / s;
      }
      if (with.answered() && without.answered()) {
        ++pairs;
        total += with.Number(0) - without.Number(0);
      }
    }
    EXPECT_EQ(charged, AnswersWithin(kBudget, kEpsilon));
    EXPECT_EQ(refused, 200 - charged);
    EXPECT_EQ(refusal_codes, (std::set<std::string>{"budget_exhausted"}));
    EXPECT_LE(pairs, 2);
    ASSERT_GT(pairs, 0);
    long double estimate = total / pairs;
    if (c.agg == "count(*)") {
      EXPECT_LE(std::fabs(llr), kBudget + 1e-9);
      EXPECT_LE(llr_bound, kBudget + 1e-9);
    } else {
      EXPECT_FALSE(Recovered(estimate, *Target().amount_cents))
          << "the averaged tracker recovered the amount: " << estimate;
    }
  }
}

// Averaging repeats. The same query on the same data is the same release: asked 100 times by two
// requesters (and under another alias) it returns identical values and is charged once, so
// averaging repeats gains nothing: the average is the first answer.
TEST_F(PrivacyBudget, RepeatsReturnTheSameAnswerAndCostNothing) {
  Plant("support");
  const std::string q =
      "SELECT count(*), sum(monthly_amount) FROM support WHERE " + Singles(Target());
  Answer first = net_.Ask("analyst-a", "holder", q);
  ASSERT_TRUE(first.answered()) << first.response;
  EXPECT_EQ(first.Charged(), "0.1");
  const std::string aliased =
      "SELECT count(*) AS n, sum(monthly_amount) AS total FROM support WHERE " + Singles(Target());
  long double count_sum = 0, amount_sum = 0;
  for (int i = 0; i < 100; ++i) {
    // Every third time under other column names: the same statistics, the same release.
    std::string sql = i % 3 == 2 ? aliased : q;
    Answer again = net_.Ask(i % 2 ? "analyst-b" : "analyst-a", "holder", sql);
    ASSERT_TRUE(again.answered()) << again.response;
    EXPECT_EQ(again.result()["cells"], first.result()["cells"]) << "repeat " << i;
    EXPECT_EQ(again.Charged(), "0");
    EXPECT_TRUE(again.Repeat());
    count_sum += again.Number(0);
    amount_sum += again.Number(1);
  }
  EXPECT_EQ(count_sum / 100, first.Number(0));
  EXPECT_EQ(amount_sum / 100, first.Number(1));
  EXPECT_EQ(net_.Privacy("holder", "support")["budget"]["spent"], "0.1");
  // Another formulation of the same statistics is another release: charged, new noise.
  Answer other = net_.Ask("analyst-a", "holder",
                          "SELECT count(*), sum(monthly_amount) FROM support WHERE " +
                              Singles(Target()) + " AND birth_year >= 1915");
  EXPECT_EQ(other.Charged(), "0.1");
  EXPECT_NE(other.result()["cells"], first.result()["cells"]);
}

// An update of one record: the same query before and after an ingest that changes the target's
// amount. In the previous version the two answers were over the same record set, allowed, and their
// difference was the change. Now the data version is part of the release: the query after the
// update is a new release, charged, with fresh noise, so the difference of the two answers is the
// change plus noise of scale 100000.00 (sum) and not the change; and once the budget is spent, the
// next update's query is refused.
TEST_F(PrivacyBudget, AnUpdatedRecordIsANewReleaseNotAFreeDifference) {
  Plant("support");
  const std::string q =
      "SELECT sum(monthly_amount), count(*) FROM support WHERE " + Singles(Target());
  Answer before = net_.Ask("analyst-a", "holder", q);
  ASSERT_TRUE(before.answered()) << before.response;
  int64_t amount = *Target().amount_cents;
  std::vector<Answer> after;
  for (int update = 1; update <= AnswersWithin(kBudget, kEpsilon); ++update) {
    Person changed = Target();
    changed.amount_cents = amount + (update % 2 ? 100000 : 0);  // 1000.00 more, back, ...
    json report = net_.Ingest("holder", "support", PeopleCsv({changed}), "upsert");
    EXPECT_EQ(report["rows_replaced"], 1) << report;
    after.push_back(net_.Ask("analyst-a", "holder", q));
  }
  // Four updates were answered (with the first answer, the budget of five), the fifth refused.
  for (int i = 0; i < 4; ++i) {
    const Answer& a = after[static_cast<size_t>(i)];
    ASSERT_TRUE(a.answered()) << a.response;
    EXPECT_EQ(a.Charged(), "0.1") << "the query after an update was not charged";
    EXPECT_FALSE(a.Repeat());
    const Answer& previous = i == 0 ? before : after[static_cast<size_t>(i - 1)];
    // The change: +1000.00 after odd updates, -1000.00 after even ones.
    long double change = i % 2 ? -100000 : 100000;
    long double difference = a.Number(0) - previous.Number(0);
    EXPECT_NE(difference, change) << "the before/after difference is the exact change";
    EXPECT_FALSE(Recovered(std::fabs(difference), 100000)) << difference;
  }
  EXPECT_EQ(after.back().code, "budget_exhausted") << after.back().response;
}

// A second policy for the same requester (another purpose, another epsilon) does not open a second
// budget: both draw on the dataset's.
TEST_F(PrivacyBudget, ASecondPolicyDoesNotOpenASecondBudget) {
  Plant("support");
  net_.ApplyPolicy("holder",
                   AttackPolicy("second", "support", {"analyst-a"}, "0.25", {kOtherPurpose}));
  // Three answers under the first policy (0.3), then one under the second (0.25) does not fit
  // what is left (0.2); further answers under the first use up the rest.
  int first = 0;
  for (int k = 0; k < 3; ++k) {
    first += net_.Ask("analyst-a", "holder", "SELECT count(*) FROM support WHERE " + Padding(k))
                 .answered();
  }
  EXPECT_EQ(first, 3);
  Answer second = net_.Ask("analyst-a", "holder",
                           "SELECT count(*) FROM support WHERE " + Padding(50), kOtherPurpose);
  EXPECT_EQ(second.code, "budget_exhausted") << second.response;
  EXPECT_NE(second.message.find("(0.25)"), std::string::npos) << second.message;
  for (int k = 3; k < 5; ++k) {
    EXPECT_TRUE(net_.Ask("analyst-a", "holder", "SELECT count(*) FROM support WHERE " + Padding(k))
                    .answered());
  }
  Answer none = net_.Ask("analyst-a", "holder", "SELECT count(*) FROM support WHERE " + Padding(51),
                         kOtherPurpose);
  EXPECT_EQ(none.code, "budget_exhausted") << none.response;
  // And the other way round, on a fresh dataset: the second policy spends first.
  Plant("other");
  net_.ApplyPolicy("holder",
                   AttackPolicy("second-other", "other", {"analyst-a"}, "0.25", {kOtherPurpose}));
  for (int k = 0; k < 2; ++k) {
    EXPECT_TRUE(net_.Ask("analyst-a", "holder", "SELECT count(*) FROM other WHERE " + Padding(k),
                         kOtherPurpose)
                    .answered());
  }
  Answer after = net_.Ask("analyst-a", "holder", "SELECT count(*) FROM other WHERE " + Padding(9));
  EXPECT_EQ(after.code, "budget_exhausted") << after.response;
  json privacy = net_.Privacy("holder", "other");
  EXPECT_EQ(privacy["budget"]["spent"], "0.5");
  std::set<std::string> policies;
  for (const auto& c : privacy["charges"]) policies.insert(c["policy"].get<std::string>());
  EXPECT_EQ(policies, (std::set<std::string>{"second-other v1"})) << privacy;
  std::set<std::string> support_policies;
  json support = net_.Privacy("holder", "support");
  for (const auto& c : support["charges"]) {
    support_policies.insert(c["policy"].get<std::string>());
  }
  EXPECT_EQ(support_policies, (std::set<std::string>{"support-stats v1"}));
}

// The budget is not reset by a restart or by time when it counts over the dataset's lifetime:
// after both nodes restart with their clocks 40 days ahead, the spent dataset refuses new
// queries, and an earlier query repeated gets the very same answer (the noise key and the paid
// releases are kept). A rolling window forgets spending older than the window: there B bounds
// what is learnt per window, not over all time (the reason lifetime budgets exist).
TEST_F(PrivacyBudget, ALifetimeBudgetSurvivesRestartsAndTimeAWindowOnlyItsDays) {
  const char* lib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
  if (!common::PathExists(lib)) GTEST_SKIP() << "faketime is not installed";
  Plant("lifetime");
  Plant("windowed");
  auto [status, body] =
      net_.SetPrivacy("holder", "windowed", {{"window_days", 30}, {"accept_higher_loss", true}});
  ASSERT_EQ(status, 200) << body;
  const std::string first = "SELECT count(*) FROM lifetime WHERE " + Singles(Target());
  Answer kept = net_.Ask("analyst-a", "holder", first);
  ASSERT_TRUE(kept.answered()) << kept.response;
  for (const std::string dataset : {"lifetime", "windowed"}) {
    int answered = dataset == "lifetime" ? 1 : 0;
    for (int k = 0; k < 6; ++k) {
      answered += net_.Ask("analyst-a", "holder",
                           "SELECT count(*) FROM " + dataset + " WHERE " + Padding(k))
                      .answered();
    }
    EXPECT_EQ(answered, AnswersWithin(kBudget, kEpsilon)) << dataset;
  }
  // Both nodes restart 40 days later; they listen on new ports and re-pin each other.
  std::vector<std::string> later = {"LD_PRELOAD=" + PreloadFor(lib), "FAKETIME=+40d",
                                    "FAKETIME_DONT_FAKE_MONOTONIC=1"};
  std::vector<std::string> holder_env = later;
  for (const char* e : {"VERBIND_PRIVACY_EPSILON=0.5", "VERBIND_PRIVACY_WINDOW_DAYS=0",
                        "VERBIND_PRIVACY_REQUESTER_SHARE=1"}) {
    holder_env.push_back(e);
  }
  TestNode& holder = net_.node("holder");
  TestNode& analyst = net_.node("analyst-a");
  ASSERT_EQ(holder.Stop(), 0);
  ASSERT_EQ(analyst.Stop(), 0);
  ASSERT_TRUE(holder.Start(holder_env).ok()) << holder.Log();
  ASSERT_TRUE(analyst.Start(later).ok()) << analyst.Log();
  for (auto [from, to] : {std::pair{&holder, &analyst}, std::pair{&analyst, &holder}}) {
    std::string id = root_ + "/" + to->org() + ".identity.json";
    ASSERT_TRUE(common::WriteFileAtomic(id, to->IdentityJson(), 0644).ok());
    CliResult r = from->Cli({"peer", "update", to->org(), id});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  Answer refused =
      net_.Ask("analyst-a", "holder", "SELECT count(*) FROM lifetime WHERE " + Padding(60));
  EXPECT_EQ(refused.code, "budget_exhausted") << refused.response;
  Answer again = net_.Ask("analyst-a", "holder", first);
  ASSERT_TRUE(again.answered()) << again.response;
  EXPECT_EQ(again.result()["cells"], kept.result()["cells"]) << "new noise after a restart";
  EXPECT_EQ(again.Charged(), "0");
  Answer windowed =
      net_.Ask("analyst-a", "holder", "SELECT count(*) FROM windowed WHERE " + Padding(60));
  EXPECT_TRUE(windowed.answered()) << windowed.response;
  // Stopped in order, so that libfaketime removes the shared memory it made for each process.
  EXPECT_EQ(holder.Stop(), 0) << holder.Log();
  EXPECT_EQ(analyst.Stop(), 0) << analyst.Log();
}

// Requesters asking at once, from four threads on two analyst nodes, never get more than the
// budget pays for: the check and the charge are one step.
TEST_F(PrivacyBudget, ConcurrentRequestersNeverOverspendTheBudget) {
  Plant("support");
  std::atomic<int> answered{0}, exhausted{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        Answer a = net_.Ask(t % 2 ? "analyst-b" : "analyst-a", "holder",
                            "SELECT count(*) FROM support WHERE " + Padding(t * 3 + i));
        if (a.answered()) {
          ++answered;
        } else if (a.code == "budget_exhausted") {
          ++exhausted;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(answered.load(), AnswersWithin(kBudget, kEpsilon));
  EXPECT_EQ(exhausted.load(), 12 - AnswersWithin(kBudget, kEpsilon));
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(net_.Privacy("holder", "support")["budget"]["spent"], "0.5");
}

}  // namespace
}  // namespace verbind::testing
