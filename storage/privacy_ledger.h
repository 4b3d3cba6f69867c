// PrivacyLedger: the differential-privacy budget each requester has spent on each dataset per
// period (a day, ISO week, month or year, in UTC), in RocksDB (Family::kLedger). Amounts are
// integer micro-epsilon (10^-6), so spending never accumulates rounding error. Charge() checks
// and adds atomically (a mutex per ledger key plus a synced write), refuses once the budget
// would be exceeded, and charges an exact repeat of a query (the same fingerprint in the same
// period) only once: the repeat gets the same noise, so it reveals nothing new. Method and
// limits: docs/privacy.md. Thread-safe; the locks are process-wide, so any number of ledgers
// over one Database stay consistent (one process holds a database at a time).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/database.h"

namespace verbind::storage {

// Epsilon as decimal text ("0.5", "1", "0.000001") to micro-epsilon and back. Parsing refuses
// signs, more than six decimals and values above 10^6.
bool ParseEpsilon(std::string_view text, int64_t* micro);
std::string FormatEpsilon(int64_t micro);

// How long one budget lasts (UTC calendar periods).
enum class BudgetPeriod { kDay, kWeek, kMonth, kYear };
// "day", "week", "month" or "year"; InvalidArgument otherwise.
common::Result<BudgetPeriod> ParseBudgetPeriod(std::string_view text);
// The period holding `unix_millis` (UTC): "2026-11-29", "2026-W48" (ISO 8601 week),
// "2026-11" or "2026".
std::string PeriodKey(BudgetPeriod period, int64_t unix_millis);

// The state of one budget after a charge or a read; what the answer's "privacy" object shows.
struct BudgetReport {
  std::string period;
  int64_t spent_micro = 0;      // after this charge
  int64_t budget_micro = 0;     // the budget it was checked against
  int64_t remaining_micro = 0;  // max(0, budget - spent)
  int64_t charged_micro = 0;    // what this call added (0 for a repeat or a read)
  bool repeat = false;          // the fingerprint was charged before in this period
};

class PrivacyLedger {
 public:
  // `db` must outlive the ledger.
  explicit PrivacyLedger(Database* db) : db_(db) {}

  // Charges `cost_micro` (> 0) to (requester, dataset, period) unless `query_fingerprint`
  // was charged there before. ResourceExhausted (nothing charged) when spent + cost would
  // exceed `budget_micro` (>= 0); InvalidArgument for a bad amount or empty names; the
  // database's error when the write fails (nothing charged). The write is synced before OK.
  common::Result<BudgetReport> Charge(std::string_view requester, std::string_view dataset,
                                      std::string_view period, int64_t cost_micro,
                                      int64_t budget_micro, std::string_view query_fingerprint);

  // The spent amount without charging.
  common::Result<BudgetReport> Report(std::string_view requester, std::string_view dataset,
                                      std::string_view period, int64_t budget_micro) const;

 private:
  Database* db_;
};

}  // namespace verbind::storage
