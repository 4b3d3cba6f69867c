// DatasetStore over RocksDB: the catalogue of datasets (create, drop, list, describe), ingest
// sessions, erase and scans. See dataset_store.h for the contract and docs/datasets.md for the
// layout.
#include "storage/dataset_store.h"

#include <malloc.h>

#include <map>
#include <shared_mutex>

#include "common/strings.h"
#include "config/schema_changes.h"
#include "storage/internal/chunk_store.h"
#include "storage/internal/dataset_writer.h"
#include "storage/internal/ingest_session.h"
#include "storage/internal/scan_executor.h"

namespace verbind::storage {

using common::Result;
using common::Status;

namespace {

// How long a writer waits for another ingest or erase of the same dataset.
constexpr auto kWriterWait = std::chrono::seconds(30);
constexpr int kScanAttempts = 5;

std::string NextKey(uint32_t id) { return DatasetChunkPrefix(id + 1); }

class Store final : public DatasetStore {
 public:
  Store(Database* db, AtRestCipher cipher, size_t cache_bytes, const common::Clock* clock)
      : chunks_(db, std::move(cipher), cache_bytes), clock_(clock) {}

  Status Load();

  Status Create(std::string_view name, const config::Schema& schema) override;
  Status SetDefinition(std::string_view name, const config::DefinitionRef& definition,
                       const config::Schema& schema) override;
  Status Drop(std::string_view name) override;
  std::vector<DatasetInfo> List() const override;
  Result<DatasetInfo> Describe(std::string_view name) const override;
  Result<std::unique_ptr<IngestSession>> BeginIngest(std::string_view name, InputFormat format,
                                                     const IngestOptions& options) override;
  Result<EraseReport> Erase(std::string_view name, const std::vector<std::string>& keys) override;
  Result<ScanResult> Scan(std::string_view name, const ScanSpec& spec) const override;
  std::optional<int64_t> CategoryCode(std::string_view dataset, size_t field,
                                      std::string_view label) const override;
  Result<std::string> CategoryLabel(std::string_view dataset, size_t field,
                                    int64_t code) const override;
  std::vector<std::string> CategoryLabels(std::string_view dataset, size_t field) const override;

 private:
  Result<std::shared_ptr<DatasetEntry>> Find(std::string_view name) const;
  Result<std::unique_lock<std::timed_mutex>> LockWriter(DatasetEntry& entry,
                                                        std::string_view name) const;
  Status LoadDataset(std::string_view name, std::string_view meta);
  DatasetInfo InfoOf(const DatasetState& s) const;

