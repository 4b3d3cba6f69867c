// Helpers for the dataset store tests: a real on-disk database in a fresh folder, a seeded
// generator of benefit records, CSV/JSON-lines writers, and ingest in uneven pieces.
// Header-only (test code); thread-compatible.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/dates.h"
#include "common/strings.h"
#include "config/schema.h"
#include "storage/database.h"
#include "storage/dataset_store.h"

namespace verbind::storage::testing {

// Removes the folders FreshDir made once every test in the process passed (each test runs in
// its own process under ctest); after a failure they stay for inspection.
class RemoveFreshDirsWhenPassed : public ::testing::Environment {
 public:
  void TearDown() override {
    if (!::testing::UnitTest::GetInstance()->Passed()) return;
    for (const std::string& dir : Dirs()) {
      std::system(("rm -rf '" + dir + "'").c_str());
    }
  }
  static std::vector<std::string>& Dirs() {
    static std::vector<std::string> dirs;
    return dirs;
  }
};
inline ::testing::Environment* const kRemoveFreshDirs =
    ::testing::AddGlobalTestEnvironment(new RemoveFreshDirsWhenPassed);

// A fresh folder under the test temporary directory.
inline std::string FreshDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/verbind_ds_" + name + "_" + std::to_string(::getpid());
  std::string cmd = "rm -rf '" + dir + "' && mkdir -p '" + dir + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  RemoveFreshDirsWhenPassed::Dirs().push_back(dir);
  return dir;
}

constexpr const char* kBenefitsSchema = R"(
key = "person_id"
[[fields]]
name = "person_id"
type = "identifier"
[[fields]]
name = "birth_year"
type = "integer"
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
[[fields]]
name = "start_date"
type = "date"
[[fields]]
name = "wmo"
type = "boolean"
[[fields]]
name = "extreme"
type = "integer"
)";

inline config::Schema BenefitsSchema() {
  auto s = config::ParseSchemaToml(kBenefitsSchema, "benefits.toml");
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return *s;
}

// One record as text cells (empty = NULL), in schema order.
using TextRecord = std::vector<std::string>;

inline const std::vector<std::string>& Regions() {
  static const std::vector<std::string> r = {"utrecht",   "amsterdam", "rotterdam", "den-haag",
                                             "groningen", "zwolle",    "breda",     "tilburg",
                                             "arnhem",    "leiden",    "delft",     "maastricht"};
  return r;
}

// A benefits record with key `key` and random values (some NULL, some extreme).
inline TextRecord RandomRecord(std::mt19937_64& rng, const std::string& key) {
  auto pick = [&](uint64_t n) { return rng() % n; };
  auto null = [&] { return pick(20) == 0; };
  static const char* kTypes[] = {"aow", "ww", "wia", "bijstand", "wajong", "zw"};
  TextRecord r(8);
  r[0] = key;
  r[1] = null() ? "" : std::to_string(1920 + static_cast<int>(pick(90)));
  r[2] = null() ? "" : Regions()[pick(Regions().size())];
  r[3] = null() ? "" : kTypes[pick(6)];
  r[4] = null() ? "" : config::FormatDecimal(static_cast<int64_t>(pick(600000)) - 50000, 2);
  r[5] = null() ? "" : common::FormatIsoDate(7000 + static_cast<int32_t>(pick(12000)));
  static const char* kBools[] = {"true", "false", "1", "0", "yes", "No"};
  r[6] = null() ? "" : kBools[pick(6)];
  switch (pick(10)) {
    case 0:
      r[7] = std::to_string(INT64_MAX - static_cast<int64_t>(pick(3)));
      break;
    case 1:
      r[7] = std::to_string(INT64_MIN + static_cast<int64_t>(pick(3)));
      break;
    case 2:
      r[7] = "";
      break;
    default:
      r[7] = std::to_string(static_cast<int64_t>(pick(2000001)) - 1000000);
  }
  return r;
}

inline std::string CsvQuote(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

inline std::string ToCsv(const config::Schema& schema, const std::vector<TextRecord>& rows) {
  std::string out;
  for (size_t i = 0; i < schema.fields.size(); ++i) out += (i ? "," : "") + schema.fields[i].name;
  out += "\r\n";
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) out += (i ? "," : "") + CsvQuote(r[i]);
    out += "\n";
  }
  return out;
}

// JSON lines; numbers stay bare for integer/decimal fields (decimals as raw text), others strings.
inline std::string ToJsonLines(const config::Schema& schema, const std::vector<TextRecord>& rows) {
  std::string out;
  for (const auto& r : rows) {
    out += "{";
    bool first = true;
    for (size_t i = 0; i < r.size(); ++i) {
      if (r[i].empty()) continue;  // absent member = NULL
      auto t = schema.fields[i].type;
      bool bare = t == config::FieldType::kInteger || t == config::FieldType::kDecimal;
      out += (first ? "" : ",") + common::JsonQuote(schema.fields[i].name) + ":" +
             (bare ? r[i] : common::JsonQuote(r[i]));
      first = false;
    }
    out += "}\n";
  }
  return out;
}

// Ingests `text`, fed in pieces of varying size; returns the report (or the error).
inline common::Result<IngestReport> Ingest(DatasetStore& store, const std::string& name,
                                           InputFormat format, std::string_view text,
                                           OnError on_error = OnError::kRefuseBatch,
                                           uint64_t seed = 1) {
  IngestOptions o;
  o.on_error = on_error;
  o.source_name = "input";
  ASSIGN_OR_RETURN(auto session, store.BeginIngest(name, format, o));
  std::mt19937_64 rng(seed);
  while (!text.empty()) {
    size_t n = std::min<size_t>(text.size(), 1 + rng() % 70000);
    RETURN_IF_ERROR(session->Feed(text.substr(0, n)));
    text.remove_prefix(n);
  }
  return session->Finish();
}

// A database and a store in a fresh folder, reopenable.
class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    Reopen();
  }
  void Reopen(const std::string& key = "") {
    store_.reset();
    db_.reset();
    auto db = Database::Open(dir_ + "/db");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    DatasetStoreOptions o;
    o.data_key = key;
    auto store = DatasetStore::Open(db_.get(), o, &clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  std::string dir_;
  common::ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<Database> db_;
  std::unique_ptr<DatasetStore> store_;
};

}  // namespace verbind::storage::testing
