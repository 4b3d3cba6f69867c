// Inference attacks by real signed queries (an analyst node asking a holder node): whether a
// planted person is in a dataset, and the amount of its monthly benefit, by every attack that
// recovered such a record through answers from the previous version: direct questions,
// tracker pairs with paddings, general trackers of three queries, trackers padded with
// NULL-valued rows, differences inside one cell of a grouped answer, complementary sets,
// slices of the table and histograms.
//
// Each attack is read twice: the way it was designed (a linear combination of answers in which
// everything but the target cancels; exact under the previous version), and by the worst-case
// attacker, who knows every other record (the background values come from the owner's raw
// answers over a copy of the data without the candidates) and combines every noisy number it
// was given by likelihood. Both are held to the bounds of pure B-differential privacy
// (tests/attack_fixture.h):
//
//   membership  correct guesses <= n p_B + 4.5 sqrt(n p_B (1 - p_B)),  p_B = e^B / (1 + e^B)
//   amounts     recovered (within 1%) <= n e^B q + 4.5 sqrt(n e^B q) + 1
//
// with B = 0.5 and n = 60: 54.2 correct guesses, and about 11.7 recovered amounts. To make the
// bound the real test, every candidate has a dataset of its own whose whole budget B the
// attacker may spend on it (requester share 1); one strategy spends all of B on one answer,
// which is right with probability p_B exactly (the bound is tight there). The last test shows
// what the same budget is worth when one dataset holds all candidates: near chance.
//
// The records, coins and amounts are seeded; the noise comes from each node's secret key,
// fresh in every run, so a failure reproduces in distribution (the counts are printed).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "tests/attack_fixture.h"

