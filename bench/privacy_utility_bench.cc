// privacy_utility_bench: how close answers under differential privacy come to the exact values,
// for docs/performance.md ("Utility under differential privacy").
//
//   build/bench/privacy_utility_bench [--k 200] [--seed 20240601] [--dir /tmp] [--markdown]
//
// It loads synthetic benefit records into a real dataset store (RocksDB in a fresh folder under
// --dir, removed at the end): four municipalities of exactly 10, 100, 1,000 and 10,000
// recipients, monthly_amount declared in [0, 5000] euro. (bench/bench_records.h draws regions
// at random, so its cells have no exact sizes.) For each epsilon per query (0.02, the default
// 0.1, and 0.5) and each municipality it asks the node's AnswerService K distinct queries whose
// exact answer is that municipality: the always-true condition birth_year < 3000 + i makes each
// one a new release, with fresh noise and its own charge. K ask count(*) and sum(monthly_amount)
// together (epsilon split over 2 statistics), K ask avg(monthly_amount) (a count of values and
// a centred sum: 2 statistics). It prints the mean errors of the finished values beside what
// discrete Laplace noise of the documented scale predicts, and how many such queries the
// default dataset budget allows. The run's own budget is raised so that it never runs out.
// A last line compares the mean |noise| of every released statistic with E|Z|, and its mean
// with 0, so a wrong scale or a broken sampler shows (exit status 1 when one is off by more
// than 4 standard errors). The same seed gives the same records, the same noise key and the
// same tables.
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "bench/bench_flags.h"
#include "bench/bench_table.h"
#include "common/clock.h"
#include "config/policy.h"
#include "config/schema.h"
#include "crypto/secret.h"
#include "federation/answer/answer_service.h"
#include "federation/result.h"
#include "federation/sql.h"
#include "storage/database.h"
#include "storage/dataset_store.h"
#include "storage/policy_store.h"
#include "storage/privacy_ledger.h"
#include "testing/dataset_fixture.h"

namespace verbind::bench {
namespace {

using common::Result;
using common::Status;
using federation::Int128;
using federation::PartialTable;
using nlohmann::json;

constexpr char kDataset[] = "benefits";
constexpr char kSchemaToml[] = R"toml(
description = "Synthetic benefit recipients in four municipalities (utility benchmark)"
key = "person_id"
[[fields]]
name = "person_id"
type = "identifier"
[[fields]]
name = "birth_year"
type = "integer"
nullable = false
min = 1900
max = 2030
[[fields]]
name = "municipality"
type = "categorical"
nullable = false
categories = ["m10", "m100", "m1000", "m10000"]
[[fields]]
name = "monthly_amount"
type = "decimal"
scale = 2
nullable = false
min = "0.00"
max = "5000.00"
)toml";

// The declared bounds of monthly_amount in cents, and what follows from them (plan.cc):
// sum(f) has sensitivity max(|min|, |max|); avg(f) releases a sum of x - centre, centre
// floor((min + max) / 2), of sensitivity max(max - centre, centre - min).
constexpr int64_t kAmountMin = 0;
constexpr int64_t kAmountMax = 500'000;
constexpr int64_t kAmountCentre = (kAmountMin + kAmountMax) / 2;
constexpr int64_t kSumSensitivity = kAmountMax;
constexpr int64_t kCentredSumSensitivity = kAmountMax - kAmountCentre;
constexpr int kStatisticsPerQuery = 2;  // count and sum; or n and centred sum

constexpr int64_t kRecipients[] = {10, 100, 1'000, 10'000};
constexpr int64_t kEpsilonsMicro[] = {20'000, config::kDefaultEpsilonPerQueryMicro, 500'000};
constexpr double kMicro = 1e6;
constexpr int64_t kDayMs = 86'400'000;
constexpr double kNoiseAlarm = 4;  // standard errors

// One municipality: a cell of the benchmark, with its exact values.
struct Municipality {
  std::string name;
  int64_t recipients = 0;
  Int128 amount_cents = 0;  // the exact sum(monthly_amount)
};

// The records as CSV, and each municipality's exact values. Amounts are uniform in 200.00 ..
// 3999.99 euro (as in bench_records.h), birth years in 1925 .. 2005.
std::string Records(uint64_t seed, std::vector<Municipality>* municipalities) {
  std::mt19937_64 rng(seed);
  std::string csv = "person_id,birth_year,municipality,monthly_amount\n";
  int64_t person = 0;
  for (int64_t recipients : kRecipients) {
    Municipality m{"m" + std::to_string(recipients), recipients, 0};
    for (int64_t i = 0; i < recipients; ++i, ++person) {
      uint64_t r = rng();
      int64_t cents = 20'000 + static_cast<int64_t>(r % 380'000);
      int birth_year = 1925 + static_cast<int>((r >> 32) % 81);
      m.amount_cents += cents;
      char line[96];
      std::snprintf(line, sizeof line, "P%010lld,%d,%s,%lld.%02lld\n",
                    static_cast<long long>(person), birth_year, m.name.c_str(),
                    static_cast<long long>(cents / 100), static_cast<long long>(cents % 100));
      csv += line;
    }
    municipalities->push_back(std::move(m));
  }
  return csv;
}

