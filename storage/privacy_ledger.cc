#include "storage/privacy_ledger.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>
#include <set>

#include "common/strings.h"

namespace verbind::storage {

using common::Result;
using common::Status;
using nlohmann::json;

namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr size_t kMaxQueryText = 2048;

// Keys (the dataset name length-prefixed, so no name runs into the next part):
//   "S" D                 -> the dataset's settings (JSON)
//   "C" D time seq        -> one charge (JSON), time and seq as big-endian u64
//   "F" D fingerprint     -> a paid fingerprint (the time it was charged, u64)
std::string Prefix(char tag, std::string_view dataset) {
  std::string key(1, tag);
  AppendU32(&key, static_cast<uint32_t>(dataset.size()));
  key.append(dataset);
  return key;
}

std::string ChargeKey(std::string_view dataset, int64_t time_ms, uint64_t seq) {
  std::string key = Prefix('C', dataset);
  AppendU64(&key, static_cast<uint64_t>(time_ms));
  AppendU64(&key, seq);
  return key;
}

Status Bad(const std::string& what) { return common::InvalidArgument("privacy settings: " + what); }

}  // namespace

// One dataset's spending as held in memory: the charges within reach of the window (all of them
// for a lifetime budget) and the fingerprints already paid for.
struct PrivacyLedger::Account {
  struct Spend {
    int64_t time_ms;
    std::string requester;
    int64_t cost_micro;
  };
  DatasetPrivacy settings;
  std::deque<Spend> spends;  // by time
  std::map<std::string, int64_t, std::less<>> by_requester;
  int64_t total = 0;
  std::set<std::string, std::less<>> paid;
  uint64_t next_seq = 0;

  // Forgets spending that left the rolling window.
  void Trim(int64_t now_ms) {
    if (settings.window_days == 0) return;
    int64_t start = now_ms - int64_t{settings.window_days} * kDayMs;
    while (!spends.empty() && spends.front().time_ms <= start) {
      Take(spends.front());
      spends.pop_front();
    }
  }
  void Add(const Spend& s) {
    total += s.cost_micro;
    by_requester[s.requester] += s.cost_micro;
  }
  void Take(const Spend& s) {
    total -= s.cost_micro;
    auto it = by_requester.find(s.requester);
    if (it != by_requester.end() && (it->second -= s.cost_micro) <= 0) by_requester.erase(it);
  }
  BudgetReport Report(std::string_view requester) const {
    BudgetReport r;
    r.budget_micro = settings.budget_micro;
    r.window_days = settings.window_days;
    r.spent_micro = total;
    r.remaining_micro = std::max<int64_t>(0, settings.budget_micro - total);
    r.share_micro = static_cast<int64_t>(static_cast<__int128>(settings.budget_micro) *
                                         settings.requester_share_micro / kMicro);
    auto it = by_requester.find(requester);
    r.requester_spent_micro = it == by_requester.end() ? 0 : it->second;
    r.requester_remaining_micro =
        std::min(r.remaining_micro, std::max<int64_t>(0, r.share_micro - r.requester_spent_micro));
    return r;
  }
};

bool ParseEpsilon(std::string_view text, int64_t* micro) {
  return common::ParseMicros(text, kMaxEpsilonMicro, micro);
}

std::string FormatEpsilon(int64_t micro) { return common::FormatMicros(micro); }

Status ValidateDatasetPrivacy(const DatasetPrivacy& p) {
  if (p.budget_micro < 1 || p.budget_micro > kMaxEpsilonMicro) {
    return Bad("epsilon (the budget) must be 0.000001 to 1000");
  }
  if (p.window_days < 0 || p.window_days > 3650) {
    return Bad("window must be 1 to 3650 days, or lifetime");
  }
  if (p.requester_share_micro < 1 || p.requester_share_micro > kMicro) {
    return Bad("requester_share must be more than 0 and at most 1");
  }
  if (!p.personal && (p.non_personal_reason.empty() || p.non_personal_reason.size() > 500)) {
    return Bad("a dataset marked non-personal needs a reason of 1-500 bytes");
  }
  if (p.updated_by.size() > 200) return Bad("updated_by is too long");
  return Status::Ok();
}

std::string DatasetPrivacyToJson(const DatasetPrivacy& p) {
  json j = {{"personal", p.personal},
            {"epsilon", FormatEpsilon(p.budget_micro)},
            {"window_days", p.window_days},
            {"requester_share", FormatEpsilon(p.requester_share_micro)},
            {"updated_at_ms", p.updated_at_ms},
            {"updated_by", p.updated_by}};
  if (!p.personal) j["non_personal_reason"] = p.non_personal_reason;
  return j.dump();
}

