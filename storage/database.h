// Database: the node's one RocksDB instance (DIR/data) with a column family per kind of
// record. rocksdb types never leave storage/. Writes are synced to the WAL before they return
// unless a caller says otherwise, so an acknowledged write survives a crash.
// Thread-safe: RocksDB serialises writers; readers run concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
class Cache;
}  // namespace rocksdb

namespace verbind::storage {

// Column families. The order is stored on disk: append only.
enum class Family : int {
  kMeta = 0,   // node-level facts (format version, counters)
  kDatasets,   // dataset schemas and statistics
  kChunks,     // columnar record chunks
  kKeys,       // record-key index per dataset
  kPeers,      // the peer registry (trust store)
  kPolicies,   // sharing policies and their versions
  kNonces,     // seen query nonces until they expire
  kAudit,      // the hash-chained audit log
  kLedger,     // privacy budget spent per requester, dataset and period
  kHistory,    // unused (held record-set fingerprints before format 2); kept: the order is on disk
  kDefinitions,  // signed dataset definitions, published here or adopted from peers
  kCount,
};

struct DatabaseOptions {
  size_t block_cache_bytes = 32u << 20;
  size_t write_buffer_bytes = 32u << 20;
};

class WriteBatch {
 public:
  WriteBatch();
  ~WriteBatch();
  void Put(Family family, std::string_view key, std::string_view value);
  // Put that takes over `value` instead of copying it (large values such as column chunks).
  void PutOwned(Family family, std::string_view key, std::string value);
  void Delete(Family family, std::string_view key);
  // Removes every key in [start, end) of `family`, in order with the other operations.
  void DeleteRange(Family family, std::string_view start, std::string_view end);
  size_t Count() const;
  size_t ByteSize() const;
  // Adds every operation of `other` after this batch's own.
  void Append(const WriteBatch& other);

 private:
  friend class Database;
  enum class OpKind { kPut, kDelete, kDeleteRange };
  struct Op {
    Family family;
    OpKind kind;
    std::string key;
    std::string value;  // kPut: the value; kDeleteRange: the end key
  };
  std::vector<Op> ops_;
  size_t bytes_ = 0;
};

class Database {
 public:
  // Opens or creates the database in `path`. Unavailable when another process holds it.
  static common::Result<std::unique_ptr<Database>> Open(const std::string& path,
                                                        const DatabaseOptions& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // The value, or nullopt when absent.
  common::Result<std::optional<std::string>> Get(Family family, std::string_view key) const;
  // True when no family holds a key (a folder never written).
  bool IsEmpty() const;
  // A consistent copy of the whole database as it is now, in `dir` (which must not exist; on
  // the same file system its table files are hard links). While the node serves.
  common::Status CreateCheckpoint(const std::string& dir) const;
  // The same, but a miss does not fill the block cache (for large values the caller caches
  // itself, such as column chunks).
  common::Result<std::optional<std::string>> GetUncached(Family family,
                                                         std::string_view key) const;
  common::Status Put(Family family, std::string_view key, std::string_view value);
  common::Status Delete(Family family, std::string_view key);
  // Applies every operation of `batch` atomically. `sync` waits for the WAL to reach the disk.
  common::Status Write(const WriteBatch& batch, bool sync = true);
  // The same, freeing each value as it is copied into RocksDB's batch (large batches: the
  // values are not held twice).
  common::Status Write(WriteBatch&& batch, bool sync = true);

  // Calls `fn` for each key with `prefix` in order until it returns false.
  using Visitor = std::function<bool(std::string_view key, std::string_view value)>;
  common::Status Scan(Family family, std::string_view prefix, const Visitor& fn) const;
  // Calls `fn` for each key in [start, end) in order (end empty: to the end of the family).
  common::Status ScanRange(Family family, std::string_view start, std::string_view end,
                           const Visitor& fn) const;
  // The last key with `prefix` (and its value), or nullopt.
  common::Result<std::optional<std::pair<std::string, std::string>>> Last(
      Family family, std::string_view prefix) const;
  // Removes every key in [start, end).
  common::Status DeleteRange(Family family, std::string_view start, std::string_view end);
  // Approximate bytes on disk for keys in [start, end).
  uint64_t ApproximateSize(Family family, std::string_view start, std::string_view end) const;
  // Flushes memtables to table files (used before backups and in tests).
  common::Status Flush();

  // Fault injection for tests of fail-closed behaviour: while set, every write fails.
  void SetWritesFailForTesting(bool fail) { fail_writes_ = fail; }

 private:
  Database() = default;
  common::Status CheckWritable() const;
  // Writes `batch`; with `release` (the same batch) frees each value once it is copied.
  common::Status WriteOps(const WriteBatch& batch, WriteBatch* release, bool sync);
  rocksdb::ColumnFamilyHandle* Handle(Family family) const;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::shared_ptr<rocksdb::Cache> cache_;
  std::atomic<bool> fail_writes_{false};
};

// Big-endian fixed-width integers, so keys sort numerically.
void AppendU32(std::string* out, uint32_t v);
void AppendU64(std::string* out, uint64_t v);
uint32_t ReadU32(std::string_view in);  // needs 4 bytes
uint64_t ReadU64(std::string_view in);  // needs 8 bytes

}  // namespace verbind::storage