// A node's answering pipeline over real stores in one folder: dataset store, policy store,
// privacy ledger and a manual clock. The ledger's budget is the largest allowed, over a
// window of one day, so that NextWindow() gives every measurement the whole of it.
class Node {
 public:
  static Result<std::unique_ptr<Node>> Open(const std::string& dir, uint64_t seed) {
    auto node = std::unique_ptr<Node>(new Node());
    ASSIGN_OR_RETURN(testing::OpenedStore opened,
                     testing::OpenStore(dir + "/db", {}, &node->clock_));
    node->db_ = std::move(opened.db);
    node->store_ = std::move(opened.store);
    ASSIGN_OR_RETURN(node->policies_, storage::PolicyStore::Load(node->db_.get(), &node->clock_));
    storage::DatasetPrivacy budget;
    budget.budget_micro = storage::kMaxEpsilonMicro;
    budget.window_days = 1;
    budget.requester_share_micro = storage::kMicro;  // the whole budget
    node->ledger_ = std::make_unique<storage::PrivacyLedger>(node->db_.get(), budget);
    federation::AnswerDependencies deps;
    deps.datasets = node->store_.get();
    deps.policies = node->policies_.get();
    deps.ledger = node->ledger_.get();
    deps.clock = &node->clock_;
    std::mt19937_64 rng(seed ^ 0x6e6f6973656b6579ULL);
    std::vector<uint8_t> secret(32);
    for (uint8_t& b : secret) b = static_cast<uint8_t>(rng());
    deps.noise_secret = crypto::SecretBytes(secret);
    node->service_ = std::make_unique<federation::AnswerService>(std::move(deps));
    return node;
  }

  // Creates the dataset and ingests `csv` (the schema-and-rows fixture); Internal unless every
  // record is stored.
  Status Load(const std::string& csv, int64_t records) {
    ASSIGN_OR_RETURN(storage::IngestReport report,
                     testing::LoadDataset(*store_, kDataset, kSchemaToml, csv));
    if (report.rows_inserted != records) {
      return common::Internal("ingest stored " + std::to_string(report.rows_inserted) + " of " +
                              std::to_string(records) + " records");
    }
    return Status::Ok();
  }

  // The protected answer to `sql` under a policy of `epsilon_micro` per query, decoded as its
  // requester decodes it, with its charge written and committed. Internal when the query was
  // refused, or answered as a repeat (its noise would not be fresh).
  Result<PartialTable> Ask(const std::string& sql, int64_t epsilon_micro) {
    ASSIGN_OR_RETURN(federation::Query query, federation::ParseSql(sql));
    auto policy = std::make_shared<config::Policy>();
    policy->id = "utility";
    policy->epsilon_per_query_micro = epsilon_micro;
    federation::Grant grant{policy->id, 1, std::move(query), policy};
    auto answer = service_->Answer(grant, "analyst");
    if (auto* r = std::get_if<federation::Refusal>(&answer)) {
      return common::Internal(sql + ": refused (" + r->code + "): " + r->message);
    }
    auto& protected_answer = std::get<federation::ProtectedAnswer>(answer);
    const storage::BudgetReport& charge = protected_answer.reservation.report();
    if (charge.repeat || charge.charged_micro != epsilon_micro) {
      return common::Internal(sql + ": answered as a repeat, without fresh noise");
    }
    // Durability is not what is measured here: the charge is written without a sync.
    RETURN_IF_ERROR(db_->Write(protected_answer.reservation.batch(), /*sync=*/false));
    protected_answer.reservation.Commit();
    return federation::DecodePartialTable(protected_answer.result);
  }

