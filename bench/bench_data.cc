// bench_data: the benchmark inputs for scripts, from the same sources as the C++ benchmarks.
//
//   bench_data schema                       the benefits schema (TOML) of bench/bench_records.h
//   bench_data csv FILE [--rows N] [--seed S]   N generated records as CSV (default 1000000)
//   bench_data policy GRANTEE...            a sharing policy granting the benchmark queries
//   bench_data [COMMAND] --help             the flags
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench_flags.h"
#include "bench/bench_peer.h"
#include "bench/bench_records.h"

namespace {

int WriteCsv(const std::string& path, uint64_t rows, uint64_t seed) {
  std::ofstream out(path, std::ios::binary);
  out << verbind::bench::kHeader;
  std::string piece;
  for (uint64_t first = 0; first < rows; first += 100000) {
    piece.clear();
    verbind::bench::AppendRecords(seed, first, std::min<uint64_t>(100000, rows - first), &piece);
    out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
  }
  out.close();
  if (!out) {
    std::fprintf(stderr, "bench_data: cannot write %s\n", path.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_data: the benchmark inputs for scripts (bench/federation_bench.sh)"};
  app.require_subcommand(1);
  verbind::bench::KeepLastValue(app);
  CLI::App* schema = app.add_subcommand("schema", "Print the benefits schema (TOML)");
  CLI::App* csv = app.add_subcommand("csv", "Write N generated records as CSV to FILE");
  std::string file;
  uint64_t rows = 1000000, seed = 20240601;
  csv->add_option("FILE", file, "The CSV file to write")->required();
  csv->add_option("--rows", rows, "Records")
      ->check(verbind::bench::NumberFrom(0))
      ->capture_default_str();
  csv->add_option("--seed", seed, "Seed of the records")
      ->check(verbind::bench::NumberFrom(0))
      ->capture_default_str();
  CLI::App* policy =
      app.add_subcommand("policy", "Print a sharing policy granting the benchmark queries");
  std::vector<std::string> grantees;
  policy->add_option("GRANTEE", grantees, "Organisations granted")->required();
  if (std::optional<int> done = verbind::bench::ParseCommandLine(app, argc, argv)) {
    return *done;
  }
  if (schema->parsed()) {
    std::fputs(verbind::bench::kSchemaToml, stdout);
    return 0;
  }
  if (policy->parsed()) {
    std::fputs(verbind::bench::BenchPolicy(grantees).c_str(), stdout);
    return 0;
  }
  return WriteCsv(file, rows, seed);
}