  ChunkStore chunks_;
  const common::Clock* clock_;
  mutable std::shared_mutex mu_;  // guards datasets_
  std::map<std::string, std::shared_ptr<DatasetEntry>, std::less<>> datasets_;
  std::mutex create_mu_;  // serialises Create (id allocation)
  uint32_t next_id_ = 1;
};

Status Store::Load() {
  auto next = chunks_.db()->Get(Family::kDatasets, kNextIdKey);
  RETURN_IF_ERROR(next.status());
  int64_t id = 1;
  if (*next && (!common::ParseInt64(**next, &id) || id < 1 || id > UINT32_MAX)) {
    return common::DataLoss("the dataset id counter is corrupt");
  }
  next_id_ = static_cast<uint32_t>(id);
  std::vector<std::pair<std::string, std::string>> metas;
  RETURN_IF_ERROR(chunks_.db()->Scan(Family::kDatasets, kMetaPrefix,
                                     [&](std::string_view key, std::string_view value) {
                                       metas.emplace_back(key.substr(kMetaPrefix.size()), value);
                                       return true;
                                     }));
  for (const auto& [name, meta] : metas) RETURN_IF_ERROR(LoadDataset(name, meta));
  return Status::Ok();
}

Status Store::LoadDataset(std::string_view name, std::string_view meta) {
  auto s = std::make_shared<DatasetState>();
  RETURN_IF_ERROR(DecodeMeta(name, meta, s.get()));
  s->dictionaries.resize(s->schema->fields.size());
  for (uint32_t f = 0; f < s->schema->fields.size(); ++f) {
    if (s->schema->fields[f].type != config::FieldType::kCategorical) continue;
    ASSIGN_OR_RETURN(s->dictionaries[f], chunks_.LoadDictionary(*s, f));
  }
  for (uint32_t c = 0; c < s->chunks.size(); ++c) {
    ChunkInfo& info = s->chunks[c];
    if (info.deletion_generation == 0) continue;
    ASSIGN_OR_RETURN(DeletionChunk d, chunks_.Deletions(*s, c, info.deletion_generation));
    for (uint64_t w : d.deleted) info.deleted += static_cast<uint32_t>(__builtin_popcountll(w));
    info.deletions = std::make_shared<const RowBitmap>(std::move(d.deleted));
  }
  auto entry = std::make_shared<DatasetEntry>();
  entry->Publish(std::move(s));
  datasets_.emplace(std::string(name), std::move(entry));
  return Status::Ok();
}

Result<std::shared_ptr<DatasetEntry>> Store::Find(std::string_view name) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = datasets_.find(name);
  if (it == datasets_.end()) {
    return common::NotFound("no dataset " + (common::IsValidUtf8(name) ? std::string(name) : "?"));
  }
  return it->second;
}

Result<std::unique_lock<std::timed_mutex>> Store::LockWriter(DatasetEntry& entry,
                                                             std::string_view name) const {
  std::unique_lock<std::timed_mutex> lock(entry.writer, kWriterWait);
  if (!lock.owns_lock()) {
    return common::Unavailable("another ingest or erase of dataset " + std::string(name) +
                               " is running; try again when it ends");
  }
  if (entry.dropped) return common::NotFound("no dataset " + std::string(name));
  return lock;
}

Status Store::Create(std::string_view name, const config::Schema& schema) {
  if (!common::IsValidName(name)) {
    return common::InvalidArgument("dataset name \"" +
                                   (common::IsValidUtf8(name) ? std::string(name) : "?") +
                                   "\" is not valid (1-64 of a-z 0-9 . _ -, starting with a "
                                   "letter or digit)");
  }
  RETURN_IF_ERROR(config::ValidateSchema(schema));
  std::lock_guard<std::mutex> create(create_mu_);
  if (Find(name).ok()) return common::AlreadyExists("dataset " + std::string(name) + " exists");
  auto s = std::make_shared<DatasetState>();
  s->id = next_id_;
  s->name = std::string(name);
  s->schema = std::make_shared<const config::Schema>(schema);
  s->encrypted = chunks_.encrypted();
  s->created_at_ms = s->updated_at_ms = clock_->NowMillis();
  WriteBatch batch;
  s->dictionaries.resize(schema.fields.size());
  for (uint32_t f = 0; f < schema.fields.size(); ++f) {
    if (schema.fields[f].type != config::FieldType::kCategorical) continue;
    auto d = std::make_shared<Dictionary>();
    for (const auto& label : schema.fields[f].categories) d->Add(label);
    if (!d->labels.empty()) RETURN_IF_ERROR(chunks_.AddDictionary(&batch, *s, f, *d));
    s->dictionaries[f] = std::move(d);
  }
  batch.Put(Family::kDatasets, MetaKey(name), EncodeMeta(*s));
  batch.Put(Family::kDatasets, kNextIdKey, std::to_string(next_id_ + 1));
  RETURN_IF_ERROR(chunks_.db()->Write(batch, true));
  ++next_id_;
  auto entry = std::make_shared<DatasetEntry>();
  entry->Publish(std::move(s));
  std::unique_lock<std::shared_mutex> lock(mu_);
  datasets_.emplace(std::string(name), std::move(entry));
  return Status::Ok();
}

Status Store::SetDefinition(std::string_view name, const config::DefinitionRef& definition,
                            const config::Schema& schema) {
  RETURN_IF_ERROR(config::ValidateSchema(schema));
  ASSIGN_OR_RETURN(auto entry, Find(name));
  ASSIGN_OR_RETURN(auto writer, LockWriter(*entry, name));
  auto old = entry->Snapshot();
  auto changes = config::CompareSchemas(*old->schema, schema);
  if (!config::AllInPlace(changes)) {
    return common::FailedPrecondition(
        "dataset " + std::string(name) + " cannot move to " + definition.Label() +
        " in place: " + config::DescribeChanges(changes) +
        (config::AllCompatible(changes) ? " (compatible, but the records must be loaded again)"
                                        : " (incompatible)"));
  }
  auto s = std::make_shared<DatasetState>(*old);
  s->definition = definition;
  s->schema = std::make_shared<const config::Schema>(schema);
  s->updated_at_ms = clock_->NowMillis();
  WriteBatch batch;
  if (!changes.empty()) {
    s->counter += 1;  // a new generation: cached scans and noise seeds of the old schema end
    for (uint32_t f = 0; f < schema.fields.size(); ++f) {
      const auto& old_dict = old->dictionaries[f];
      if (!old_dict || schema.fields[f].categories.size() <= old_dict->labels.size()) continue;
      auto d = std::make_shared<Dictionary>(*old_dict);
      for (const auto& label : schema.fields[f].categories) {
        if (!d->codes.count(label)) d->Add(label);
      }
      RETURN_IF_ERROR(chunks_.AddDictionary(&batch, *s, f, *d));
      s->dictionaries[f] = std::move(d);
    }
  }
  batch.Put(Family::kDatasets, MetaKey(name), EncodeMeta(*s));
  RETURN_IF_ERROR(chunks_.db()->Write(batch, true));
  entry->Publish(std::move(s));
  return Status::Ok();
}

Status Store::Drop(std::string_view name) {
  ASSIGN_OR_RETURN(auto entry, Find(name));
  ASSIGN_OR_RETURN(auto writer, LockWriter(*entry, name));
  uint32_t id = entry->Snapshot()->id;
  WriteBatch batch;
  batch.Delete(Family::kDatasets, MetaKey(name));
  batch.DeleteRange(Family::kDatasets, DictionaryPrefix(id), DictionaryPrefix(id + 1));
  batch.DeleteRange(Family::kChunks, DatasetChunkPrefix(id), NextKey(id));
  RETURN_IF_ERROR(chunks_.db()->Write(batch, true));
  entry->dropped = true;
  entry->index.reset();
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    datasets_.erase(datasets_.find(name));
  }
  chunks_.cache().EraseDataset(id);
  return Status::Ok();
}