Result<DatasetPrivacy> DatasetPrivacyFromJson(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  DatasetPrivacy p;
  if (!j.is_object() || !j["personal"].is_boolean() || !j["epsilon"].is_string() ||
      !j["window_days"].is_number_integer() || !j["requester_share"].is_string() ||
      !ParseEpsilon(j["epsilon"].get<std::string>(), &p.budget_micro) ||
      !ParseEpsilon(j["requester_share"].get<std::string>(), &p.requester_share_micro)) {
    return common::DataLoss("stored privacy settings are damaged");
  }
  p.personal = j["personal"];
  p.window_days = j["window_days"];
  p.non_personal_reason = j.value("non_personal_reason", "");
  p.updated_at_ms = j.value("updated_at_ms", int64_t{0});
  p.updated_by = j.value("updated_by", "");
  Status valid = ValidateDatasetPrivacy(p);
  if (!valid.ok()) return common::DataLoss("stored " + valid.message());
  return p;
}

PrivacyLedger::PrivacyLedger(Database* db, DatasetPrivacy defaults)
    : db_(db), defaults_(std::move(defaults)) {}

PrivacyLedger::~PrivacyLedger() = default;

Result<PrivacyLedger::Account*> PrivacyLedger::Load(std::string_view dataset) {
  auto it = accounts_.find(dataset);
  if (it != accounts_.end()) return it->second.get();
  auto account = std::make_unique<Account>();
  account->settings = defaults_;
  ASSIGN_OR_RETURN(std::optional<std::string> stored,
                   db_->Get(Family::kLedger, Prefix('S', dataset)));
  if (stored) {
    ASSIGN_OR_RETURN(account->settings, DatasetPrivacyFromJson(*stored));
  }
  Status bad = Status::Ok();
  const std::string charges = Prefix('C', dataset);
  RETURN_IF_ERROR(db_->Scan(Family::kLedger, charges, [&](std::string_view key, std::string_view v) {
    json j = json::parse(v, nullptr, false);
    if (key.size() != charges.size() + 16 || !j.is_object() || !j["requester"].is_string() ||
        !j["cost_micro"].is_number_integer()) {
      bad = common::DataLoss("a privacy ledger charge of dataset " + std::string(dataset) +
                             " is damaged");
      return false;
    }
    Account::Spend s{static_cast<int64_t>(ReadU64(key.substr(charges.size()))), j["requester"],
                     j["cost_micro"]};
    account->spends.push_back(s);
    account->Add(s);
    account->next_seq = std::max(account->next_seq, ReadU64(key.substr(charges.size() + 8)) + 1);
    return true;
  }));
  RETURN_IF_ERROR(bad);
  const std::string fingerprints = Prefix('F', dataset);
  RETURN_IF_ERROR(db_->Scan(Family::kLedger, fingerprints, [&](std::string_view key, auto) {
    account->paid.emplace(key.substr(fingerprints.size()));
    return true;
  }));
  Account* out = account.get();
  accounts_.emplace(std::string(dataset), std::move(account));
  return out;
}

Result<DatasetPrivacy> PrivacyLedger::Settings(std::string_view dataset) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(Account * a, Load(dataset));
  return a->settings;
}

Status PrivacyLedger::SetSettings(std::string_view dataset, const DatasetPrivacy& settings) {
  RETURN_IF_ERROR(ValidateDatasetPrivacy(settings));
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(Account * a, Load(dataset));
  RETURN_IF_ERROR(db_->Put(Family::kLedger, Prefix('S', dataset), DatasetPrivacyToJson(settings)));
  // A change of window recounts from every charge still in memory; a shorter window forgets
  // more at the next Trim, a longer one cannot bring back what was trimmed (which only errs
  // towards the strict side if the node is not restarted: a restart reloads every charge).
  a->settings = settings;
  return Status::Ok();
}

