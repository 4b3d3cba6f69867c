// dataset_bench: the datasets hot path measured end to end. Generates N seeded synthetic benefit
// records as CSV, ingests the file through DatasetStore::BeginIngest on a real on-disk RocksDB
// (durable: each batch is one synced write), then runs the aggregate set with Google Benchmark:
//   filtered: count, sum, mean, variance of monthly_amount WHERE birth_year < 1960
//   grouped:  the same GROUP BY benefit_type
// and reports resident memory. bench/compare.sh runs the same queries in SQLite and PostgreSQL.
//
//   dataset_bench [--rows N] [--batch-rows N] [--cache-mb N] [--dir DIR] [--benchmark_*...]
//   dataset_bench --csv-only FILE [--rows N]      write the CSV and stop
//   dataset_bench --help
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench_flags.h"
#include "bench/bench_records.h"
#include "common/clock.h"
#include "common/dates.h"
#include "storage/dataset_store.h"
#include "testing/dataset_fixture.h"

namespace verbind::bench {
namespace {

struct Flags {
  uint64_t rows = 1'000'000;
  uint64_t batch_rows = 1'000'000;
  uint64_t seed = 20240601;
  size_t cache_mb = 256;
  std::string dir;
  std::string csv_only;
};

// Our flags, or the status to exit with (0 after --help, 2 after a bad flag or value). The
// flags CLI11 does not know are left in `benchmark_argv` (after the program name) for Google
// Benchmark, which refuses the ones it does not know either.
std::optional<int> ParseFlags(int argc, char** argv, Flags* f,
                              std::vector<std::string>* benchmark_argv) {
  CLI::App app{
      "dataset_bench: durable ingest of N generated benefit records and the aggregate queries "
      "over them (docs/performance.md)"};
  app.allow_extras();
  KeepLastValue(app);
  app.add_option("--rows", f->rows, "Generated records")
      ->check(NumberFrom(0))
      ->capture_default_str();
  app.add_option("--batch-rows", f->batch_rows,
                 "Records per ingest batch, one synced write each (0: one batch)")
      ->check(NumberFrom(0))
      ->capture_default_str();
  app.add_option("--cache-mb", f->cache_mb, "Memory for decoded column chunks, in MiB")
      ->check(NumberFrom(0))
      ->capture_default_str();
  app.add_option("--dir", f->dir, "Folder for the CSV file and the database (default: a new one)")
      ->check(CLI::ExistingDirectory);
  app.add_option("--csv-only", f->csv_only, "Write the CSV file FILE and stop");
  app.footer(
      "Other --benchmark_* flags go to Google Benchmark, e.g. --benchmark_filter=grouped, "
      "--benchmark_repetitions=N, --benchmark_format=json, --benchmark_out=FILE.");
  if (std::optional<int> done = ParseCommandLine(app, argc, argv)) {
    return done;
  }
  benchmark_argv->assign({argv[0]});
  for (const std::string& extra : app.remaining()) {
    benchmark_argv->push_back(extra);
  }
  return std::nullopt;
}

bool WriteCsv(const Flags& f, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  out << kHeader;
  std::string piece;
  for (uint64_t first = 0; first < f.rows; first += 100000) {
    piece.clear();
    AppendRecords(f.seed, first, std::min<uint64_t>(100000, f.rows - first), &piece);
    out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
  }
  return static_cast<bool>(out);
}

// "VmRSS" or "VmHWM" of this process in MiB.
double ProcMemoryMb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::strtod(line.c_str() + std::strlen(key) + 1, nullptr) / 1024;
  }
  return 0;
}

// CPU time of the calling thread.
double ThreadCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void Die(const common::Status& s) {
  std::fprintf(stderr, "dataset_bench: %s\n", s.ToString().c_str());
  std::exit(1);
}

// Ingests the CSV file in batches of `batch_rows` rows (each one synced write).
void IngestFile(storage::DatasetStore& store, const std::string& path, uint64_t batch_rows) {
  std::ifstream in(path, std::ios::binary);
  std::string header;
  std::getline(in, header);
  header += "\n";
  std::vector<char> buf(1 << 20);
  std::unique_ptr<storage::IngestSession> session;
  uint64_t rows_in_batch = 0;
  auto finish = [&] {
    auto report = session->Finish();
    if (!report.ok()) Die(report.status());
    if (!report->committed) Die(common::Internal("the benchmark batch was refused"));
    session.reset();
  };
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    std::string_view data(buf.data(), static_cast<size_t>(in.gcount()));
    while (!data.empty()) {
      if (!session) {
        storage::IngestOptions o;
        o.source_name = path;
        auto s = store.BeginIngest("benefits", storage::InputFormat::kCsv, o);
        if (!s.ok()) Die(s.status());
        session = std::move(s).value();
        if (!session->Feed(header).ok()) Die(common::Internal("header refused"));
        rows_in_batch = 0;
      }
      // Feed up to the end of the batch's last row.
      size_t take = data.size();
      for (const char* p = data.data(); (p = static_cast<const char*>(
                                              std::memchr(p, '\n', data.end() - p)));
           ++p) {
        if (++rows_in_batch == batch_rows) {
          take = static_cast<size_t>(p - data.data()) + 1;
          break;
        }
      }
      if (auto st = session->Feed(data.substr(0, take)); !st.ok()) Die(st);
      data.remove_prefix(take);
      if (rows_in_batch == batch_rows) finish();
    }
  }
  if (session) finish();
}