  // The owner's exact answer to `sql`.
  Result<PartialTable> AskRaw(const std::string& sql) {
    ASSIGN_OR_RETURN(federation::Query query, federation::ParseSql(sql));
    return service_->AnswerRaw(query);
  }

  // Moves the clock past the ledger's window: the whole budget is available again.
  void NextWindow() { clock_.Advance(kDayMs + 1); }

 private:
  Node() = default;

  common::ManualClock clock_{1'780'000'000'000};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::DatasetStore> store_;
  std::unique_ptr<storage::PolicyStore> policies_;
  std::unique_ptr<storage::PrivacyLedger> ledger_;
  std::unique_ptr<federation::AnswerService> service_;
};

// The scale b of discrete Laplace noise on a statistic of `sensitivity` when epsilon is split
// over kStatisticsPerQuery statistics: sensitivity * m / epsilon.
double NoiseScale(int64_t sensitivity, int64_t epsilon_micro) {
  return static_cast<double>(sensitivity) * kStatisticsPerQuery * kMicro /
         static_cast<double>(epsilon_micro);
}

// E|Z| and E[Z^2] of the discrete Laplace distribution of scale b, P(z) proportional to p^|z|
// with p = exp(-1 / b): 2p / (1 - p^2) and 2p / (1 - p)^2.
double ExpectedAbsNoise(double b) { return 2 * std::exp(-1 / b) / -std::expm1(-2 / b); }
double ExpectedSquaredNoise(double b) {
  double q = -std::expm1(-1 / b);
  return 2 * std::exp(-1 / b) / (q * q);
}

// A running mean.
struct Mean {
  double sum = 0;
  int64_t n = 0;
  void Add(double x) {
    sum += x;
    ++n;
  }
  double Value() const { return n > 0 ? sum / static_cast<double>(n) : std::nan(""); }
};

// The noise of one released statistic at one point, against the discrete Laplace distribution
// of its scale: the mean of |Z| should be near E|Z|, the mean of Z near 0.
struct NoiseCheck {
  std::string statistic;
  double scale = 1;
  Mean noise;
  Mean abs_noise;

  void Add(double z) {
    noise.Add(z);
    abs_noise.Add(std::fabs(z));
  }
  // How many standard errors of the mean the measured mean |Z| lies from E|Z|.
  double AbsDeviation() const {
    double e = ExpectedAbsNoise(scale);
    double sd = std::sqrt(ExpectedSquaredNoise(scale) - e * e);
    return (abs_noise.Value() - e) / (sd / std::sqrt(static_cast<double>(abs_noise.n)));
  }
  // How many standard errors the measured mean Z lies from 0.
  double Bias() const {
    double sd = std::sqrt(ExpectedSquaredNoise(scale));
    return noise.Value() / (sd / std::sqrt(static_cast<double>(noise.n)));
  }
};

// What one point (an epsilon per query and a municipality) measured.
struct Point {
  int64_t epsilon_micro = 0;
  int64_t recipients = 0;
  Mean count_error;         // |finished count - true count|
  Mean sum_relative_error;  // |finished sum - true sum| / true sum
  Mean avg_error_euro;      // |finished mean - true mean|, over the answers with a mean
  int64_t avg_undefined = 0;
  Int128 true_sum_cents = 0;
  std::vector<NoiseCheck> noise;  // rows, sum, n, centred sum
};

// The released value of item `item` of a one-cell answer.
Result<const federation::ReleasedValue*> Released(const PartialTable& t, size_t item) {
  if (t.cells.size() != 1 || t.cells[0].values.size() <= item || !t.cells[0].values[item].value) {
    return common::Internal("an answer without the expected cell");
  }
  return &*t.cells[0].values[item].value;
}

// The finished values of a one-cell answer, as analysts see them.
Result<std::vector<federation::ResultValue>> Finished(const PartialTable& t) {
  ASSIGN_OR_RETURN(federation::ResultTable table, federation::FinishTable(t, federation::Coverage::kEveryone));
  if (table.rows.size() != 1) return common::Internal("an answer without one row");
  return table.rows[0].values;
}