Result<BudgetReservation> PrivacyLedger::Reserve(std::string_view dataset,
                                                 std::string_view requester,
                                                 std::string_view fingerprint, int64_t cost_micro,
                                                 int64_t now_ms, std::string_view query,
                                                 std::string_view policy) {
  if (dataset.empty() || requester.empty() || fingerprint.empty() || cost_micro < 1 ||
      cost_micro > kMaxEpsilonMicro) {
    return common::InvalidArgument("privacy ledger: bad dataset, requester, fingerprint or cost");
  }
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(Account * a, Load(dataset));
  a->Trim(now_ms);
  BudgetReservation r;
  r.report_ = a->Report(requester);
  if (a->paid.count(fingerprint)) {
    r.report_.repeat = true;
    return r;
  }
  if (cost_micro > r.report_.requester_remaining_micro) {
    bool dataset_short = cost_micro > r.report_.remaining_micro;
    std::string window = a->settings.window_days == 0
                             ? "over its lifetime"
                             : "in the last " + std::to_string(a->settings.window_days) + " days";
    return common::ResourceExhausted(
        "the privacy budget of dataset " + std::string(dataset) + " does not cover this answer (" +
        FormatEpsilon(cost_micro) + "): " +
        (dataset_short ? "the dataset has " + FormatEpsilon(r.report_.remaining_micro) + " of " +
                             FormatEpsilon(r.report_.budget_micro) + " left " + window
                       : "organisation " + std::string(requester) + " has " +
                             FormatEpsilon(r.report_.requester_remaining_micro) + " of its share " +
                             FormatEpsilon(r.report_.share_micro) + " left " + window));
  }
  Account::Spend spend{now_ms, std::string(requester), cost_micro};
  a->spends.push_back(spend);
  a->Add(spend);
  r.report_ = a->Report(requester);
  r.report_.charged_micro = cost_micro;
  json record = {{"requester", requester},
                 {"cost_micro", cost_micro},
                 {"fingerprint", fingerprint},
                 {"query", query.substr(0, kMaxQueryText)},
                 {"policy", policy}};
  std::string time;
  AppendU64(&time, static_cast<uint64_t>(now_ms));
  r.batch_.Put(Family::kLedger, ChargeKey(dataset, now_ms, a->next_seq++), record.dump());
  r.batch_.Put(Family::kLedger, Prefix('F', dataset) + std::string(fingerprint), time);
  r.ledger_ = this;
  r.dataset_ = std::string(dataset);
  r.requester_ = std::string(requester);
  r.fingerprint_ = std::string(fingerprint);
  r.time_ms_ = now_ms;
  r.done_ = false;
  return r;
}

void PrivacyLedger::Release(const BudgetReservation& r) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = accounts_.find(r.dataset_);
  if (it == accounts_.end()) return;
  Account& a = *it->second;
  // The reserved spend is the newest entry with this time, requester and cost; remove one.
  for (auto s = a.spends.rbegin(); s != a.spends.rend(); ++s) {
    if (s->time_ms == r.time_ms_ && s->requester == r.requester_ &&
        s->cost_micro == r.report_.charged_micro) {
      a.Take(*s);
      a.spends.erase(std::next(s).base());
      return;
    }
  }
}

void PrivacyLedger::Commit(const BudgetReservation& r) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = accounts_.find(r.dataset_);
  if (it != accounts_.end()) it->second->paid.insert(r.fingerprint_);
}

Result<BudgetReport> PrivacyLedger::Report(std::string_view dataset, std::string_view requester,
                                           int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(Account * a, Load(dataset));
  a->Trim(now_ms);
  return a->Report(requester);
}

Result<std::map<std::string, int64_t>> PrivacyLedger::SpentByRequester(std::string_view dataset,
                                                                       int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(Account * a, Load(dataset));
  a->Trim(now_ms);
  return std::map<std::string, int64_t>(a->by_requester.begin(), a->by_requester.end());
}

Result<std::vector<BudgetCharge>> PrivacyLedger::Charges(std::string_view dataset,
                                                         size_t limit) const {
  std::vector<BudgetCharge> all;
  const std::string prefix = Prefix('C', dataset);
  RETURN_IF_ERROR(db_->Scan(Family::kLedger, prefix, [&](std::string_view key, std::string_view v) {
    json j = json::parse(v, nullptr, false);
    if (!j.is_object() || key.size() != prefix.size() + 16) return true;
    BudgetCharge c;
    c.time_ms = static_cast<int64_t>(ReadU64(key.substr(prefix.size())));
    c.requester = j.value("requester", "");
    c.cost_micro = j.value("cost_micro", int64_t{0});
    c.fingerprint = j.value("fingerprint", "");
    c.query = j.value("query", "");
    c.policy = j.value("policy", "");
    all.push_back(std::move(c));
    return true;
  }));
  std::reverse(all.begin(), all.end());
  if (all.size() > limit) all.resize(limit);
  return all;
}

BudgetReservation::BudgetReservation(BudgetReservation&& o) noexcept { *this = std::move(o); }

BudgetReservation& BudgetReservation::operator=(BudgetReservation&& o) noexcept {
  if (this != &o) {
    Release();
    ledger_ = o.ledger_;
    dataset_ = std::move(o.dataset_);
    requester_ = std::move(o.requester_);
    fingerprint_ = std::move(o.fingerprint_);
    time_ms_ = o.time_ms_;
    report_ = o.report_;
    batch_ = std::move(o.batch_);
    done_ = o.done_;
    o.done_ = true;
  }
  return *this;
}

BudgetReservation::~BudgetReservation() { Release(); }

void BudgetReservation::Commit() {
  if (done_) return;
  done_ = true;
  ledger_->Commit(*this);
}

void BudgetReservation::Release() {
  if (done_) return;
  done_ = true;
  ledger_->Release(*this);
}

}  // namespace verbind::storage
