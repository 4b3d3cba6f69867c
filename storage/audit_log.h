// AuditLog: the node's append-only, hash-chained log of every decision (docs/audit.md).
//
// Entry n is stored under key "e" + n (big-endian) as prev_hash(32) || hash(32) || entry JSON,
// with hash = SHA-256("verbind-audit-v1" 0x00 || prev_hash || n (8 bytes, big-endian) ||
// entry JSON). Every `checkpoint_every` entries, and at Close, a checkpoint (n, hash) is signed
// with the node's Ed25519 key and stored under "c" + n. Verify() walks the chain and reports the
// first changed, missing, inserted or reordered entry and any bad checkpoint.
//
// Appends use group commit: one writer thread chains every waiting entry and writes them in one
// synced batch, so an entry is durable before Append returns, at thousands of entries per
// second. If the write fails, Append fails and the caller refuses what it was about to do
// (fail-closed). Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "crypto/signing.h"
#include "storage/database.h"

namespace verbind::storage {

// One decision, with the fields of the Logboek Dataverwerkingen standard.
struct AuditEntry {
  int64_t time_ms = 0;
  std::string direction;  // "inbound", "outbound" or "local"
  std::string operation;  // e.g. "peer.query", "federated.query", "policy.apply", "peer.add"
  std::string trace_id;
  std::string operation_id;          // this node's id for the operation (16 hex)
  std::string foreign_org;           // the other organisation, if any
  std::string foreign_operation_id;  // the other side's operation id, if known
  std::string processing_activity;   // purpose
  std::string legal_basis;
  std::string dataset;
  std::string query_id;
  std::string query_hash;
  std::string actor;     // local principal (token name) for local operations
  std::string decision;  // e.g. "answered", "refused", "applied"
  std::string reason;    // refusal code and message, or detail
  // Queries: the aggregate functions asked ("avg,count"), for the transparency register; never
  // a value or a filter constant. Written only when set.
  std::string aggregates;
};

std::string AuditEntryToJson(const AuditEntry& e);
common::Result<AuditEntry> AuditEntryFromJson(std::string_view json);

struct StoredAuditEntry {
  uint64_t seq = 0;
  std::string hash;  // hex
  AuditEntry entry;
};

struct AuditHead {
  uint64_t seq = 0;
  std::string hash;  // hex; 64 zeros before the first entry
};

struct AuditVerifyReport {
  bool ok = true;
  uint64_t entries = 0;
  uint64_t checkpoints = 0;
  uint64_t first_bad_seq = 0;  // 0 when ok
  std::string problem;         // what is wrong at first_bad_seq
};

class AuditLog {
 public:
  // `verify_key(key_id)` returns a public key of this node (current or earlier) for checking
  // checkpoints. `signer` signs checkpoints; both must outlive the log.
  static common::Result<std::unique_ptr<AuditLog>> Open(Database* db,
                                                        const crypto::SigningKey* signer,
                                                        int checkpoint_every,
                                                        const common::Clock* clock);
  ~AuditLog();

  // Appends durably. `extra` writes (for example a spent nonce) commit atomically with it.
  common::Result<uint64_t> Append(const AuditEntry& entry, const WriteBatch* extra = nullptr);
  // Appends `entries` durably, consecutively and in order, in one synced write (one disk
  // flush for all of them instead of one each); all or none are written. Returns the sequence
  // number of the last; InvalidArgument when `entries` is empty.
  common::Result<uint64_t> AppendAll(const std::vector<AuditEntry>& entries);
  // Writes a signed checkpoint of the current head now (if there are new entries).
  common::Status Checkpoint();
  // Writes a final checkpoint and stops the writer.
  void Close();
  // Replaces the checkpoint signing key (after a key rotation).
  void SetSigner(const crypto::SigningKey* signer);

  AuditHead head() const;
  // Entries with seq > after_seq (at most `limit`), filtered by time and organisation.
  common::Result<std::vector<StoredAuditEntry>> List(uint64_t after_seq, int64_t since_ms,
                                                     std::string_view foreign_org,
                                                     size_t limit) const;
  // Walks the whole chain. `public_key_of(key_id)` gives this node's key for a checkpoint.
  AuditVerifyReport Verify(const std::function<std::optional<std::string>(std::string_view key_id)>&
                               public_key_of) const;

 private:
  struct Pending;
  AuditLog(Database* db, const crypto::SigningKey* signer, int every, const common::Clock* clock)
      : db_(db), signer_(signer), every_(every), clock_(clock) {}
  void WriterLoop();
  void AddCheckpoint(WriteBatch* batch, const AuditHead& head);

  Database* db_;
  const crypto::SigningKey* signer_;
  int every_;
  const common::Clock* clock_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::deque<std::shared_ptr<Pending>> queue_;
  AuditHead head_;
  uint64_t last_checkpoint_ = 0;
  bool closing_ = false;
  std::thread writer_;
};

// The storage key of entry `seq` (for tests that tamper with the log).
std::string AuditEntryKey(uint64_t seq);

}  // namespace verbind::storage