// FROM and WHERE of query i on `m`: every record of the municipality, a distinct query for
// every i.
std::string CellFilter(const Municipality& m, int i) {
  return " FROM " + std::string(kDataset) + " WHERE municipality = '" + m.name +
         "' AND birth_year < " + std::to_string(3000 + i);
}

// The released count and sum of a one-cell answer to count(*), sum(f).
Result<std::pair<int64_t, Int128>> CountAndSum(const PartialTable& t) {
  ASSIGN_OR_RETURN(const federation::ReleasedValue* count, Released(t, 0));
  ASSIGN_OR_RETURN(const federation::ReleasedValue* sum, Released(t, 1));
  const auto* c = std::get_if<federation::CountValue>(count);
  const auto* s = std::get_if<federation::SumValue>(sum);
  if (!c || !s) return common::Internal("count and sum released as other kinds");
  return std::make_pair(c->count, s->sum);
}

// Query i of count(*) and sum(monthly_amount) on `m`.
Status MeasureCountAndSum(Node& node, const Municipality& m, int i, Point* p) {
  ASSIGN_OR_RETURN(
      PartialTable t,
      node.Ask("SELECT count(*), sum(monthly_amount)" + CellFilter(m, i), p->epsilon_micro));
  ASSIGN_OR_RETURN(auto released, CountAndSum(t));
  p->noise[0].Add(static_cast<double>(released.first - m.recipients));
  p->noise[1].Add(static_cast<double>(released.second - m.amount_cents));
  ASSIGN_OR_RETURN(std::vector<federation::ResultValue> values, Finished(t));
  int64_t sum_cents = 0;
  if (!values[0].value.is_number_integer() || !values[1].value.is_string() ||
      !config::ParseDecimal(values[1].value.get<std::string>(), 2, &sum_cents)) {
    return common::Internal("finished count or sum of an unexpected type");
  }
  p->count_error.Add(std::fabs(static_cast<double>(values[0].value.get<int64_t>() - m.recipients)));
  p->sum_relative_error.Add(std::fabs(static_cast<double>(sum_cents - m.amount_cents)) /
                            static_cast<double>(m.amount_cents));
  return Status::Ok();
}

// Query i of avg(monthly_amount) on `m`.
Status MeasureAverage(Node& node, const Municipality& m, int i, Point* p) {
  ASSIGN_OR_RETURN(PartialTable t,
                   node.Ask("SELECT avg(monthly_amount)" + CellFilter(m, i), p->epsilon_micro));
  ASSIGN_OR_RETURN(const federation::ReleasedValue* released, Released(t, 0));
  const auto* mean = std::get_if<federation::MeanValue>(released);
  if (!mean) return common::Internal("avg released as another kind");
  Int128 centred = m.amount_cents - Int128{kAmountCentre} * m.recipients;
  p->noise[2].Add(static_cast<double>(mean->n - m.recipients));
  p->noise[3].Add(static_cast<double>(mean->sum - centred));
  ASSIGN_OR_RETURN(std::vector<federation::ResultValue> values, Finished(t));
  if (values[0].value.is_null()) {  // no values left after noise: the mean is undefined
    ++p->avg_undefined;
    return Status::Ok();
  }
  if (!values[0].value.is_number()) return common::Internal("a finished mean that is no number");
  double true_mean = static_cast<double>(m.amount_cents) / static_cast<double>(m.recipients);
  p->avg_error_euro.Add(std::fabs(values[0].value.get<double>() - true_mean / 100));
  return Status::Ok();
}

// K queries of each kind on `m` at `epsilon_micro`, in one budget window.
Result<Point> Measure(Node& node, const Municipality& m, int64_t epsilon_micro, int k) {
  Point p;
  p.epsilon_micro = epsilon_micro;
  p.recipients = m.recipients;
  p.true_sum_cents = m.amount_cents;
  p.noise = {{"rows", NoiseScale(1, epsilon_micro)},
             {"sum(monthly_amount)", NoiseScale(kSumSensitivity, epsilon_micro)},
             {"nonnull(monthly_amount)", NoiseScale(1, epsilon_micro)},
             {"csum(monthly_amount)", NoiseScale(kCentredSumSensitivity, epsilon_micro)}};
  for (int i = 0; i < k; ++i) {
    RETURN_IF_ERROR(MeasureCountAndSum(node, m, i, &p));
    RETURN_IF_ERROR(MeasureAverage(node, m, i, &p));
  }
  node.NextWindow();
  return p;
}

