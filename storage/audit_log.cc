#include "storage/audit_log.h"

#include <map>
#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "crypto/hash.h"

namespace verbind::storage {

using common::Result;
using common::Status;
using nlohmann::json;

namespace {

const std::string kZeroHash(32, '\0');

std::string ChainHash(std::string_view prev, uint64_t seq, std::string_view entry_json) {
  crypto::Sha256Hasher h;
  h.Update(std::string_view("verbind-audit-v1\0", 17));
  h.Update(prev);
  std::string seq_be;
  AppendU64(&seq_be, seq);
  h.Update(seq_be);
  h.Update(entry_json);
  auto d = h.Finish();
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

std::string CheckpointMessage(uint64_t seq, std::string_view hash_raw) {
  std::string m("verbind-audit-checkpoint-v1\0", 28);
  AppendU64(&m, seq);
  m += hash_raw;
  return m;
}

std::string CheckpointKey(uint64_t seq) {
  std::string k = "c";
  AppendU64(&k, seq);
  return k;
}

std::string Hex(std::string_view raw) { return common::HexEncode(common::AsBytes(raw)); }

}  // namespace

std::string AuditEntryKey(uint64_t seq) {
  std::string k = "e";
  AppendU64(&k, seq);
  return k;
}

std::string AuditEntryToJson(const AuditEntry& e) {
  // Written directly, one is made for every decision: the same bytes as dumping an object with
  // these members (keys in sorted order).
  std::string out = "{";
  auto member = [&out](std::string_view key, const std::string& value) {
    out += '"';
    out += key;
    out += "\":";
    out += json(value).dump();
    out += ',';
  };
  member("actor", e.actor);
  if (!e.aggregates.empty()) member("aggregates", e.aggregates);
  member("dataset", e.dataset);
  member("decision", e.decision);
  member("direction", e.direction);
  member("foreign_operation_id", e.foreign_operation_id);
  member("foreign_org", e.foreign_org);
  member("legal_basis", e.legal_basis);
  member("operation", e.operation);
  member("operation_id", e.operation_id);
  member("processing_activity", e.processing_activity);
  member("query_hash", e.query_hash);
  member("query_id", e.query_id);
  member("reason", e.reason);
  out += "\"time_ms\":" + std::to_string(e.time_ms) + ",\"trace_id\":" + json(e.trace_id).dump();
  out += '}';
  return out;
}

Result<AuditEntry> AuditEntryFromJson(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return common::DataLoss("audit entry is not JSON");
  try {
    AuditEntry e;
    e.time_ms = j.at("time_ms");
    e.direction = j.at("direction");
    e.operation = j.at("operation");
    e.trace_id = j.at("trace_id");
    e.operation_id = j.at("operation_id");
    e.foreign_org = j.at("foreign_org");
    e.foreign_operation_id = j.at("foreign_operation_id");
    e.processing_activity = j.at("processing_activity");
    e.legal_basis = j.at("legal_basis");
    e.dataset = j.at("dataset");
    e.query_id = j.at("query_id");
    e.query_hash = j.at("query_hash");
    e.actor = j.at("actor");
    e.decision = j.at("decision");
    e.reason = j.at("reason");
    if (j.contains("aggregates")) e.aggregates = j.at("aggregates");
    return e;
  } catch (const json::exception& ex) {
    return common::DataLoss(std::string("audit entry is damaged: ") + ex.what());
  }
}

// Shared by the appending thread and the writer, so that the writer can wake the appender
// after letting go of the lock (a thread woken under it would at once block on it again).
struct AuditLog::Pending {
  Pending(std::string json, const WriteBatch* extra) : entry_json(std::move(json)), extra(extra) {}
  std::string entry_json;
  const WriteBatch* extra;
  std::condition_variable done_cv;  // only the appender waits on it
  bool done = false;
  Status status;
  uint64_t seq = 0;
};

Result<std::unique_ptr<AuditLog>> AuditLog::Open(Database* db, const crypto::SigningKey* signer,
                                                 int checkpoint_every, const common::Clock* clock) {
  std::unique_ptr<AuditLog> log(new AuditLog(db, signer, checkpoint_every, clock));
  log->head_.hash = kZeroHash;
  ASSIGN_OR_RETURN(auto last, db->Last(Family::kAudit, "e"));
  if (last) {
    if (last->first.size() != 9 || last->second.size() < 64) {
      return common::DataLoss("the last audit entry is damaged");
    }
    log->head_.seq = ReadU64(std::string_view(last->first).substr(1));
    log->head_.hash = last->second.substr(32, 32);
  }
  ASSIGN_OR_RETURN(auto cp, db->Last(Family::kAudit, "c"));
  if (cp && cp->first.size() == 9)
    log->last_checkpoint_ = ReadU64(std::string_view(cp->first).substr(1));
  log->writer_ = std::thread([p = log.get()] { p->WriterLoop(); });
  return log;
}

AuditLog::~AuditLog() { Close(); }

void AuditLog::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return;
    closing_ = true;
  }
  work_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  Checkpoint().IgnoreError();
}