namespace verbind::testing {
namespace {

using nlohmann::json;

constexpr double kBudget = 0.5;  // B, each dataset's budget over its lifetime
constexpr int kCandidates = 60;  // n
constexpr int kBackground = 120;
constexpr uint64_t kBackgroundSeed = 4242;
// Secret amounts: uniform over 1000.00 .. 2999.99 (storage units: cents).
constexpr int64_t kAmountLo = 100000;
constexpr int64_t kAmountHi = 299999;
// The histograms the attacker asks for: 8 bins of 250.00 over [1000, 3000) (on the grid).
constexpr int64_t kHistLo = 100000;
constexpr int64_t kHistBin = 25000;
const char kHistogram[] = "histogram(monthly_amount, 1000, 3000, 8)";
const char kHistogramStatistic[] = "histogram(monthly_amount,100000,300000,8)";

enum class Reads { kCount, kSum, kHistogram };

// One query of an attack. In its text {D} is the dataset, {T} the predicate that singles the
// target out and {Y} the target's birth year.
struct Probe {
  std::string sql;
  int round = 0;             // the probes of a round together make one estimate
  int coef = 0;              // this answer's weight in that estimate
  size_t item = 0;           // the value read: item index in the partial
  json key = json::array();  // and cell
  bool target_in = false;    // whether the target's record, when there, is part of that value
};

struct Strategy {
  std::string name;
  std::string epsilon;  // per answer, set by the dataset's policy
  Reads reads = Reads::kCount;
  std::string statistic;  // the protection statistic of the value read
  std::vector<Probe> probes;
};

std::string Fill(std::string sql, const std::string& dataset, const Person& target) {
  auto replace = [&](const std::string& from, const std::string& to) {
    for (size_t at = sql.find(from); at != std::string::npos; at = sql.find(from, at + to.size())) {
      sql.replace(at, from.size(), to);
    }
  };
  replace("{D}", dataset);
  replace("{T}", Singles(target));
  replace("{Y}", std::to_string(target.birth_year));
  return sql;
}

// The attacks on one candidate with a count (membership) or a value (amounts). `agg` is the
// aggregate ("count(*)", "count(monthly_amount)", "sum(monthly_amount)" or a histogram) and
// `statistic` its noisy statistic. Each asks more than the budget pays for.
Strategy TrackerPairs(const std::string& agg, Reads reads, const std::string& statistic) {
  // "Everyone" and "everyone but the target", four times with different paddings (bounds on
  // birth years that hold for every record anyway): each pair's difference is the target.
  Strategy s{"tracker pairs with paddings", "0.1", reads, statistic, {}};
  for (int k = 0; k < 4; ++k) {
    std::string f = "birth_year >= 1915 AND birth_year <= " + std::to_string(2010 - k);
    s.probes.push_back({"SELECT " + agg + " FROM {D} WHERE " + f, k, +1, 0, json::array(), true});
    s.probes.push_back({"SELECT " + agg + " FROM {D} WHERE " + f + " AND NOT ({T})", k, -1, 0,
                        json::array(), false});
  }
  return s;
}

Strategy GeneralTrackers(const std::string& agg, Reads reads, const std::string& statistic) {
  // Denning's general tracker in three queries: A (Utrecht), B (Utrecht without the target,
  // plus region R) and C (R); the target is A + C - B, while every pair of the three differs
  // by many records. A is the same query in every round (a free repeat with the same noise).
  Strategy s{"general trackers of three queries", "0.1", reads, statistic, {}};
  int round = 0;
  for (std::string r : {"Drenthe", "Groningen", "Zuid-Holland"}) {
    s.probes.push_back({"SELECT " + agg + " FROM {D} WHERE region = 'Utrecht'", round, +1, 0,
                        json::array(), true});
    std::string padded = "(region = 'Utrecht' AND NOT ({T})) OR region = '" + r + "'";
    s.probes.push_back(
        {"SELECT " + agg + " FROM {D} WHERE " + padded, round, -1, 0, json::array(), false});
    s.probes.push_back({"SELECT " + agg + " FROM {D} WHERE region = '" + r + "'", round, +1, 0,
                        json::array(), false});
    ++round;
  }
  return s;
}

Strategy CellDifferences(const std::string& agg, Reads reads, const std::string& statistic) {
  // Two grouped answers whose record sets differ by dozens of records, but whose Utrecht cells
  // differ by the target only.
  Strategy s{"differences inside one cell", "0.1", reads, statistic, {}};
  for (int k = 0; k < 4; ++k) {
    std::string y = std::to_string(1915 + k);
    s.probes.push_back(
        {"SELECT region, " + agg + " FROM {D} WHERE birth_year >= " + y + " GROUP BY region", k, +1,
         1, json::array({"Utrecht"}), true});
    std::string utrecht = "region = 'Utrecht' AND birth_year >= " + y + " AND NOT ({T})";
    std::string other = "(region <> 'Utrecht' AND birth_year >= 1970) OR (" + utrecht + ")";
    s.probes.push_back({"SELECT region, " + agg + " FROM {D} WHERE " + other + " GROUP BY region",
                        k, -1, 1, json::array({"Utrecht"}), false});
  }
  return s;
}

std::vector<Strategy> MembershipStrategies() {
  std::vector<Strategy> out;
  // All of B on one direct question: the optimal test of one discrete Laplace answer, which
  // is right with probability p_B exactly. The second question is more than the budget pays.
  out.push_back({"one answer of epsilon B",
                 "0.5",
                 Reads::kCount,
                 "rows",
                 {{"SELECT count(*) FROM {D} WHERE {T}", 0, +1, 0, json::array(), true},
                  {"SELECT count(*) FROM {D} WHERE {T} AND birth_year >= 1915", 1, +1, 0,
                   json::array(), true}}});
  out.push_back(TrackerPairs("count(*)", Reads::kCount, "rows"));
  out.push_back(GeneralTrackers("count(*)", Reads::kCount, "rows"));
  // Padded with NULL-valued rows: count(monthly_amount) of "everyone with an amount" and of
  // "everyone with an amount but the target, plus everyone without one": the record sets
  // differ by the target and every NULL row, the counts of values by the target only.
  Strategy nulls{
      "trackers padded with NULL-valued rows", "0.1", Reads::kCount, "nonnull(monthly_amount)", {}};
  for (int k = 0; k < 4; ++k) {
    std::string f = "birth_year <= " + std::to_string(2010 - k) + " AND monthly_amount IS NOT NULL";
    nulls.probes.push_back(
        {"SELECT count(monthly_amount) FROM {D} WHERE " + f, k, +1, 0, json::array(), true});
    nulls.probes.push_back({"SELECT count(monthly_amount) FROM {D} WHERE (" + f +
                                " AND NOT ({T})) OR monthly_amount IS NULL",
                            k, -1, 0, json::array(), false});
  }
  out.push_back(nulls);
  out.push_back(CellDifferences("count(*)", Reads::kCount, "rows"));
  // Complementary sets (the whole table minus everyone but the target) and slices (the whole
  // table minus the slices born before, after, and in the target's year without the target).
  out.push_back(
      {"complementary sets and slices",
       "0.1",
       Reads::kCount,
       "rows",
       {{"SELECT count(*) FROM {D}", 0, +1, 0, json::array(), true},
        {"SELECT count(*) FROM {D} WHERE NOT ({T})", 0, -1, 0, json::array(), false},
        {"SELECT count(*) FROM {D}", 1, +1, 0, json::array(), true},
        {"SELECT count(*) FROM {D} WHERE birth_year < {Y}", 1, -1, 0, json::array(), false},
        {"SELECT count(*) FROM {D} WHERE birth_year > {Y}", 1, -1, 0, json::array(), false},
        {"SELECT count(*) FROM {D} WHERE birth_year = {Y} AND NOT ({T})", 1, -1, 0, json::array(),
         false},
        {"SELECT count(*) FROM {D}", 2, +1, 0, json::array(), true},
        {"SELECT count(*) FROM {D} WHERE birth_year >= 1915 AND NOT ({T})", 2, -1, 0, json::array(),
         false}}});
  return out;
}

std::vector<Strategy> AmountStrategies() {
  std::vector<Strategy> out;
  const std::string hist = kHistogram;
  // All of B on the target's histogram on the public grid: its largest bin locates the amount
  // to 250.00; this comes close to the bound.
  out.push_back({"histogram of the target at epsilon B",
                 "0.5",
                 Reads::kHistogram,
                 kHistogramStatistic,
                 {{"SELECT " + hist + " FROM {D} WHERE {T}", 0, +1, 0, json::array(), true},
                  {"SELECT " + hist + " FROM {D} WHERE {T} AND birth_year >= 1915", 1, +1, 0,
                   json::array(), true}}});
  out.push_back({"sum of the target at epsilon B",
                 "0.5",
                 Reads::kSum,
                 "sum(monthly_amount)",
                 {{"SELECT sum(monthly_amount) FROM {D} WHERE {T}", 0, +1, 0, json::array(), true},
                  {"SELECT sum(monthly_amount) FROM {D} WHERE {T} AND birth_year >= 1915", 1, +1, 0,
                   json::array(), true}}});
  out.push_back(TrackerPairs("sum(monthly_amount)", Reads::kSum, "sum(monthly_amount)"));
  out.push_back(GeneralTrackers("sum(monthly_amount)", Reads::kSum, "sum(monthly_amount)"));
  out.push_back(CellDifferences("sum(monthly_amount)", Reads::kSum, "sum(monthly_amount)"));
  out.push_back(TrackerPairs(hist, Reads::kHistogram, kHistogramStatistic));
  out.back().name = "histogram tracker pairs";
  return out;
}

// What the attacker got from one strategy on one dataset.
struct Outcome {
  std::vector<Observation> seen;                   // for the worst-case attacker
  std::map<int, std::vector<long double>> rounds;  // designed estimates, per round
  std::map<int, int> probes, answered;             // per round
  int charged = 0;
  int refused = 0;
};

class PrivacyInference : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = FreshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    // Every dataset's budget: B over its lifetime, all of which one requester may spend.
    net_.Start(root_, {"holder"}, {"analyst"},
               {"VERBIND_PRIVACY_EPSILON=0.5", "VERBIND_PRIVACY_WINDOW_DAYS=0",
                "VERBIND_PRIVACY_REQUESTER_SHARE=1"});
    background_ = SupportCsv("bg", kBackground, kBackgroundSeed);
    // The same records without any candidate: what the worst-case attacker knows.
    net_.CreateDataset("holder", "bg", background_);
  }

