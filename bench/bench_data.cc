// bench_data: the benchmark inputs for scripts, from the same sources as the C++ benchmarks.
//
//   bench_data schema                       the benefits schema (TOML) of bench/bench_records.h
//   bench_data csv FILE [--rows N] [--seed S]   N generated records as CSV (default 1000000)
//   bench_data policy GRANTEE...            a sharing policy granting the benchmark queries
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "bench/bench_peer.h"
#include "bench/bench_records.h"

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: bench_data schema | csv FILE [--rows N] [--seed S] | policy GRANTEE...\n");
  return 2;
}

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
  if (argc < 2) return Usage();
  std::string what = argv[1];
  if (what == "schema") {
    std::fputs(verbind::bench::kSchemaToml, stdout);
    return 0;
  }
  if (what == "policy") {
    std::vector<std::string> grantees(argv + 2, argv + argc);
    if (grantees.empty()) return Usage();
    std::fputs(verbind::bench::BenchPolicy(grantees).c_str(), stdout);
    return 0;
  }
  if (what == "csv" && argc >= 3) {
    uint64_t rows = 1000000, seed = 20240601;
    for (int i = 3; i + 1 < argc; i += 2) {
      std::string flag = argv[i];
      if (flag == "--rows") {
        rows = std::strtoull(argv[i + 1], nullptr, 10);
      } else if (flag == "--seed") {
        seed = std::strtoull(argv[i + 1], nullptr, 10);
      } else {
        return Usage();
      }
    }
    return WriteCsv(argv[2], rows, seed);
  }
  return Usage();
}
