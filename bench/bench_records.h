// Synthetic benefit records for the benchmarks: N seeded rows of 7 columns (person_id
// identifier key, birth_year integer, region categorical with 12 values, benefit_type
// categorical with 6 values, monthly_amount decimal(2), start_date date, wmo boolean), about
// 2% NULLs in the nullable columns, written as CSV. The same seed gives the same file, so
// dataset_bench and compare.sh load identical data. Header-only; thread-compatible.
#pragma once

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

namespace verbind::bench {

constexpr const char* kSchemaToml = R"toml(
description = "Synthetic benefit recipients (benchmark)"
key = "person_id"
[[fields]]
name = "person_id"
type = "identifier"
[[fields]]
name = "birth_year"
type = "integer"
nullable = false
min = 1925
max = 2005
grid = 5
[[fields]]
name = "region"
type = "categorical"
[[fields]]
name = "benefit_type"
type = "categorical"
categories = ["aow", "ww", "wia", "bijstand", "wajong", "zw"]
[[fields]]
name = "monthly_amount"
type = "decimal"
scale = 2
min = "0"
max = "5000"
grid = "100"
[[fields]]
name = "start_date"
type = "date"
[[fields]]
name = "wmo"
type = "boolean"
)toml";

constexpr const char* kHeader =
    "person_id,birth_year,region,benefit_type,monthly_amount,start_date,wmo\n";

// Appends `rows` records starting at record number `first` to `out` (no header).
inline void AppendRecords(uint64_t seed, uint64_t first, uint64_t rows, std::string* out) {
  static const char* kRegions[] = {"utrecht",   "amsterdam", "rotterdam", "den-haag",
                                   "groningen", "zwolle",    "breda",     "tilburg",
                                   "arnhem",    "leiden",    "delft",     "maastricht"};
  static const char* kTypes[] = {"aow", "ww", "wia", "bijstand", "wajong", "zw"};
  std::mt19937_64 rng(seed ^ (first * 0x9e3779b97f4a7c15ULL));
  char buf[160];
  for (uint64_t i = first; i < first + rows; ++i) {
    uint64_t r = rng(), r2 = rng();
    int year = 1925 + static_cast<int>(r % 81);
    const char* region = (r >> 8) % 50 == 0 ? "" : kRegions[(r >> 16) % 12];
    const char* type = kTypes[(r >> 24) % 6];
    uint64_t cents = 20000 + (r2 % 380000);
    bool amount_null = (r2 >> 20) % 50 == 0;
    int y = 1990 + static_cast<int>((r2 >> 28) % 35), m = 1 + static_cast<int>((r2 >> 36) % 12);
    int d = 1 + static_cast<int>((r2 >> 40) % 28);
    const char* wmo = (r2 >> 48) % 50 == 0 ? "" : ((r2 >> 52) % 4 == 0 ? "true" : "false");
    char amount[32] = "";
    if (!amount_null) {
      std::snprintf(amount, sizeof amount, "%llu.%02llu",
                    static_cast<unsigned long long>(cents / 100),
                    static_cast<unsigned long long>(cents % 100));
    }
    int n = std::snprintf(buf, sizeof buf, "P%010llu,%d,%s,%s,%s,%04d-%02d-%02d,%s\n",
                          static_cast<unsigned long long>(i), year, region, type, amount, y, m,
                          d, wmo);
    out->append(buf, static_cast<size_t>(n));
  }
}

}  // namespace verbind::bench