  // The value of `p` in the owner's raw answer over the background: what the worst-case
  // attacker knows the answer would be without the target.
  std::vector<long double> BackgroundValues(const Probe& p, const Person& target, Reads reads) {
    std::string sql = Fill(p.sql, "bg", target);
    auto it = raw_.find(sql);
    if (it == raw_.end()) {
      json result = net_.Raw("holder", sql);
      it = raw_.emplace(sql, result).first;
    }
    std::vector<long double> out;
    for (const auto& row : it->second["rows"]) {
      if (row["key"] != p.key) continue;
      const json& v = row["values"][p.item - p.key.size()];
      if (reads == Reads::kHistogram) {
        for (const auto& b : v["bins"]) out.push_back(b.get<int64_t>());
      } else if (v.is_string()) {
        out.push_back(std::round(std::stold(v.get<std::string>()) * 100));  // decimal(2)
      } else {
        out.push_back(v.is_null() ? 0 : v.get<int64_t>());
      }
    }
    EXPECT_FALSE(out.empty()) << sql << " " << it->second;
    return out;
  }

  // Runs every probe of `s` against `dataset` for `target`; checks what the budget allows.
  Outcome Run(const Strategy& s, const std::string& dataset, const Person& target) {
    Outcome o;
    std::map<std::string, std::vector<long double>> first;  // per query text
    for (const Probe& p : s.probes) {
      std::string sql = Fill(p.sql, dataset, target);
      ++o.probes[p.round];
      Answer a = net_.Ask("analyst", "holder", sql);
      if (!a.answered()) {
        // Nothing but the budget stops these queries, and it says nothing about the target.
        EXPECT_EQ(a.code, "budget_exhausted") << s.name << ": " << sql << "\n" << a.response;
        ++o.refused;
        continue;
      }
      ++o.answered[p.round];
      std::vector<long double> values = s.reads == Reads::kHistogram
                                            ? a.Bins(p.item, p.key)
                                            : std::vector<long double>{a.Number(p.item, p.key)};
      auto& round = o.rounds[p.round];
      round.resize(values.size(), 0);
      for (size_t j = 0; j < values.size(); ++j) round[j] += p.coef * values[j];
      if (a.Repeat()) {
        // The same query on the same data: the same answer, at no cost (nothing to average).
        EXPECT_EQ(values, first[sql]) << sql;
        EXPECT_EQ(a.Charged(), "0") << sql;
        continue;
      }
      ++o.charged;
      EXPECT_EQ(a.Charged(), s.epsilon) << sql;
      first[sql] = values;
      std::vector<long double> background = BackgroundValues(p, target, s.reads);
      if (background.size() != values.size()) continue;
      long double scale = a.Scale(s.statistic);
      for (size_t j = 0; j < values.size(); ++j) {
        Observation seen;
        seen.released = values[j];
        seen.background = background[j];
        seen.scale = scale;
        bool in = p.target_in;
        if (s.reads == Reads::kHistogram) {
          int64_t lo = kHistLo + static_cast<int64_t>(j) * kHistBin;
          seen.contribution = [in, lo](long double a) {
            return in && a >= lo && a < lo + kHistBin ? 1.0L : 0.0L;
          };
        } else {
          seen.contribution = [in](long double secret) { return in ? secret : 0.0L; };
        }
        o.seen.push_back(std::move(seen));
      }
    }
    // The attacker asked for more than B pays for: exactly floor(B / epsilon) distinct answers
    // were given, then every new query was refused.
    EXPECT_EQ(o.charged, AnswersWithin(kBudget, std::stod(s.epsilon))) << s.name;
    EXPECT_GT(o.refused, 0) << s.name;
    return o;
  }