// Checks the owner's exact answers against the generated values.
Status CheckExactValues(Node& node, const std::vector<Municipality>& municipalities) {
  for (const Municipality& m : municipalities) {
    ASSIGN_OR_RETURN(PartialTable t,
                     node.AskRaw("SELECT count(*), sum(monthly_amount)" + CellFilter(m, 0)));
    ASSIGN_OR_RETURN(auto exact, CountAndSum(t));
    if (exact != std::make_pair(m.recipients, m.amount_cents)) {
      return common::Internal("the exact answer for " + m.name + " is not the generated one");
    }
  }
  return Status::Ok();
}

// ---- Output ----

// The first three columns: epsilon per query (the default marked), how many such queries the
// default dataset budget allows in its window, and the cell's size.
std::vector<std::string> SettingColumns(const Point& p) {
  std::string epsilon = storage::FormatEpsilon(p.epsilon_micro);
  if (p.epsilon_micro == config::kDefaultEpsilonPerQueryMicro) epsilon += " (default)";
  return {epsilon, std::to_string(storage::DatasetPrivacy{}.budget_micro / p.epsilon_micro),
          Thousands(p.recipients)};
}

// Errors of count(*) and sum(monthly_amount) beside E|Z|.
Table CountAndSumTable(const std::vector<Point>& points, int k) {
  Table t{"count(*) and sum(monthly_amount) asked together (epsilon split over 2 statistics), " +
              std::to_string(k) + " queries a point",
          {"epsilon/query", "queries/budget", "cell", "count MAE", "E|Z|", "MAE/cell",
           "sum rel. error", "E|Z|/sum"},
          {}};
  for (const Point& p : points) {
    std::vector<std::string> row = SettingColumns(p);
    double expected_count = ExpectedAbsNoise(p.noise[0].scale);
    double expected_sum =
        ExpectedAbsNoise(p.noise[1].scale) / static_cast<double>(p.true_sum_cents);
    row.insert(row.end(), {Format("%.2f", p.count_error.Value()), Format("%.2f", expected_count),
                           Percent(p.count_error.Value() / static_cast<double>(p.recipients)),
                           Percent(p.sum_relative_error.Value()), Percent(expected_sum)});
    t.rows.push_back(std::move(row));
  }
  return t;
}

// Errors of avg(monthly_amount) in euro beside the first-order E|Z| / n.
Table AverageTable(const std::vector<Point>& points, int k) {
  Table t{"avg(monthly_amount) (a noisy count of values and centred sum: 2 statistics), " +
              std::to_string(k) + " queries a point; euro",
          {"epsilon/query", "queries/budget", "cell", "avg MAE", "~E|Z|/n", "no mean"},
          {}};
  for (const Point& p : points) {
    std::vector<std::string> row = SettingColumns(p);
    double first_order = ExpectedAbsNoise(p.noise[3].scale) / static_cast<double>(p.recipients);
    row.insert(row.end(), {Format("%.2f", p.avg_error_euro.Value()),
                           Format("%.2f", first_order / 100), std::to_string(p.avg_undefined)});
    t.rows.push_back(std::move(row));
  }
  return t;
}

// The largest deviation, in standard errors, of a noise check at any point.
struct WorstDeviation {
  double deviation = 0;
  std::string where;
  void Consider(double d, const NoiseCheck& c, const Point& p) {
    if (std::fabs(d) <= std::fabs(deviation)) return;
    deviation = d;
    where = c.statistic + ", epsilon " + storage::FormatEpsilon(p.epsilon_micro) + ", cell " +
            Thousands(p.recipients);
  }
};

// The noise check: how far the mean |noise| of each released statistic lies from E|Z| and its
// mean from 0. False when either is beyond kNoiseAlarm standard errors.
bool PrintNoiseCheck(const std::vector<Point>& points) {
  WorstDeviation abs, bias;
  size_t checks = 0;
  for (const Point& p : points) {
    for (const NoiseCheck& c : p.noise) {
      ++checks;
      abs.Consider(c.AbsDeviation(), c, p);
      bias.Consider(c.Bias(), c, p);
    }
  }
  std::printf(
      "Noise check over %zu released statistics (count, sum, and avg's n and centred sum "
      "at every point), in standard errors of the mean: mean |noise| - E|Z| at most "
      "%+.2f (%s); mean noise at most %+.2f (%s).\n",
      checks, abs.deviation, abs.where.c_str(), bias.deviation, bias.where.c_str());
  if (std::fabs(abs.deviation) > kNoiseAlarm || std::fabs(bias.deviation) > kNoiseAlarm) {
    std::printf(
        "WARNING: beyond %.0f standard errors: the noise does not follow the discrete "
        "Laplace distribution of the documented scale.\n",
        kNoiseAlarm);
    return false;
  }
  return true;
}

