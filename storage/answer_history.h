// AnswerHistory: the differencing defence's memory (Family::kHistory). For each requester and
// dataset it keeps a RecordSetSketch of the records behind every answer given (with the time
// and a query fingerprint) and refuses a new answer whose record set differs from a retained
// one by at least one but fewer than the minimum cell size: the two answers could otherwise be
// subtracted to learn about those few records (the "tracker" attack). Retention is bounded by
// a count and an age. Method, capacity and limits: docs/privacy.md. Thread-safe: a check and
// its record are atomic per (requester, dataset) (process-wide locks and one write batch).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/database.h"
#include "storage/record_set_sketch.h"

namespace verbind::storage {

struct AnswerHistoryOptions {
  int max_answers = 1000;                                // newest answers kept per pair
  int64_t max_age_millis = int64_t{366} * 86400 * 1000;  // older answers are forgotten
};

// The number of sketch cells for a minimum cell size (ScanSpec::record_set_cells): chosen so
// that a difference of up to min_cell_size - 1 records fails to decode with probability about
// 10^-6 (two differing records landing in the same three cells dominates), and at least
// RecordSetSketch::kDefaultCells. 1 <= min_cell_size <= 1000.
int HistorySketchCells(int min_cell_size);

class AnswerHistory {
 public:
  // `db` must outlive the history.
  explicit AnswerHistory(Database* db, AnswerHistoryOptions options = {})
      : db_(db), options_(options) {}

  // Refuses with FailedPrecondition when `records` differs from a retained answer of the pair
  // by k records with 0 < k < min_cell_size; otherwise records it (time `now_millis`,
  // `query_fingerprint`) and forgets answers beyond the retention. The message names the time
  // of the earlier answer and the minimum but not k (the exact difference would itself be a
  // small count); k goes to `*difference` when given, for the node's own audit log. Only
  // sketches of equal size are compared: `records` must have HistorySketchCells(min_cell_size)
  // cells (InvalidArgument otherwise); answers recorded under another minimum are not
  // compared with it. The write is synced before OK; nothing is recorded on a refusal.
  common::Status CheckAndRecord(std::string_view requester, std::string_view dataset,
                                const RecordSetSketch& records, int min_cell_size,
                                int64_t now_millis, std::string_view query_fingerprint,
                                int64_t* difference = nullptr);

  // The number of answers retained for the pair (for tests and operators).
  common::Result<int64_t> CountAnswers(std::string_view requester, std::string_view dataset) const;

 private:
  // Where an answer is stored: its time, tie-breaker and record count.
  struct Stamp {
    uint64_t time;
    uint64_t seq;
    uint64_t count;
  };
  // Also sets `*same` to a retained answer with exactly the same record set, if any.
  common::Status FindCloseAnswer(const std::string& pair, const RecordSetSketch& records,
                                 int min_cell_size, int64_t now_millis, int64_t* difference,
                                 std::optional<Stamp>* same) const;
  // Plans removing answers beyond the retention, leaving out `replaced` (already removed).
  common::Status Retain(const std::string& pair, uint64_t now, const std::optional<Stamp>& replaced,
                        WriteBatch* batch, uint64_t* sequence) const;
  Database* db_;
  AnswerHistoryOptions options_;
};

}  // namespace verbind::storage
