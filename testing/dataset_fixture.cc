#include "testing/dataset_fixture.h"

#include <algorithm>
#include <random>
#include <utility>

#include "common/check.h"

namespace verbind::testing {

common::Result<OpenedStore> OpenStore(const std::string& db_dir,
                                      const storage::DatasetStoreOptions& options,
                                      const common::Clock* clock) {
  OpenedStore opened;
  ASSIGN_OR_RETURN(opened.db, storage::Database::Open(db_dir));
  ASSIGN_OR_RETURN(opened.store, storage::DatasetStore::Open(opened.db.get(), options, clock));
  return opened;
}

config::Schema ParseFixtureSchema(std::string_view toml) {
  auto schema = config::ParseSchemaToml(toml, "fixture.toml");
  CHECK(schema.ok());
  return *std::move(schema);
}

common::Result<config::Schema> CreateDataset(storage::DatasetStore& store, std::string_view name,
                                             std::string_view toml) {
  config::Schema schema = ParseFixtureSchema(toml);
  RETURN_IF_ERROR(store.Create(name, schema));
  return schema;
}

common::Result<storage::IngestReport> Ingest(storage::DatasetStore& store, std::string_view name,
                                             storage::InputFormat format, std::string_view text,
                                             const storage::IngestOptions& options,
                                             uint64_t piece_seed) {
  ASSIGN_OR_RETURN(auto session, store.BeginIngest(name, format, options));
  std::mt19937_64 rng(piece_seed);
  while (!text.empty()) {
    size_t n = std::min<size_t>(text.size(), 1 + rng() % 70000);
    RETURN_IF_ERROR(session->Feed(text.substr(0, n)));
    text.remove_prefix(n);
  }
  return session->Finish();
}

common::Result<storage::IngestReport> Ingest(storage::DatasetStore& store, std::string_view name,
                                             storage::InputFormat format, std::string_view text,
                                             storage::OnError on_error, uint64_t piece_seed) {
  storage::IngestOptions options;
  options.on_error = on_error;
  options.source_name = "input";
  return Ingest(store, name, format, text, options, piece_seed);
}

common::Result<storage::IngestReport> LoadDataset(storage::DatasetStore& store,
                                                  std::string_view name, std::string_view toml,
                                                  std::string_view csv) {
  if (!store.Describe(name).ok()) {
    RETURN_IF_ERROR(CreateDataset(store, name, toml).status());
  }
  ASSIGN_OR_RETURN(storage::IngestReport report,
                   Ingest(store, name, storage::InputFormat::kCsv, csv));
  if (!report.committed || report.rows_rejected != 0 ||
      report.rows_inserted + report.rows_replaced != report.rows_read) {
    return common::Internal(
        "the fixture's rows were not all stored: " + std::to_string(report.rows_inserted) +
        " stored, " + std::to_string(report.rows_replaced) + " replaced of " +
        std::to_string(report.rows_read));
  }
  return report;
}

}  // namespace verbind::testing