void AuditLog::SetSigner(const crypto::SigningKey* signer) {
  std::lock_guard<std::mutex> lock(mu_);
  signer_ = signer;
}

AuditHead AuditLog::head() const {
  std::lock_guard<std::mutex> lock(mu_);
  return AuditHead{head_.seq, Hex(head_.hash)};
}

Result<uint64_t> AuditLog::Append(const AuditEntry& entry, const WriteBatch* extra) {
  auto p = std::make_shared<Pending>(AuditEntryToJson(entry), extra);
  std::unique_lock<std::mutex> lock(mu_);
  if (closing_) return common::Unavailable("the audit log is closed");
  queue_.push_back(p);
  work_cv_.notify_one();
  p->done_cv.wait(lock, [&] { return p->done; });
  if (!p->status.ok()) return p->status;
  return p->seq;
}

Result<uint64_t> AuditLog::AppendAll(const std::vector<AuditEntry>& entries) {
  if (entries.empty()) return common::InvalidArgument("no audit entries to append");
  std::vector<std::shared_ptr<Pending>> pending;
  pending.reserve(entries.size());
  for (const auto& e : entries) {
    pending.push_back(std::make_shared<Pending>(AuditEntryToJson(e), nullptr));
  }
  std::unique_lock<std::mutex> lock(mu_);
  if (closing_) return common::Unavailable("the audit log is closed");
  // Queued together under the lock, they are taken by the writer in one batch.
  for (const auto& p : pending) queue_.push_back(p);
  work_cv_.notify_one();
  const Pending& last = *pending.back();
  pending.back()->done_cv.wait(lock, [&] { return last.done; });
  if (!last.status.ok()) return last.status;
  return last.seq;
}

void AuditLog::AddCheckpoint(WriteBatch* batch, const AuditHead& head) {
  auto sig = signer_->Sign(common::AsBytes(CheckpointMessage(head.seq, head.hash)));
  json cp = {{"seq", head.seq},
             {"hash", Hex(head.hash)},
             {"time_ms", clock_->NowMillis()},
             {"key_id", crypto::KeyIdOf(signer_->public_key())},
             {"signature", common::Base64UrlEncode(sig)}};
  batch->Put(Family::kAudit, CheckpointKey(head.seq), cp.dump());
}

void AuditLog::WriterLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
    if (queue_.empty() && closing_) return;
    std::deque<std::shared_ptr<Pending>> batch_items;
    batch_items.swap(queue_);
    AuditHead head = head_;
    WriteBatch batch;
    for (const auto& p : batch_items) {
      ++head.seq;
      std::string hash = ChainHash(head.hash, head.seq, p->entry_json);
      std::string value = head.hash + hash + p->entry_json;
      batch.Put(Family::kAudit, AuditEntryKey(head.seq), value);
      if (p->extra) batch.Append(*p->extra);
      head.hash = hash;
      p->seq = head.seq;
    }
    bool checkpoint = head.seq - last_checkpoint_ >= static_cast<uint64_t>(every_);
    if (checkpoint) AddCheckpoint(&batch, head);
    lock.unlock();
    Status s = db_->Write(batch, true);
    lock.lock();
    if (s.ok()) {
      head_ = head;
      if (checkpoint) last_checkpoint_ = head.seq;
    }
    for (const auto& p : batch_items) {
      p->status = s.ok() ? Status::Ok() : s.WithContext("audit log write failed");
      p->done = true;
    }
    lock.unlock();
    for (const auto& p : batch_items) p->done_cv.notify_one();
    batch_items.clear();
    lock.lock();
  }
}

