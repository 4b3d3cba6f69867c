// PrivacyLedger: each dataset's privacy settings and the differential-privacy budget spent on
// it, in RocksDB (Family::kLedger). The budget belongs to the dataset and is shared by every
// requester (peers and this node's own analysts); each requester may spend at most its share,
// so one cannot exhaust it for the others. Spending counts over a rolling window of days or
// over the dataset's lifetime; nothing is restored at once by a calendar. Amounts are integer
// micro-epsilon (10^-6), so no rounding accumulates. Method: docs/privacy.md.
//
// A charge is reserved in memory under the dataset's lock (check and add in one step, so
// concurrent queries never overspend), written by the caller in the same synced batch as the
// answer's audit entry (so a released answer is always paid for, and a refused write charges
// nothing), then committed or, when the write failed, released. An exact repeat of a query (the
// same fingerprint: same query, data version and noise parameters) gets the same noise, reveals
// nothing new and is not charged again, whoever asks it.
// Thread-safe; one process holds a database at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/database.h"

namespace verbind::storage {

inline constexpr int64_t kMicro = 1'000'000;
// The largest budget or cost: epsilon 1000.
inline constexpr int64_t kMaxEpsilonMicro = 1000 * kMicro;

// Epsilon as decimal text ("0.5", "1", "0.000001") to micro-epsilon (common::ParseMicros up
// to kMaxEpsilonMicro) and back.
bool ParseEpsilon(std::string_view text, int64_t* micro);
std::string FormatEpsilon(int64_t micro);

// What the administrator decides for one dataset.
struct DatasetPrivacy {
  // Data about persons: every answer under differential privacy. false: thresholds only (a
  // dataset without personal data, marked so explicitly, with a reason).
  bool personal = true;
  std::string non_personal_reason;
  int64_t budget_micro = 2 * kMicro;  // total epsilon per window, all requesters together
  int window_days = 365;              // rolling window; 0: the dataset's lifetime
  int64_t requester_share_micro = kMicro / 2;  // share of the budget one requester may spend
  int64_t updated_at_ms = 0;
  std::string updated_by;

  bool operator==(const DatasetPrivacy&) const = default;
};
// Checks ranges: budget 0.000001..1000, window 0..3650 days, share 0.000001..1, a reason of
// 1-500 bytes when not personal. InvalidArgument naming the setting.
common::Status ValidateDatasetPrivacy(const DatasetPrivacy& p);
std::string DatasetPrivacyToJson(const DatasetPrivacy& p);
common::Result<DatasetPrivacy> DatasetPrivacyFromJson(std::string_view json);

// The budget of one dataset as one requester sees it.
struct BudgetReport {
  int64_t budget_micro = 0;
  int window_days = 0;
  int64_t spent_micro = 0;      // by everyone, within the window
  int64_t remaining_micro = 0;  // of the dataset
  int64_t share_micro = 0;      // what this requester may spend within the window
  int64_t requester_spent_micro = 0;
  int64_t requester_remaining_micro = 0;  // min(share left, dataset left)
  int64_t charged_micro = 0;              // what this answer costs (0 for a repeat)
  bool repeat = false;
};

// One recorded charge (the administrator's view).
struct BudgetCharge {
  int64_t time_ms = 0;
  std::string requester;
  int64_t cost_micro = 0;
  std::string fingerprint;  // hex
  std::string query;        // canonical query text (at most 2 KiB)
  std::string policy;       // "id vN"
};

class PrivacyLedger;

// A charge reserved in memory and not yet durable. Write batch() with the answer's audit entry,
// then Commit(); a reservation destroyed without Commit() gives its amount back.
class BudgetReservation {
 public:
  BudgetReservation() = default;
  BudgetReservation(BudgetReservation&& other) noexcept;
  BudgetReservation& operator=(BudgetReservation&& other) noexcept;
  ~BudgetReservation();

  const BudgetReport& report() const { return report_; }
  // The ledger records to write (empty for a repeat).
  const WriteBatch& batch() const { return batch_; }
  // The batch was written: the charge stands and its fingerprint counts as paid.
  void Commit();

 private:
  friend class PrivacyLedger;
  void Release();
  PrivacyLedger* ledger_ = nullptr;
  std::string dataset_;
  std::string requester_;
  std::string fingerprint_;
  int64_t time_ms_ = 0;
  BudgetReport report_;
  WriteBatch batch_;
  bool done_ = true;
};

class PrivacyLedger {
 public:
  // `db` must outlive the ledger. `defaults` apply to datasets whose settings were never
  // written.
  PrivacyLedger(Database* db, DatasetPrivacy defaults);
  ~PrivacyLedger();

  // The dataset's settings (stored, else the defaults).
  common::Result<DatasetPrivacy> Settings(std::string_view dataset);
  // Validates and stores the settings (a synced write); they apply to the next reservation.
  // InvalidArgument for invalid settings; the database's error when the write fails.
  common::Status SetSettings(std::string_view dataset, const DatasetPrivacy& settings);

  // Reserves `cost_micro` for `requester` on `dataset` at `now_ms`, unless `fingerprint` was
  // paid before (a repeat: nothing to charge). ResourceExhausted, with what is left, when the
  // dataset's budget or the requester's share would be passed; nothing is reserved then.
  common::Result<BudgetReservation> Reserve(std::string_view dataset, std::string_view requester,
                                            std::string_view fingerprint, int64_t cost_micro,
                                            int64_t now_ms, std::string_view query,
                                            std::string_view policy);

  // The budget as `requester` sees it at `now_ms` (charges nothing).
  common::Result<BudgetReport> Report(std::string_view dataset, std::string_view requester,
                                      int64_t now_ms);
  // Spent within the window, per requester.
  common::Result<std::map<std::string, int64_t>> SpentByRequester(std::string_view dataset,
                                                                  int64_t now_ms);
  // The newest `limit` charges (all time), newest first.
  common::Result<std::vector<BudgetCharge>> Charges(std::string_view dataset, size_t limit) const;

 private:
  friend class BudgetReservation;
  struct Account;
  common::Result<Account*> Load(std::string_view dataset);  // needs mu_
  void Release(const BudgetReservation& r);
  void Commit(const BudgetReservation& r);

  Database* db_;
  DatasetPrivacy defaults_;
  std::mutex mu_;  // guards accounts_ and every Account
  std::map<std::string, std::unique_ptr<Account>, std::less<>> accounts_;
};

}  // namespace verbind::storage
