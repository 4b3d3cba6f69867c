// The dataset store the record-ingest fuzz targets feed: the schema-and-rows fixture
// (testing/dataset_fixture.h) in a fresh folder (under /dev/shm when it is writable, else
// $TMPDIR), created once per process and removed at exit, holding one dataset with a fixed
// schema of every field type. Each input is one ingest session; the dataset is dropped and
// recreated now and then so the database stays small. After every session the target checks
// that the store agrees with the report: a committed batch adds exactly its new records, every
// row read is inserted, replaced (upsert only) or rejected, a reject limit holds, a refused
// batch changes nothing, and a count(*) scan sees every live record. Header-only (one
// per fuzz target process); thread-compatible.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/check.h"
#include "common/clock.h"
#include "config/schema.h"
#include "storage/database.h"
#include "storage/dataset_store.h"
#include "testing/dataset_fixture.h"

namespace verbind::fuzz {

inline constexpr const char* kFuzzSchema = R"(
key = "person_id"
[[fields]]
name = "person_id"
type = "identifier"
[[fields]]
name = "birth_year"
type = "integer"
min = 1900
max = 2030
[[fields]]
name = "region"
type = "categorical"
max_categories = 20
[[fields]]
name = "benefit_type"
type = "categorical"
categories = ["aow", "ww", "wia"]
nullable = false
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
)";

class IngestFixture {
 public:
  static IngestFixture& Get() {
    static IngestFixture fixture;
    return fixture;
  }

  // The options an input's first byte picks: bit 0 skip (else refuse), bit 1 upsert (else
  // insert), bit 2 with skip a reject limit of bits 3-4 (0 to 3 rows).
  static storage::IngestOptions OptionsOf(uint8_t flags) {
    storage::IngestOptions o;
    o.on_error = (flags & 1) ? storage::OnError::kSkipRow : storage::OnError::kRefuseBatch;
    o.mode = (flags & 2) ? storage::IngestMode::kUpsert : storage::IngestMode::kInsert;
    if ((flags & 1) && (flags & 4)) o.max_rejects = (flags >> 3) & 3;
    return o;
  }

  // One ingest session over `pieces` (fed in order), checked against the store afterwards.
  template <typename Pieces>
  void Ingest(storage::InputFormat format, const storage::IngestOptions& options,
              Pieces&& feed_pieces) {
    if (++sessions_ % 2000 == 0) {
      CHECK(store_->Drop("records").ok());
      CHECK(store_->Create("records", schema_).ok());
    }
    storage::DatasetInfo before = *store_->Describe("records");
    auto session = store_->BeginIngest("records", format, options);
    CHECK(session.ok());
    bool fed = true;
    feed_pieces([&](std::string_view piece) {
      if (fed) {
        fed = (*session)->Feed(piece).ok();
      }
    });
    auto report = (*session)->Finish();
    session->reset();
    CheckStore(before, fed && report.ok() ? &*report : nullptr, options);
  }

 private:
  IngestFixture() {
    std::string base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : TempBase();
    std::string pattern = base + "/verbind-fuzz-XXXXXX";
    CHECK(::mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
    storage::DatasetStoreOptions options;
    options.cache_bytes = 16u << 20;
    auto opened = testing::OpenStore(dir_ + "/db", options, &common::RealClock::Get());
    CHECK(opened.ok());
    db_ = std::move(opened->db);
    store_ = std::move(opened->store);
    auto schema = testing::CreateDataset(*store_, "records", kFuzzSchema);
    CHECK(schema.ok());
    schema_ = *schema;
  }

  ~IngestFixture() {
    store_.reset();
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  static std::string TempBase() {
    const char* t = std::getenv("TMPDIR");
    return t && *t ? t : "/tmp";
  }

  void CheckStore(const storage::DatasetInfo& before, const storage::IngestReport* report,
                  const storage::IngestOptions& options) {
    storage::DatasetInfo after = *store_->Describe("records");
    if (report == nullptr || !report->committed) {
      CHECK(after.rows == before.rows);
      CHECK(after.generation == before.generation);
    } else {
      CHECK(report->rows_inserted + report->rows_replaced + report->rows_rejected ==
            report->rows_read);
      CHECK(after.rows == before.rows + report->rows_inserted);
      if (options.mode == storage::IngestMode::kInsert) {
        CHECK(report->rows_replaced == 0);
        CHECK(after.erased == before.erased);
      }
      if (options.on_error == storage::OnError::kRefuseBatch) {
        CHECK(report->rows_rejected == 0);
      }
      if (options.max_rejects) {
        CHECK(report->rows_rejected <= *options.max_rejects);
      }
    }
    storage::ScanSpec count;
    count.aggregates.push_back(storage::AggregateSpec{});
    auto scan = store_->Scan("records", count);
    CHECK(scan.ok());
    CHECK(scan->cells.size() == 1);
    CHECK(scan->cells[0].rows == after.rows);
  }

  std::string dir_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::DatasetStore> store_;
  config::Schema schema_;
  uint64_t sessions_ = 0;
};

}  // namespace verbind::fuzz
