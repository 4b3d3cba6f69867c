#include "storage/database.h"

#include <algorithm>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include "common/check.h"

namespace verbind::storage {

using common::Result;
using common::Status;

namespace {

constexpr const char* kFamilyNames[] = {"default", "datasets", "chunks",  "keys",   "peers",
                                        "policies", "nonces",  "audit",   "ledger", "history",
                                        "definitions"};
static_assert(std::size(kFamilyNames) == static_cast<size_t>(Family::kCount));

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  std::string msg = std::string(what) + ": " + s.ToString();
  // A full disk is a state of the machine, not of the request: retry once there is space.
  if (s.IsNoSpace()) return common::Unavailable(msg + " (disk full)");
  if (s.IsCorruption()) return common::DataLoss(msg);
  if (s.IsBusy() || s.IsTryAgain()) return common::Unavailable(msg);
  if (s.IsIOError()) {
    if (s.ToString().find("lock") != std::string::npos) {
      return common::Unavailable(msg + " (is another verbind process using this node?)");
    }
    if (s.ToString().find("No space") != std::string::npos ||
        s.ToString().find("File too large") != std::string::npos) {
      return common::Unavailable(msg + " (disk full)");
    }
    return common::Unavailable(msg);
  }
  return common::Internal(msg);
}

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

rocksdb::ColumnFamilyOptions FamilyOptions(Family family, const DatabaseOptions& options,
                                           const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.cache_index_and_filter_blocks = true;
  if (family == Family::kChunks) {
    // Chunks are large, already compact values that the chunk cache keeps decoded.
    table.block_size = 64 << 10;
    cf.compression = rocksdb::kLZ4Compression;
    cf.write_buffer_size = options.write_buffer_bytes;
  } else {
    cf.compression = rocksdb::kLZ4Compression;
    cf.write_buffer_size = std::min<size_t>(options.write_buffer_bytes, 8u << 20);
  }
  cf.max_write_buffer_number = 2;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

}  // namespace

WriteBatch::WriteBatch() = default;
WriteBatch::~WriteBatch() = default;

void WriteBatch::Put(Family family, std::string_view key, std::string_view value) {
  bytes_ += key.size() + value.size();
  ops_.push_back({family, OpKind::kPut, std::string(key), std::string(value)});
}

void WriteBatch::PutOwned(Family family, std::string_view key, std::string value) {
  bytes_ += key.size() + value.size();
  ops_.push_back({family, OpKind::kPut, std::string(key), std::move(value)});
}

void WriteBatch::Delete(Family family, std::string_view key) {
  bytes_ += key.size();
  ops_.push_back({family, OpKind::kDelete, std::string(key), std::string()});
}

void WriteBatch::DeleteRange(Family family, std::string_view start, std::string_view end) {
  bytes_ += start.size() + end.size();
  ops_.push_back({family, OpKind::kDeleteRange, std::string(start), std::string(end)});
}

size_t WriteBatch::Count() const { return ops_.size(); }

void WriteBatch::Append(const WriteBatch& other) {
  ops_.insert(ops_.end(), other.ops_.begin(), other.ops_.end());
  bytes_ += other.bytes_;
}
size_t WriteBatch::ByteSize() const { return bytes_; }

Result<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                 const DatabaseOptions& options) {
  std::unique_ptr<Database> db(new Database());
  db->cache_ = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::DBOptions dbo;
  dbo.create_if_missing = true;
  dbo.create_missing_column_families = true;
  dbo.paranoid_checks = true;
  dbo.max_background_jobs = 2;
  dbo.keep_log_file_num = 5;
  dbo.max_total_wal_size = 256u << 20;
  // A folder written by a newer release may hold column families this one does not know:
  // RocksDB would refuse to open it with a bare "column families not opened"; say why.
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(dbo, path, &existing).ok()) {
    for (const auto& name : existing) {
      if (std::find(std::begin(kFamilyNames), std::end(kFamilyNames), name) ==
          std::end(kFamilyNames)) {
        return common::FailedPrecondition(
            "the data folder " + path + " holds column family \"" + name +
            "\", unknown to this release: it was written by a newer verbind (a later data "
            "format); run that release, or restore a backup made for this one");
      }
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (int i = 0; i < static_cast<int>(Family::kCount); ++i) {
    families.emplace_back(kFamilyNames[i],
                          FamilyOptions(static_cast<Family>(i), options, db->cache_));
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(dbo, path, families, &db->handles_, &raw);
  RETURN_IF_ERROR(FromRocks(s, "cannot open database " + path));
  db->db_.reset(raw);
  return db;
}

Status Database::CreateCheckpoint(const std::string& dir) const {
  rocksdb::Checkpoint* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush 0: memtables are flushed first, so the copy needs no write-ahead log.
  return FromRocks(checkpoint->CreateCheckpoint(dir, 0), "cannot write a checkpoint to " + dir);
}

bool Database::IsEmpty() const {
  for (auto* h : handles_) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), h));
    it->SeekToFirst();
    if (it->Valid()) return false;
  }
  return true;
}

Database::~Database() {
  if (db_) {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    db_->Close().PermitUncheckedError();
  }
}

rocksdb::ColumnFamilyHandle* Database::Handle(Family family) const {
  return handles_[static_cast<size_t>(family)];
}

