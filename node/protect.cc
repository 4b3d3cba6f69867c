#include "node/protect.h"

#include "common/encoding.h"
#include "crypto/hash.h"
#include "federation/disclosure.h"
#include "federation/dp.h"
#include "federation/query_json.h"
#include "storage/answer_history.h"
#include "storage/privacy_ledger.h"

namespace verbind::node {

using federation::Refusal;
using nlohmann::json;
namespace refusal = federation::refusal;

namespace {

federation::DisclosureRules RulesOf(const config::Policy& p) {
  federation::DisclosureRules r;
  r.min_cell_size = p.min_cell_size;
  r.dominance_n = p.dominance_n;
  r.dominance_k = p.dominance_k;
  // Policy evaluation let min/max through only when an [[allow]] rule names them.
  r.release_min_max = true;
  return r;
}

// Differential privacy: noise, then the budget. Returns a refusal, or nothing.
std::optional<Refusal> AddNoise(NodeServices& s, const federation::VerifiedQuery& q,
                                const config::Policy& p, LocalRun& run) {
  federation::DpSettings settings;
  settings.epsilon_micro = static_cast<int64_t>(p.dp->epsilon_per_query * 1e6 + 0.5);
  for (const auto& f : run.schema.fields) {
    if (f.min && f.max) settings.bounds[f.name] = federation::FieldBounds{*f.min, *f.max};
  }
  auto secret = s.NoiseSecret();
  if (!secret.ok()) return Refusal{refusal::kUnavailable, secret.status().message()};
  federation::NoiseContext context{secret->span(), federation::QueryToJson(*run.query),
                                   q.payload.dataset, run.generation, q.envelope.signer};
  auto report = federation::ApplyDifferentialPrivacy(run.table, settings, context);
  if (!report.ok()) return Refusal{refusal::kDenied, report.status().message()};
  auto period = storage::ParseBudgetPeriod(p.dp->period);
  if (!period.ok()) return Refusal{refusal::kInternal, period.status().message()};
  int64_t budget = static_cast<int64_t>(p.dp->budget * 1e6 + 0.5);
  auto charged = s.ledger->Charge(q.envelope.signer, q.payload.dataset,
                                  storage::PeriodKey(*period, s.clock->NowMillis()),
                                  report->epsilon_micro, budget, report->fingerprint);
  if (!charged.ok()) {
    return Refusal{charged.status().code() == common::StatusCode::kResourceExhausted
                       ? refusal::kBudgetExhausted
                       : refusal::kUnavailable,
                   charged.status().message()};
  }
  federation::AttachBudgetReport(run.table, *charged);
  return std::nullopt;
}

}  // namespace

int RecordSetCellsFor(int min_cell_size) {
  return storage::HistorySketchCells(std::clamp(min_cell_size, 1, 1000));
}

std::variant<json, Refusal> ProtectAnswer(NodeServices& s, const federation::VerifiedQuery& q,
                                          const federation::Grant& grant, LocalRun run) {
  const config::Policy& policy = *grant.policy;
  if (!run.record_set) return Refusal{refusal::kInternal, "the scan kept no record set"};
  std::string fingerprint = crypto::Sha256Hex(run.canonical_query);
  common::Status fresh = s.history->CheckAndRecord(
      q.envelope.signer, q.payload.dataset, *run.record_set,
      std::clamp(policy.min_cell_size, 1, 1000), s.clock->NowMillis(), fingerprint);
  if (fresh.code() == common::StatusCode::kFailedPrecondition) {
    return Refusal{refusal::kDifferencing, fresh.message()};
  }
  if (!fresh.ok()) return Refusal{refusal::kUnavailable, fresh.message()};
  if (policy.dp) {
    if (auto refused = AddNoise(s, q, policy, run)) return *refused;
  }
  federation::DisclosureOptions options;
  options.stage = federation::DisclosureStage::kAnswering;
  options.noisy = policy.dp.has_value();
  auto report = federation::ApplyDisclosureControl(run.table, RulesOf(policy), options);
  if (!report.ok()) return Refusal{refusal::kInternal, report.status().message()};
  run.table.disclosure["policy"] = grant.policy_id;
  run.table.disclosure["policy_version"] = grant.policy_version;
  return federation::EncodePartialTable(run.table);
}

json FinalDisclosureRules(const std::vector<federation::ParticipantOutcome>& answers) {
  int min_cell = 0;
  bool noisy = false;
  for (const auto& a : answers) {
    if (a.status != federation::kAnswered || !a.table) continue;
    const json& d = a.table->disclosure;
    if (d.is_object() && d.contains("min_cell_size") && d["min_cell_size"].is_number_integer()) {
      min_cell = std::max(min_cell, d["min_cell_size"].get<int>());
    }
    noisy = noisy || !a.table->privacy.is_null();
  }
  return {{"min_cell_size", std::clamp(min_cell == 0 ? 10 : min_cell, 1, 1000)}, {"noisy", noisy}};
}

common::Status ApplyFinalDisclosure(federation::PartialTable& table, const json& rules) {
  if (!rules.is_object() || !rules.contains("min_cell_size") ||
      !rules["min_cell_size"].is_number_integer()) {
    return common::InvalidArgument("disclosure rules need min_cell_size");
  }
  federation::DisclosureRules r;
  r.min_cell_size = rules["min_cell_size"].get<int>();
  r.release_min_max = true;  // each node already withheld what its policy does not release
  federation::DisclosureOptions options;
  options.stage = federation::DisclosureStage::kCombined;
  options.noisy = rules.value("noisy", false);
  auto report = federation::ApplyDisclosureControl(table, r, options);
  return report.ok() ? common::Status::Ok() : report.status();
}

common::Status ApplyLocalDisclosure(federation::PartialTable& table) {
  federation::DisclosureRules r;
  r.release_min_max = true;
  auto report = federation::ApplyDisclosureControl(table, r, federation::DisclosureOptions{});
  return report.ok() ? common::Status::Ok() : report.status();
}

}  // namespace verbind::node
