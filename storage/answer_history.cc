#include "storage/answer_history.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <mutex>
#include <vector>

#include "common/clock.h"

namespace verbind::storage {

using common::Result;
using common::Status;

namespace {

// Keys, with P = len(requester) requester len(dataset) dataset (lengths as 4 bytes):
//   "t" P time seq        -> record count       (answers in time order: retention)
//   "c" P count time seq  -> ""                 (answers by record count: the check)
//   "e" P time seq        -> len(fp) fp sketch  (the entry)
// time = Unix milliseconds, seq = a tie-breaker, count = records in the set; 8 bytes each,
// big-endian, so keys sort numerically.
std::string PairPrefix(std::string_view requester, std::string_view dataset) {
  std::string p;
  for (std::string_view part : {requester, dataset}) {
    AppendU32(&p, static_cast<uint32_t>(part.size()));
    p.append(part);
  }
  return p;
}

std::string TimeKey(char tag, const std::string& pair, uint64_t time, uint64_t seq) {
  std::string k(1, tag);
  k += pair;
  AppendU64(&k, time);
  AppendU64(&k, seq);
  return k;
}

std::string CountKey(const std::string& pair, uint64_t count, uint64_t time, uint64_t seq) {
  std::string k = "c" + pair;
  AppendU64(&k, count);
  AppendU64(&k, time);
  AppendU64(&k, seq);
  return k;
}

// A retained answer over the same records as a new one moves to the new time at most this
// often (moving it rewrites its keys, and the deleted keys slow scans until compaction).
constexpr uint64_t kRefreshMillis = 60 * 1000;

std::mutex& LockFor(const std::string& pair) {
  static std::array<std::mutex, 64> locks;
  return locks[std::hash<std::string>{}(pair) % locks.size()];
}

std::string DifferenceMessage(uint64_t time, int min_cell_size) {
  return "the records behind this answer differ from those behind an earlier answer (" +
         common::FormatRfc3339(static_cast<int64_t>(time)) + ") by fewer than the minimum of " +
         std::to_string(min_cell_size) +
         " records; the two answers together would reveal those records";
}

}  // namespace

int HistorySketchCells(int min_cell_size) {
  // A stopping set of two differing records (all three cells shared) has probability about
  // 1 / part^3 per pair; keep pairs / part^3 near 10^-6.
  double d = std::max(1, min_cell_size - 1);
  double pairs = std::max(1.0, d * (d - 1) / 2);
  int part = static_cast<int>(std::ceil(std::cbrt(pairs * 1e6)));
  part = std::max({part, static_cast<int>(d), RecordSetSketch::kDefaultCells / 3});
  return 3 * part;
}

namespace {

// The earlier answer stored under (time, seq): its entry, and where the sketch starts in it.
Result<std::pair<std::string, size_t>> ReadAnswer(const Database& db, const std::string& pair,
                                                  uint64_t time, uint64_t seq) {
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   db.Get(Family::kHistory, TimeKey('e', pair, time, seq)));
  if (!value || value->size() < 4 || value->size() < 4 + size_t{ReadU32(*value)}) {
    return common::DataLoss("answer history entry is missing or damaged");
  }
  size_t at = 4 + ReadU32(*value);
  return std::make_pair(std::move(*value), at);
}

}  // namespace

Status AnswerHistory::FindCloseAnswer(const std::string& pair, const RecordSetSketch& records,
                                      int min_cell_size, int64_t now_millis, int64_t* difference,
                                      std::optional<Stamp>* same) const {
  // Only answers whose record count is within the limit can be that close.
  const int64_t limit = min_cell_size - 1;
  const uint64_t count = static_cast<uint64_t>(records.count());
  const uint64_t low = count > static_cast<uint64_t>(limit) ? count - limit : 0;
  std::string start = "c" + pair, end = "c" + pair;
  AppendU64(&start, low);
  AppendU64(&end, count + static_cast<uint64_t>(limit) + 1);
  std::vector<std::pair<uint64_t, uint64_t>> near;  // (time, seq)
  RETURN_IF_ERROR(
      db_->ScanRange(Family::kHistory, start, end, [&](std::string_view key, std::string_view) {
        std::string_view rest = key.substr(1 + pair.size() + 8);
        near.emplace_back(ReadU64(rest), ReadU64(rest.substr(8)));
        return true;
      }));
  for (const auto& [time, seq] : near) {
    if (now_millis - static_cast<int64_t>(time) > options_.max_age_millis) {
      continue;  // expired; removed by the next Retain
    }
    ASSIGN_OR_RETURN(auto entry, ReadAnswer(*db_, pair, time, seq));
    std::string_view stored = std::string_view(entry.first).substr(entry.second);
    std::optional<int64_t> d;
    if (records.EncodesTo(stored)) {
      d = 0;  // the same sketch: a query asked again of the same records
    } else {
      ASSIGN_OR_RETURN(RecordSetSketch earlier, RecordSetSketch::Decode(stored));
      if (earlier.cells() != records.cells()) {
        continue;  // recorded under another minimum cell size
      }
      d = records.SymmetricDifference(earlier, limit);
    }
    if (d && *d == 0 && !*same) {
      *same = Stamp{time, seq, count};
    }
    if (d && *d > 0) {
      if (difference != nullptr) {
        *difference = *d;
      }
      return common::FailedPrecondition(DifferenceMessage(time, min_cell_size));
    }
  }
  return Status::Ok();
}