DatasetInfo Store::InfoOf(const DatasetState& s) const {
  DatasetInfo info;
  info.name = s.name;
  info.schema = *s.schema;
  info.rows = s.live;
  info.erased = s.erased();
  info.generation = s.generation();
  info.created_at_ms = s.created_at_ms;
  info.updated_at_ms = s.updated_at_ms;
  info.definition = s.definition;
  info.bytes_on_disk =
      chunks_.db()->ApproximateSize(Family::kChunks, DatasetChunkPrefix(s.id), NextKey(s.id));
  return info;
}

std::vector<DatasetInfo> Store::List() const {
  std::vector<std::shared_ptr<const DatasetState>> states;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    for (const auto& [name, entry] : datasets_) states.push_back(entry->Snapshot());
  }
  std::vector<DatasetInfo> out;
  for (const auto& s : states) out.push_back(InfoOf(*s));
  return out;
}

Result<DatasetInfo> Store::Describe(std::string_view name) const {
  ASSIGN_OR_RETURN(auto entry, Find(name));
  return InfoOf(*entry->Snapshot());
}

Result<std::unique_ptr<IngestSession>> Store::BeginIngest(std::string_view name,
                                                          InputFormat format,
                                                          const IngestOptions& options) {
  if (format == InputFormat::kCsv) RETURN_IF_ERROR(ValidateCsvFormat(options.csv));
  ASSIGN_OR_RETURN(auto entry, Find(name));
  ASSIGN_OR_RETURN(auto writer, LockWriter(*entry, name));
  RETURN_IF_ERROR(EnsureKeyIndex(chunks_, *entry));
  return std::unique_ptr<IngestSession>(std::make_unique<DatasetIngestSession>(
      &chunks_, std::move(entry), std::move(writer), format, options, clock_));
}