storage::ScanSpec Query(bool grouped) {
  storage::ScanSpec spec;
  spec.filter.op = storage::Predicate::Op::kLt;
  spec.filter.column = 1;  // birth_year
  spec.filter.values = {1960};
  spec.aggregates.push_back(storage::AggregateSpec{});  // count(*)
  storage::AggregateSpec sum;
  sum.kind = storage::AggregateSpec::Kind::kSum;  // sum, mean, variance
  sum.columns = {4};                              // monthly_amount
  spec.aggregates.push_back(sum);
  if (grouped) spec.group_by = {3};  // benefit_type
  return spec;
}

// A monthly trend: count(*) and the amount's sum per month of start_date and benefit_type,
// over the last two years of the data (2023-2024), the months of the weekdays only.
storage::ScanSpec TrendQuery() {
  storage::ScanSpec spec;
  storage::Predicate since;
  since.op = storage::Predicate::Op::kBetween;
  since.column = 5;  // start_date
  since.values = {common::DaysFromCivil(2023, 1, 1), common::DaysFromCivil(2024, 12, 31)};
  storage::Predicate weekday = since;
  weekday.op = storage::Predicate::Op::kLe;
  weekday.part = common::DatePart::kIsodow;
  weekday.values = {5};
  spec.filter.op = storage::Predicate::Op::kAnd;
  spec.filter.children = {since, weekday};
  spec.aggregates.push_back(storage::AggregateSpec{});
  storage::AggregateSpec sum;
  sum.kind = storage::AggregateSpec::Kind::kSum;
  sum.columns = {4};
  spec.aggregates.push_back(sum);
  spec.group_by = {5, 3};  // date_trunc('month', start_date), benefit_type
  spec.group_parts = {common::DatePart::kTruncMonth, common::DatePart::kNone};
  return spec;
}

void RunQuery(benchmark::State& state, storage::DatasetStore* store, int kind) {
  storage::ScanSpec spec = kind >= 2 ? TrendQuery() : Query(kind == 1);
  if (kind == 3) spec.filter = storage::Predicate::True();  // every month of 35 years
  int64_t matched = 0;
  for (auto _ : state) {
    auto r = store->Scan("benefits", spec);
    if (!r.ok()) Die(r.status());
    matched = r->rows_matched;
    benchmark::DoNotOptimize(r->cells.data());
  }
  state.counters["rows_matched"] = static_cast<double>(matched);
  state.counters["rss_mb"] = ProcMemoryMb("VmRSS:");
}

}  // namespace
}  // namespace verbind::bench

int main(int argc, char** argv) {
  using namespace verbind;
  bench::Flags f;
  std::vector<std::string> benchmark_args;
  if (std::optional<int> done = bench::ParseFlags(argc, argv, &f, &benchmark_args)) {
    return *done;
  }
  // Google Benchmark takes its flags before anything runs, so that a bad one stops the run
  // before the ingest.
  std::vector<char*> benchmark_argv;
  for (std::string& arg : benchmark_args) {
    benchmark_argv.push_back(arg.data());
  }
  int benchmark_argc = static_cast<int>(benchmark_argv.size());
  benchmark::Initialize(&benchmark_argc, benchmark_argv.data());
  if (benchmark::ReportUnrecognizedArguments(benchmark_argc, benchmark_argv.data())) {
    std::fprintf(stderr, "Run with --help for more information.\n");
    return 2;
  }
  if (!f.csv_only.empty()) return bench::WriteCsv(f, f.csv_only) ? 0 : 1;
  bool own_dir = f.dir.empty();
  if (own_dir) {
    char tmpl[] = "/tmp/verbind-bench-XXXXXX";
    f.dir = ::mkdtemp(tmpl);
  }
  std::string csv = f.dir + "/benefits.csv";
  if (!bench::WriteCsv(f, csv)) bench::Die(common::Internal("cannot write " + csv));
  storage::DatasetStoreOptions options;
  options.cache_bytes = f.cache_mb << 20;
  auto opened = testing::OpenStore(f.dir + "/db", options, &common::RealClock::Get());
  if (!opened.ok()) bench::Die(opened.status());
  storage::DatasetStore* store = opened->store.get();
  auto schema = testing::CreateDataset(*store, "benefits", bench::kSchemaToml);
  if (!schema.ok()) bench::Die(schema.status());

  auto start = std::chrono::steady_clock::now();
  double cpu_start = bench::ThreadCpuSeconds();
  bench::IngestFile(*store, csv, f.batch_rows);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu = bench::ThreadCpuSeconds() - cpu_start;
  std::printf("ingest: %llu rows from CSV in %.3f s = %.0f rows/s (durable: one synced batch "
              "per %llu rows; ingest thread cpu %.3f s = %.0f rows per cpu-second)\n",
              static_cast<unsigned long long>(f.rows), secs, static_cast<double>(f.rows) / secs,
              static_cast<unsigned long long>(f.batch_rows), cpu,
              static_cast<double>(f.rows) / cpu);
  std::printf("memory after ingest: rss %.1f MiB, peak %.1f MiB\n", bench::ProcMemoryMb("VmRSS:"),
              bench::ProcMemoryMb("VmHWM:"));
  std::fflush(stdout);

  benchmark::RegisterBenchmark("filtered_count_sum_avg_var", bench::RunQuery, store, 0)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("grouped_by_benefit_type", bench::RunQuery, store, 1)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("monthly_trend_weekdays_by_benefit_type", bench::RunQuery, store, 2)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("monthly_trend_all_by_benefit_type", bench::RunQuery, store, 3)
      ->Unit(benchmark::kMillisecond);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::printf("memory after queries: rss %.1f MiB, peak %.1f MiB\n",
              bench::ProcMemoryMb("VmRSS:"), bench::ProcMemoryMb("VmHWM:"));
  opened->store.reset();
  opened->db.reset();
  if (own_dir) {
    std::string cmd = "rm -rf '" + f.dir + "'";
    if (std::system(cmd.c_str()) != 0) return 1;
  }
  return 0;
}