  // The designed estimate: the mean over complete rounds of the rounds' combinations.
  static std::optional<std::vector<long double>> Designed(const Outcome& o) {
    std::vector<long double> sum;
    int complete = 0;
    for (const auto& [round, v] : o.rounds) {
      if (o.answered.at(round) != o.probes.at(round)) continue;
      sum.resize(v.size(), 0);
      for (size_t j = 0; j < v.size(); ++j) sum[j] += v[j];
      ++complete;
    }
    if (complete == 0) return std::nullopt;
    for (auto& x : sum) x /= complete;
    return sum;
  }

  std::string root_;
  AttackNet net_;
  std::string background_;
  std::map<std::string, json> raw_;
};

struct Tally {
  int designed = 0;
  int worst = 0;
  int n = 0;
};

void Report(const std::string& what, const std::map<std::string, Tally>& by, const Tally& all,
            double bound) {
  std::cout << what << ": designed " << all.designed << "/" << all.n << ", worst case " << all.worst
            << "/" << all.n << ", bound " << bound << "\n";
  for (const auto& [name, t] : by) {
    std::cout << "  " << name << ": designed " << t.designed << "/" << t.n << ", worst case "
              << t.worst << "/" << t.n << "\n";
  }
}

TEST_F(PrivacyInference, MembershipOfOnePersonPerDatasetStaysWithinTheBoundOfItsBudget) {
  std::vector<Person> candidates = PlantCandidates(kCandidates, 7001, kAmountLo, kAmountHi);
  std::vector<bool> coins = Coins(kCandidates, 7002);
  std::vector<Strategy> strategies = MembershipStrategies();
  std::map<std::string, Tally> by;
  Tally all;
  for (int i = 0; i < kCandidates; ++i) {
    const Strategy& s = strategies[static_cast<size_t>(i) % strategies.size()];
    std::string d = "m_" + std::to_string(i);
    std::string csv = background_;
    if (coins[static_cast<size_t>(i)])
      csv += PeopleCsv({candidates[static_cast<size_t>(i)]}, false);
    net_.CreateDataset("holder", d, csv);
    net_.ApplyPolicy("holder", AttackPolicy(d, d, {"analyst"}, s.epsilon));
    Outcome o = Run(s, d, candidates[static_cast<size_t>(i)]);
    auto designed = Designed(o);
    bool designed_guess = designed && (*designed)[0] >= 0.5;
    bool worst_guess = GuessPresent(o.seen);
    bool truth = coins[static_cast<size_t>(i)];
    Tally& t = by[s.name];
    for (Tally* x : {&t, &all}) {
      x->designed += designed_guess == truth;
      x->worst += worst_guess == truth;
      ++x->n;
    }
  }
  // p_B = e^0.5 / (1 + e^0.5) = 0.622; 60 * 0.622 + 4.5 * sqrt(60 * 0.622 * 0.378) = 54.2.
  double bound = MembershipCountBound(kCandidates, kBudget);
  Report("membership", by, all, bound);
  EXPECT_LE(all.designed, bound) << "the attacks as designed beat differential privacy";
  EXPECT_LE(all.worst, bound) << "the worst-case attacker beat differential privacy";
}