Result<EraseReport> Store::Erase(std::string_view name, const std::vector<std::string>& keys) {
  ASSIGN_OR_RETURN(auto entry, Find(name));
  ASSIGN_OR_RETURN(auto writer, LockWriter(*entry, name));
  return EraseKeys(chunks_, *entry, keys, clock_->NowMillis());
}

Result<ScanResult> Store::Scan(std::string_view name, const ScanSpec& spec) const {
  ASSIGN_OR_RETURN(auto entry, Find(name));
  for (int attempt = 0; attempt < kScanAttempts; ++attempt) {
    auto s = entry->Snapshot();
    RETURN_IF_ERROR(ValidateScanSpec(spec, *s->schema));
    auto result = ExecuteScan(chunks_, *s, spec, *clock_);
    if (entry->dropped) return common::NotFound("dataset " + std::string(name) + " was dropped");
    if (!result.ok()) return result.status();
    if (*result) return std::move(**result);
  }
  return common::Unavailable("dataset " + std::string(name) +
                             " kept changing during the scan; try again");
}

std::optional<int64_t> Store::CategoryCode(std::string_view dataset, size_t field,
                                           std::string_view label) const {
  auto entry = Find(dataset);
  if (!entry.ok()) return std::nullopt;
  auto s = (*entry)->Snapshot();
  if (field >= s->dictionaries.size() || !s->dictionaries[field]) return std::nullopt;
  const Dictionary& d = *s->dictionaries[field];
  auto it = d.codes.find(label);
  if (it == d.codes.end()) return std::nullopt;
  return it->second;
}

Result<std::string> Store::CategoryLabel(std::string_view dataset, size_t field,
                                         int64_t code) const {
  ASSIGN_OR_RETURN(auto entry, Find(dataset));
  auto s = entry->Snapshot();
  if (field >= s->dictionaries.size() || !s->dictionaries[field]) {
    return common::InvalidArgument("field " + std::to_string(field) + " is not categorical");
  }
  const Dictionary& d = *s->dictionaries[field];
  if (code < 0 || static_cast<size_t>(code) >= d.labels.size()) {
    return common::NotFound("no label with code " + std::to_string(code));
  }
  return d.labels[static_cast<size_t>(code)];
}

std::vector<std::string> Store::CategoryLabels(std::string_view dataset, size_t field) const {
  auto entry = Find(dataset);
  if (!entry.ok()) return {};
  auto s = (*entry)->Snapshot();
  if (field >= s->dictionaries.size() || !s->dictionaries[field]) return {};
  return s->dictionaries[field]->labels;
}

}  // namespace

Result<std::unique_ptr<DatasetStore>> DatasetStore::Open(Database* db,
                                                         const DatasetStoreOptions& options,
                                                         const common::Clock* clock) {
#ifdef __GLIBC__
  // Ingest allocates and frees buffers of tens of MiB per batch, and RocksDB builds memtables
  // from 4 MiB blocks that a background flush frees later. glibc raises its mmap and trim
  // thresholds after each large free, after which such memory stays resident once freed (tens
  // of MiB per million rows). Fixed thresholds keep large blocks in mmap and trim the heap, so
  // freed memory goes back to the system.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 8 << 20);
#endif
  ASSIGN_OR_RETURN(AtRestCipher cipher, AtRestCipher::Create(options.data_key));
  auto store = std::make_unique<Store>(db, std::move(cipher), options.cache_bytes, clock);
  RETURN_IF_ERROR(store->Load());
  return std::unique_ptr<DatasetStore>(std::move(store));
}

}  // namespace verbind::storage