Status Database::CheckWritable() const {
  if (fail_writes_) return common::Unavailable("database writes are failing (injected fault)");
  return Status::Ok();
}

Result<std::optional<std::string>> Database::Get(Family family, std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Handle(family), ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  RETURN_IF_ERROR(FromRocks(s, "read failed"));
  return std::optional<std::string>(std::move(value));
}

Result<std::optional<std::string>> Database::GetUncached(Family family,
                                                         std::string_view key) const {
  std::string value;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  rocksdb::Status s = db_->Get(ro, Handle(family), ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  RETURN_IF_ERROR(FromRocks(s, "read failed"));
  return std::optional<std::string>(std::move(value));
}

Status Database::Put(Family family, std::string_view key, std::string_view value) {
  WriteBatch batch;
  batch.Put(family, key, value);
  return Write(batch);
}

Status Database::Delete(Family family, std::string_view key) {
  WriteBatch batch;
  batch.Delete(family, key);
  return Write(batch);
}

Status Database::Write(const WriteBatch& batch, bool sync) {
  return WriteOps(batch, nullptr, sync);
}

Status Database::Write(WriteBatch&& batch, bool sync) { return WriteOps(batch, &batch, sync); }

Status Database::WriteOps(const WriteBatch& batch, WriteBatch* release, bool sync) {
  RETURN_IF_ERROR(CheckWritable());
  rocksdb::WriteBatch wb(batch.ByteSize() + 16 * batch.Count() + 64);
  for (size_t i = 0; i < batch.ops_.size(); ++i) {
    const auto& op = batch.ops_[i];
    rocksdb::Status s;
    switch (op.kind) {
      case WriteBatch::OpKind::kPut:
        s = wb.Put(Handle(op.family), ToSlice(op.key), ToSlice(op.value));
        break;
      case WriteBatch::OpKind::kDelete: s = wb.Delete(Handle(op.family), ToSlice(op.key)); break;
      case WriteBatch::OpKind::kDeleteRange:
        s = wb.DeleteRange(Handle(op.family), ToSlice(op.key), ToSlice(op.value));
        break;
    }
    if (release) std::string().swap(release->ops_[i].value);
    RETURN_IF_ERROR(FromRocks(s, "batch"));
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  return FromRocks(db_->Write(wo, &wb), "write failed");
}

Status Database::Scan(Family family, std::string_view prefix, const Visitor& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(family)));
  for (it->Seek(ToSlice(prefix)); it->Valid(); it->Next()) {
    std::string_view key = ToView(it->key());
    if (key.substr(0, prefix.size()) != prefix) break;
    if (!fn(key, ToView(it->value()))) break;
  }
  return FromRocks(it->status(), "scan failed");
}

Status Database::ScanRange(Family family, std::string_view start, std::string_view end,
                           const Visitor& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(family)));
  for (it->Seek(ToSlice(start)); it->Valid(); it->Next()) {
    std::string_view key = ToView(it->key());
    if (!end.empty() && key >= end) break;
    if (!fn(key, ToView(it->value()))) break;
  }
  return FromRocks(it->status(), "scan failed");
}

Result<std::optional<std::pair<std::string, std::string>>> Database::Last(
    Family family, std::string_view prefix) const {
  using Out = std::optional<std::pair<std::string, std::string>>;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(family)));
  std::string upper(prefix);
  // The smallest key greater than every key with `prefix`.
  while (!upper.empty() && static_cast<uint8_t>(upper.back()) == 0xff) upper.pop_back();
  if (upper.empty()) {
    it->SeekToLast();
  } else {
    upper.back() = static_cast<char>(static_cast<uint8_t>(upper.back()) + 1);
    it->SeekForPrev(ToSlice(upper));
    if (it->Valid() && ToView(it->key()) == upper) it->Prev();
  }
  if (!it->Valid() || ToView(it->key()).substr(0, prefix.size()) != prefix) {
    RETURN_IF_ERROR(FromRocks(it->status(), "scan failed"));
    return Out();
  }
  return Out(std::make_pair(it->key().ToString(), it->value().ToString()));
}

Status Database::DeleteRange(Family family, std::string_view start, std::string_view end) {
  RETURN_IF_ERROR(CheckWritable());
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->DeleteRange(wo, Handle(family), ToSlice(start), ToSlice(end)),
                   "delete range failed");
}

uint64_t Database::ApproximateSize(Family family, std::string_view start,
                                   std::string_view end) const {
  rocksdb::Range range(ToSlice(start), ToSlice(end));
  uint64_t size = 0;
  rocksdb::SizeApproximationOptions opts;
  opts.include_memtables = true;
  opts.include_files = true;
  db_->GetApproximateSizes(opts, Handle(family), &range, 1, &size).PermitUncheckedError();
  return size;
}

Status Database::Flush() {
  rocksdb::FlushOptions fo;
  for (auto* h : handles_) RETURN_IF_ERROR(FromRocks(db_->Flush(fo, h), "flush failed"));
  return Status::Ok();
}

void AppendU32(std::string* out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out->push_back(static_cast<char>(v >> s));
}

void AppendU64(std::string* out, uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out->push_back(static_cast<char>(v >> s));
}

uint32_t ReadU32(std::string_view in) {
  CHECK(in.size() >= 4);
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

uint64_t ReadU64(std::string_view in) {
  CHECK(in.size() >= 8);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

}  // namespace verbind::storage
