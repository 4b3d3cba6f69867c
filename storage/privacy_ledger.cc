#include "storage/privacy_ledger.h"

#include <array>
#include <cstdio>
#include <functional>
#include <mutex>

#include "common/dates.h"

namespace verbind::storage {

using common::Result;
using common::Status;

namespace {

constexpr int64_t kMicro = 1000000;
constexpr int64_t kMaxEpsilonMicro = kMicro * kMicro;

// Keys (every name length-prefixed, so no name can run into the next):
//   "s" P            -> spent micro-epsilon (8 bytes, big-endian)
//   "q" P fingerprint -> the micro-epsilon charged for that query (8 bytes)
// where P = len(requester) requester len(dataset) dataset len(period) period.
std::string Prefix(char tag, std::string_view requester, std::string_view dataset,
                   std::string_view period) {
  std::string key(1, tag);
  for (std::string_view part : {requester, dataset, period}) {
    AppendU32(&key, static_cast<uint32_t>(part.size()));
    key.append(part);
  }
  return key;
}

std::mutex& LockFor(const std::string& spent_key) {
  static std::array<std::mutex, 64> locks;
  return locks[std::hash<std::string>{}(spent_key) % locks.size()];
}

Result<int64_t> ReadAmount(const Database& db, const std::string& key) {
  ASSIGN_OR_RETURN(std::optional<std::string> v, db.Get(Family::kLedger, key));
  if (!v) {
    return int64_t{0};
  }
  if (v->size() != 8) {
    return common::DataLoss("privacy ledger entry has a bad size");
  }
  return static_cast<int64_t>(ReadU64(*v));
}

BudgetReport MakeReport(std::string_view period, int64_t spent, int64_t budget) {
  BudgetReport r;
  r.period = std::string(period);
  r.spent_micro = spent;
  r.budget_micro = budget;
  r.remaining_micro = spent < budget ? budget - spent : 0;
  return r;
}

Status CheckNames(std::string_view requester, std::string_view dataset, std::string_view period) {
  if (requester.empty() || dataset.empty() || period.empty()) {
    return common::InvalidArgument("privacy ledger: requester, dataset and period are required");
  }
  return Status::Ok();
}

}  // namespace

bool ParseEpsilon(std::string_view text, int64_t* micro) {
  if (text.empty() || text.size() > 20) {
    return false;
  }
  int64_t whole = 0, frac = 0;
  int decimals = -1;  // -1: no point seen
  for (char c : text) {
    if (c == '.' && decimals < 0) {
      decimals = 0;
    } else if (c >= '0' && c <= '9' && decimals < 0) {
      whole = whole * 10 + (c - '0');
      if (whole > kMicro) {
        return false;
      }
    } else if (c >= '0' && c <= '9' && decimals < 6) {
      frac = frac * 10 + (c - '0');
      ++decimals;
    } else {
      return false;
    }
  }
  if (text.front() == '.' || text.back() == '.') {
    return false;
  }
  for (int d = std::max(decimals, 0); d < 6; ++d) {
    frac *= 10;
  }
  *micro = whole * kMicro + frac;
  return *micro <= kMaxEpsilonMicro;
}

std::string FormatEpsilon(int64_t micro) {
  bool negative = micro < 0;
  uint64_t mag = negative ? 0 - static_cast<uint64_t>(micro) : static_cast<uint64_t>(micro);
  std::string out = std::to_string(mag / kMicro);
  uint64_t frac = mag % kMicro;
  if (frac != 0) {
    char digits[8];
    std::snprintf(digits, sizeof(digits), "%06llu", static_cast<unsigned long long>(frac));
    std::string f(digits);
    while (f.back() == '0') {
      f.pop_back();
    }
    out += "." + f;
  }
  return negative ? "-" + out : out;
}

Result<BudgetPeriod> ParseBudgetPeriod(std::string_view text) {
  if (text == "day") {
    return BudgetPeriod::kDay;
  }
  if (text == "week") {
    return BudgetPeriod::kWeek;
  }
  if (text == "month") {
    return BudgetPeriod::kMonth;
  }
  if (text == "year") {
    return BudgetPeriod::kYear;
  }
  return common::InvalidArgument("budget period must be day, week, month or year");
}

std::string PeriodKey(BudgetPeriod period, int64_t unix_millis) {
  int64_t ms_per_day = 86400000;
  int64_t days =
      unix_millis >= 0 ? unix_millis / ms_per_day : -((-unix_millis + ms_per_day - 1) / ms_per_day);
  common::CivilDate date = common::CivilFromDays(static_cast<int32_t>(days));
  char buf[16];
  switch (period) {
    case BudgetPeriod::kDay:
      std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", date.year, date.month, date.day);
      break;
    case BudgetPeriod::kWeek: {
      // ISO 8601: the week (Monday to Sunday) belongs to the year of its Thursday.
      int64_t weekday = ((days + 3) % 7 + 7) % 7;  // 0 = Monday (1970-01-01 was a Thursday)
      int64_t thursday = days - weekday + 3;
      int year = common::CivilFromDays(static_cast<int32_t>(thursday)).year;
      int64_t week = (thursday - common::DaysFromCivil(year, 1, 1)) / 7 + 1;
      std::snprintf(buf, sizeof(buf), "%04d-W%02d", year, static_cast<int>(week));
      break;
    }
    case BudgetPeriod::kMonth:
      std::snprintf(buf, sizeof(buf), "%04d-%02d", date.year, date.month);
      break;
    case BudgetPeriod::kYear:
      std::snprintf(buf, sizeof(buf), "%04d", date.year);
      break;
  }
  return buf;
}

Result<BudgetReport> PrivacyLedger::Charge(std::string_view requester, std::string_view dataset,
                                           std::string_view period, int64_t cost_micro,
                                           int64_t budget_micro,
                                           std::string_view query_fingerprint) {
  RETURN_IF_ERROR(CheckNames(requester, dataset, period));
  if (cost_micro <= 0 || cost_micro > kMaxEpsilonMicro || budget_micro < 0 ||
      budget_micro > kMaxEpsilonMicro || query_fingerprint.empty()) {
    return common::InvalidArgument("privacy ledger: bad cost, budget or fingerprint");
  }
  const std::string spent_key = Prefix('s', requester, dataset, period);
  const std::string query_key =
      Prefix('q', requester, dataset, period) + std::string(query_fingerprint);
  std::lock_guard<std::mutex> lock(LockFor(spent_key));
  ASSIGN_OR_RETURN(int64_t spent, ReadAmount(*db_, spent_key));
  ASSIGN_OR_RETURN(std::optional<std::string> seen, db_->Get(Family::kLedger, query_key));
  if (seen) {
    BudgetReport r = MakeReport(period, spent, budget_micro);
    r.repeat = true;
    return r;
  }
  if (spent + cost_micro > budget_micro) {
    return common::ResourceExhausted("privacy budget for " + std::string(dataset) + " in period " +
                                     std::string(period) + " is exhausted: spent " +
                                     FormatEpsilon(spent) + " of " + FormatEpsilon(budget_micro) +
                                     ", this query needs epsilon " + FormatEpsilon(cost_micro));
  }
  std::string spent_value, cost_value;
  AppendU64(&spent_value, static_cast<uint64_t>(spent + cost_micro));
  AppendU64(&cost_value, static_cast<uint64_t>(cost_micro));
  WriteBatch batch;
  batch.Put(Family::kLedger, spent_key, spent_value);
  batch.Put(Family::kLedger, query_key, cost_value);
  RETURN_IF_ERROR(db_->Write(batch, /*sync=*/true));
  BudgetReport r = MakeReport(period, spent + cost_micro, budget_micro);
  r.charged_micro = cost_micro;
  return r;
}

Result<BudgetReport> PrivacyLedger::Report(std::string_view requester, std::string_view dataset,
                                           std::string_view period, int64_t budget_micro) const {
  RETURN_IF_ERROR(CheckNames(requester, dataset, period));
  ASSIGN_OR_RETURN(int64_t spent, ReadAmount(*db_, Prefix('s', requester, dataset, period)));
  return MakeReport(period, spent, budget_micro);
}

}  // namespace verbind::storage