Status AnswerHistory::Retain(const std::string& pair, uint64_t now,
                             const std::optional<Stamp>& replaced, WriteBatch* batch,
                             uint64_t* sequence) const {
  std::vector<Stamp> stamps;
  Status bad;
  RETURN_IF_ERROR(
      db_->Scan(Family::kHistory, "t" + pair, [&](std::string_view key, std::string_view value) {
        std::string_view rest = key.substr(1 + pair.size());
        if (rest.size() != 16 || value.size() != 8) {
          bad = common::DataLoss("answer history index is damaged");
          return false;
        }
        Stamp s{ReadU64(rest), ReadU64(rest.substr(8)), ReadU64(value)};
        if (!replaced || replaced->time != s.time || replaced->seq != s.seq) {
          stamps.push_back(s);
        }
        return true;
      }));
  RETURN_IF_ERROR(bad);
  *sequence = 0;
  size_t keep_from = 0;  // stamps are oldest first
  for (size_t i = 0; i < stamps.size(); ++i) {
    const Stamp& s = stamps[i];
    if (s.time == now) {
      *sequence = std::max(*sequence, s.seq + 1);
    }
    bool too_old = static_cast<int64_t>(now - std::min(now, s.time)) > options_.max_age_millis;
    bool too_many = stamps.size() - i + 1 > static_cast<size_t>(std::max(1, options_.max_answers));
    if (too_old || too_many) {
      keep_from = i + 1;
    }
  }
  for (size_t i = 0; i < keep_from; ++i) {
    const Stamp& s = stamps[i];
    batch->Delete(Family::kHistory, TimeKey('t', pair, s.time, s.seq));
    batch->Delete(Family::kHistory, TimeKey('e', pair, s.time, s.seq));
    batch->Delete(Family::kHistory, CountKey(pair, s.count, s.time, s.seq));
  }
  return Status::Ok();
}

Status AnswerHistory::CheckAndRecord(std::string_view requester, std::string_view dataset,
                                     const RecordSetSketch& records, int min_cell_size,
                                     int64_t now_millis, std::string_view query_fingerprint,
                                     int64_t* difference) {
  if (requester.empty() || dataset.empty()) {
    return common::InvalidArgument("answer history: requester and dataset are required");
  }
  if (min_cell_size < 1 || min_cell_size > 1000) {
    return common::InvalidArgument("answer history: minimum cell size must be 1..1000");
  }
  if (records.cells() != HistorySketchCells(min_cell_size)) {
    return common::InvalidArgument("answer history: the record-set sketch must have " +
                                   std::to_string(HistorySketchCells(min_cell_size)) +
                                   " cells for minimum cell size " + std::to_string(min_cell_size) +
                                   " (ScanSpec::record_set_cells)");
  }
  const std::string pair = PairPrefix(requester, dataset);
  const uint64_t now = static_cast<uint64_t>(std::max<int64_t>(0, now_millis));
  std::lock_guard<std::mutex> lock(LockFor(pair));
  std::optional<Stamp> same;
  RETURN_IF_ERROR(FindCloseAnswer(pair, records, min_cell_size, now_millis, difference, &same));
  WriteBatch batch;
  const uint64_t count = static_cast<uint64_t>(records.count());
  if (same && now < same->time + kRefreshMillis) {
    return Status::Ok();  // the same record set, recorded moments ago
  }
  if (same) {
    // The same record set again: it moves to `now` instead of being kept twice, so repeating
    // a query neither grows the check nor pushes other answers out of the retention.
    batch.Delete(Family::kHistory, TimeKey('t', pair, same->time, same->seq));
    batch.Delete(Family::kHistory, TimeKey('e', pair, same->time, same->seq));
    batch.Delete(Family::kHistory, CountKey(pair, same->count, same->time, same->seq));
  }
  uint64_t seq = 0;
  RETURN_IF_ERROR(Retain(pair, now, same, &batch, &seq));
  std::string count_value, entry;
  AppendU64(&count_value, count);
  AppendU32(&entry, static_cast<uint32_t>(query_fingerprint.size()));
  entry.append(query_fingerprint);
  entry += records.Encode();
  batch.Put(Family::kHistory, TimeKey('t', pair, now, seq), count_value);
  batch.Put(Family::kHistory, CountKey(pair, count, now, seq), "");
  batch.Put(Family::kHistory, TimeKey('e', pair, now, seq), entry);
  return db_->Write(batch, /*sync=*/true);
}

Result<int64_t> AnswerHistory::CountAnswers(std::string_view requester,
                                            std::string_view dataset) const {
  int64_t n = 0;
  RETURN_IF_ERROR(db_->Scan(Family::kHistory, "t" + PairPrefix(requester, dataset),
                            [&](std::string_view, std::string_view) {
                              ++n;
                              return true;
                            }));
  return n;
}

}  // namespace verbind::storage