// ---- The run ----

// $TMPDIR, else /tmp.
std::string TempDir() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

struct Flags {
  int k = 200;
  uint64_t seed = 20240601;
  std::string dir = TempDir();
  bool markdown = false;
};

Result<std::vector<Point>> MeasureAll(Node& node, const std::vector<Municipality>& municipalities,
                                      int k) {
  std::vector<Point> points;
  for (int64_t epsilon_micro : kEpsilonsMicro) {
    for (const Municipality& m : municipalities) {
      auto start = std::chrono::steady_clock::now();
      ASSIGN_OR_RETURN(Point p, Measure(node, m, epsilon_micro, k));
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      std::fprintf(stderr, "epsilon %s, cell %s: %d queries in %.1f s\n",
                   storage::FormatEpsilon(epsilon_micro).c_str(), Thousands(m.recipients).c_str(),
                   2 * k, took.count());
      points.push_back(std::move(p));
    }
  }
  return points;
}

// Loads the records into a node in `folder` and measures every point.
Result<std::vector<Point>> Run(const Flags& flags, const std::string& folder) {
  std::vector<Municipality> municipalities;
  std::string csv = Records(flags.seed, &municipalities);
  int64_t records = 0;
  for (const auto& m : municipalities) records += m.recipients;
  ASSIGN_OR_RETURN(std::unique_ptr<Node> node, Node::Open(folder, flags.seed));
  RETURN_IF_ERROR(node->Load(csv, records));
  RETURN_IF_ERROR(CheckExactValues(*node, municipalities));
  return MeasureAll(*node, municipalities, flags.k);
}

int Main(const Flags& flags) {
  std::string pattern = flags.dir + "/verbind-utility-XXXXXX";
  if (!::mkdtemp(pattern.data())) {
    std::fprintf(stderr, "privacy_utility_bench: cannot create a folder in %s\n",
                 flags.dir.c_str());
    return 1;
  }
  auto start = std::chrono::steady_clock::now();
  Result<std::vector<Point>> points = Run(flags, pattern);
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::error_code ignored;
  std::filesystem::remove_all(pattern, ignored);
  if (!points.ok()) {
    std::fprintf(stderr, "privacy_utility_bench: %s\n", points.status().ToString().c_str());
    return 1;
  }
  auto print = flags.markdown ? PrintMarkdown : PrintText;
  print(CountAndSumTable(*points, flags.k));
  print(AverageTable(*points, flags.k));
  bool noise_ok = PrintNoiseCheck(*points);
  std::printf("%s queries (seed %llu) in %.1f s.\n",
              Thousands(static_cast<int64_t>(points->size()) * 2 * flags.k).c_str(),
              static_cast<unsigned long long>(flags.seed), took.count());
  return noise_ok ? 0 : 1;
}

}  // namespace
}  // namespace verbind::bench

int main(int argc, char** argv) {
  verbind::bench::Flags flags;
  CLI::App app{
      "The utility of answers under differential privacy: errors of counts, sums and "
      "means of cells of 10 to 10,000 records at several epsilons per query"};
  // The largest point (2 K queries at epsilon 0.5) must fit in the ledger's largest budget.
  app.add_option("--k", flags.k, "Distinct queries of each kind per point")
      ->check(CLI::Range(10, 1000))
      ->capture_default_str();
  app.add_option("--seed", flags.seed, "Seed of the records and of the noise key")
      ->capture_default_str();
  app.add_option("--dir", flags.dir, "Folder for the temporary database")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  app.add_flag("--markdown", flags.markdown, "Print Markdown tables");
  if (std::optional<int> done = verbind::bench::ParseCommandLine(app, argc, argv)) {
    return *done;
  }
  return verbind::bench::Main(flags);
}