Status AuditLog::Checkpoint() {
  std::lock_guard<std::mutex> lock(mu_);
  if (head_.seq == 0 || head_.seq == last_checkpoint_) return Status::Ok();
  WriteBatch batch;
  AddCheckpoint(&batch, head_);
  RETURN_IF_ERROR(db_->Write(batch, true));
  last_checkpoint_ = head_.seq;
  return Status::Ok();
}

Result<std::vector<StoredAuditEntry>> AuditLog::List(uint64_t after_seq, int64_t since_ms,
                                                     std::string_view foreign_org,
                                                     size_t limit) const {
  std::vector<StoredAuditEntry> out;
  Status error;
  RETURN_IF_ERROR(db_->ScanRange(
      Family::kAudit, AuditEntryKey(after_seq + 1), "f",
      [&](std::string_view key, std::string_view value) {
        if (key.size() != 9 || value.size() < 64) return true;
        auto entry = AuditEntryFromJson(value.substr(64));
        if (!entry.ok()) {
          error = entry.status();
          return false;
        }
        if (entry->time_ms < since_ms) return true;
        if (!foreign_org.empty() && entry->foreign_org != foreign_org) return true;
        out.push_back({ReadU64(key.substr(1)), Hex(value.substr(32, 32)), std::move(*entry)});
        return out.size() < limit;
      }));
  RETURN_IF_ERROR(error);
  return out;
}

AuditVerifyReport AuditLog::Verify(
    const std::function<std::optional<std::string>(std::string_view)>& public_key_of) const {
  AuditVerifyReport r;
  auto fail = [&](uint64_t seq, std::string problem) {
    if (r.ok) {
      r.ok = false;
      r.first_bad_seq = seq;
      r.problem = std::move(problem);
    }
  };
  std::string prev = kZeroHash;
  uint64_t expected = 1;
  std::map<uint64_t, std::string> hashes;
  Status scan =
      db_->ScanRange(Family::kAudit, "e", "f", [&](std::string_view key, std::string_view value) {
        uint64_t seq = key.size() == 9 ? ReadU64(key.substr(1)) : 0;
        if (seq == 0 || value.size() < 64) {
          fail(expected, "entry " + std::to_string(expected) + " has a damaged key or value");
          return false;
        }
        if (seq != expected) {
          fail(expected, seq > expected ? "entry " + std::to_string(expected) + " is missing"
                                        : "entry " + std::to_string(seq) + " is out of place");
          return false;
        }
        std::string_view stored_prev = value.substr(0, 32), stored_hash = value.substr(32, 32);
        if (stored_prev != prev) {
          fail(seq, "entry " + std::to_string(seq) + " does not follow entry " +
                        std::to_string(seq - 1) + " (inserted, removed or reordered)");
          return false;
        }
        if (ChainHash(prev, seq, value.substr(64)) != stored_hash) {
          fail(seq, "entry " + std::to_string(seq) + " was changed (its hash does not match)");
          return false;
        }
        prev = std::string(stored_hash);
        hashes[seq] = prev;
        ++r.entries;
        ++expected;
        return true;
      });
  if (!scan.ok()) fail(expected, scan.message());
  if (!r.ok) return r;
  db_->Scan(Family::kAudit, "c",
            [&](std::string_view key, std::string_view value) {
              uint64_t seq = key.size() == 9 ? ReadU64(key.substr(1)) : 0;
              json cp = json::parse(value, nullptr, false);
              auto it = hashes.find(seq);
              if (it == hashes.end()) {
                fail(seq, "checkpoint " + std::to_string(seq) +
                              " names an entry that is missing "
                              "(entries after " +
                              std::to_string(r.entries) + " were removed)");
                return false;
              }
              if (!cp.is_object() || cp.value("hash", "") != Hex(it->second)) {
                fail(seq, "checkpoint " + std::to_string(seq) + " does not match entry " +
                              std::to_string(seq));
                return false;
              }
              auto key_bytes = public_key_of(cp.value("key_id", ""));
              auto sig = common::Base64UrlDecode(cp.value("signature", ""));
              std::string msg = CheckpointMessage(seq, it->second);
              if (!key_bytes || !sig.ok() ||
                  !crypto::Ed25519Verify(common::AsBytes(*key_bytes), common::AsBytes(msg), *sig)) {
                fail(seq, "checkpoint " + std::to_string(seq) + " has an invalid signature");
                return false;
              }
              ++r.checkpoints;
              return true;
            })
      .IgnoreError();
  return r;
}

}  // namespace verbind::storage