TEST_F(PrivacyInference, AmountOfOnePersonPerDatasetStaysWithinTheBoundOfItsBudget) {
  std::vector<Person> candidates = PlantCandidates(kCandidates, 8001, kAmountLo, kAmountHi);
  std::vector<Strategy> strategies = AmountStrategies();
  std::map<std::string, Tally> by;
  Tally all;
  for (int i = 0; i < kCandidates; ++i) {
    const Person& target = candidates[static_cast<size_t>(i)];
    const Strategy& s = strategies[static_cast<size_t>(i) % strategies.size()];
    std::string d = "a_" + std::to_string(i);
    net_.CreateDataset("holder", d, background_ + PeopleCsv({target}, false));
    net_.ApplyPolicy("holder", AttackPolicy(d, d, {"analyst"}, s.epsilon));
    Outcome o = Run(s, d, target);
    long double designed = (kAmountLo + kAmountHi) / 2.0L;  // no estimate: the prior's middle
    if (auto v = Designed(o)) {
      if (s.reads == Reads::kHistogram) {
        size_t top = static_cast<size_t>(std::max_element(v->begin(), v->end()) - v->begin());
        designed = kHistLo + static_cast<long double>(top) * kHistBin + kHistBin / 2.0L;
      } else {
        designed = std::clamp<long double>((*v)[0], kAmountLo, kAmountHi);
      }
    }
    int64_t worst = GuessAmount(o.seen, kAmountLo, kAmountHi, 100, 0.01);
    long double truth = static_cast<long double>(*target.amount_cents);
    Tally& t = by[s.name];
    for (Tally* x : {&t, &all}) {
      x->designed += Recovered(designed, truth);
      x->worst += Recovered(worst, truth);
      ++x->n;
    }
  }
  // q: the largest prior mass one estimate recovers, 3000 * 0.02 / 1.01 / 2000 = 0.0297;
  // 60 * e^0.5 * q = 2.94, + 4.5 * sqrt(2.94) + 1 = 11.7.
  double q = RecoveryMass(kAmountLo / 100.0, kAmountHi / 100.0, 0.01);
  double bound = AmountCountBound(kCandidates, kBudget, q);
  Report("amounts recovered within 1%", by, all, bound);
  EXPECT_LE(all.designed, bound) << "the attacks as designed beat differential privacy";
  EXPECT_LE(all.worst, bound) << "the worst-case attacker beat differential privacy";
}

