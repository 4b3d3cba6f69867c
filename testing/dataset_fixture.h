// The schema-and-rows fixture: a real RocksDB database and dataset store in a folder, datasets
// created from schema TOML, and rows (CSV or JSON lines) ingested into them, fed in pieces of
// varying size as a client's upload arrives. Shared by the unit tests (through
// testing/store_fixture.h), the record-ingest fuzz targets, the crash test's child process and
// the benchmarks. Test support only: production libraries never link verbind_testing.
// Thread-compatible, like the DatasetStore it drives.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "config/schema.h"
#include "storage/database.h"
#include "storage/dataset_store.h"

namespace verbind::testing {

// A database and the dataset store over it. The store is declared last so that it is
// destroyed first; either may be reset and reopened by the caller.
struct OpenedStore {
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::DatasetStore> store;
};

// Opens (creating it if needed) the database in folder `db_dir` and a dataset store on it
// with `options` and `clock` (which must outlive the store). Errors are those of
// Database::Open and DatasetStore::Open.
common::Result<OpenedStore> OpenStore(const std::string& db_dir,
                                      const storage::DatasetStoreOptions& options,
                                      const common::Clock* clock);

// The schema in `toml`; aborts when it does not parse (fixture schemas are constants).
config::Schema ParseFixtureSchema(std::string_view toml);

// Creates dataset `name` from schema `toml`; returns the schema. AlreadyExists when it exists.
common::Result<config::Schema> CreateDataset(storage::DatasetStore& store, std::string_view name,
                                             std::string_view toml);

// Ingests `text` into dataset `name` as one batch with `options`, fed in pieces of 1 to 70,000
// bytes drawn from `piece_seed`; returns the report (whether committed or refused) or the
// error.
common::Result<storage::IngestReport> Ingest(storage::DatasetStore& store, std::string_view name,
                                             storage::InputFormat format, std::string_view text,
                                             const storage::IngestOptions& options,
                                             uint64_t piece_seed = 1);
// The same in insert mode with `on_error`, problems reported with the source name "input".
common::Result<storage::IngestReport> Ingest(
    storage::DatasetStore& store, std::string_view name, storage::InputFormat format,
    std::string_view text, storage::OnError on_error = storage::OnError::kRefuseBatch,
    uint64_t piece_seed = 1);

// The fixture in one call: creates dataset `name` from schema `toml` unless it exists, then
// ingests `csv` as one batch. Internal unless the batch is committed with every row stored
// or replaced; returns its report.
common::Result<storage::IngestReport> LoadDataset(storage::DatasetStore& store,
                                                  std::string_view name, std::string_view toml,
                                                  std::string_view csv);

}  // namespace verbind::testing