TEST_F(PrivacyInference, OneBudgetSpreadOverManyTargetsLeavesTheAttackerNearChance) {
  // All 60 candidates (each in with probability 1/2) in one dataset of 2000 records with
  // budget B = 0.5 at epsilon 0.1 per answer. The attacker asks about each candidate in turn;
  // the dataset pays for floor(B / epsilon) = 5 answers, and every later question is refused
  // with the same text, whoever it is about.
  std::vector<Person> candidates = PlantCandidates(kCandidates, 9001, kAmountLo, kAmountHi);
  std::vector<bool> coins = Coins(kCandidates, 9002);
  std::string csv = SupportCsv("shared", 2000, 9003);
  std::vector<Person> in;
  for (int i = 0; i < kCandidates; ++i) {
    if (coins[static_cast<size_t>(i)]) in.push_back(candidates[static_cast<size_t>(i)]);
  }
  net_.CreateDataset("holder", "shared", csv + PeopleCsv(in, false));
  net_.ApplyPolicy("holder", AttackPolicy("shared", "shared", {"analyst"}, "0.1"));
  int right = 0, answered = 0;
  std::set<std::string> refusals;
  for (int i = 0; i < kCandidates; ++i) {
    Answer a = net_.Ask(
        "analyst", "holder",
        "SELECT count(*) FROM shared WHERE " + Singles(candidates[static_cast<size_t>(i)]));
    bool guess = false;  // refused: nothing learnt, guess "not in"
    if (a.answered()) {
      ++answered;
      Observation seen{a.Number(0), 0, a.Scale("rows"), [](long double b) { return b; }};
      guess = GuessPresent({seen});
    } else {
      EXPECT_EQ(a.code, "budget_exhausted") << a.response;
      refusals.insert(a.code + ": " + a.message);
    }
    right += guess == coins[static_cast<size_t>(i)];
  }
  EXPECT_EQ(answered, AnswersWithin(kBudget, 0.1));
  EXPECT_EQ(refusals.size(), 1u) << "refusals differ between targets";
  // Candidates never answered about are guessed at chance (1/2); each answered one at most
  // p_0.1 = e^0.1 / (1 + e^0.1) = 0.525. Allow kDeviations standard deviations (each at most
  // sqrt(n) / 2).
  double spread = (kCandidates - answered) * 0.5 + answered * MembershipGuessBound(0.1) +
                  kDeviations * std::sqrt(kCandidates) / 2;
  std::cout << "shared dataset: " << right << "/" << kCandidates << " right, " << answered
            << " answered; bound near chance " << spread << ", bound of B "
            << MembershipCountBound(kCandidates, kBudget) << "\n";
  EXPECT_LE(right, spread);
  EXPECT_LE(right, MembershipCountBound(kCandidates, kBudget));
}

}  // namespace
}  // namespace verbind::testing
