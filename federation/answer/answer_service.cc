#include "federation/answer/answer_service.h"

#include <algorithm>

#include "common/strings.h"
#include "federation/answer/internal/noise.h"
#include "federation/answer/internal/release.h"
#include "federation/query_json.h"

namespace verbind::federation {

using common::Result;
using common::Status;
using common::StatusCode;
using nlohmann::json;

namespace {

std::string Eps(int64_t micro) { return common::FormatMicros(micro); }

// True when a policy for `dataset` names the requester or one of its groups as a grantee.
bool NamedByAPolicy(const std::vector<storage::StoredPolicy>& policies, const std::string& dataset,
                    const std::string& requester, const std::vector<std::string>& groups) {
  for (const storage::StoredPolicy& sp : policies) {
    if (sp.policy.dataset != dataset) continue;
    for (const std::string& g : sp.policy.grantees) {
      if (g == requester) return true;
      for (const std::string& group : groups) {
        if (g == "group:" + group) return true;
      }
    }
  }
  return false;
}

Refusal RefusalOf(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return Refusal{refusal::kInvalidQuery, s.message()};
    case StatusCode::kPermissionDenied:
      return Refusal{refusal::kDenied, s.message()};
    case StatusCode::kResourceExhausted:
    case StatusCode::kDeadlineExceeded:
      return Refusal{refusal::kTooExpensive, s.message()};
    case StatusCode::kUnavailable:
      return Refusal{refusal::kUnavailable, s.message()};
    default:
      return Refusal{refusal::kInternal, s.message()};
  }
}

// Everything that shapes a scan's outcome: the data (dataset, its creation and generation),
// the scan's bounds and aggregates, and the query in canonical form.
std::string ScanKey(const storage::DatasetInfo& info, const storage::ScanSpec& spec,
                    const std::string& canonical) {
  std::string key = info.name;
  for (int64_t v : {info.created_at_ms, static_cast<int64_t>(info.generation),
                    spec.max_rows_scanned, static_cast<int64_t>(spec.max_groups)}) {
    key += '\n' + std::to_string(v);
  }
  for (const auto& a : spec.aggregates) {
    key += ' ' + std::to_string(static_cast<int>(a.kind)) + ':' + std::to_string(a.lo) + ':' +
           std::to_string(a.hi) + ':' + std::to_string(a.bins);
  }
  return key + '\n' + canonical;
}

json BudgetJson(const storage::BudgetReport& b) {
  return {{"epsilon", Eps(b.budget_micro)},
          {"window_days", b.window_days},
          {"spent", Eps(b.spent_micro)},
          {"remaining", Eps(b.remaining_micro)},
          {"requester_share", Eps(b.share_micro)},
          {"requester_spent", Eps(b.requester_spent_micro)},
          {"requester_remaining", Eps(b.requester_remaining_micro)},
          {"charged", Eps(b.charged_micro)},
          {"repeat", b.repeat}};
}

json DpProtection(const AnswerPlan& plan, const storage::BudgetReport& budget) {
  json stats = json::array();
  for (const auto& s : plan.statistics) {
    double scale = static_cast<double>(s.scale.t) / static_cast<double>(s.scale.s);
    stats.push_back({{"statistic", s.id},
                     {"sensitivity", storage::Int128ToString(static_cast<Int128>(s.sensitivity))},
                     {"scale", scale},
                     {"scale_exact", storage::Int128ToString(static_cast<Int128>(s.scale.t)) +
                                         "/" +
                                         storage::Int128ToString(static_cast<Int128>(s.scale.s))}});
  }
  return {{"method", ProtectionName(plan.protection)},
          {"mechanism", "discrete_laplace"},
          {"neighbours", "add_or_remove_one_record"},
          {"epsilon", Eps(plan.epsilon_micro)},
          {"statistics", std::move(stats)},
          {"budget", BudgetJson(budget)}};
}

}  // namespace

namespace {

// A query that expects its dataset to conform to a published definition is answered only over
// that definition: any version of it (the requester combines versions only where the answers
// agree field by field), never another definition or a dataset that names none. Read from
// the dataset's metadata only, after the policy allowed the query.
std::optional<Refusal> DefinitionMismatch(const std::optional<config::DefinitionRef>& expected,
                                          const storage::DatasetInfo& info) {
  if (!expected) return std::nullopt;
  if (!info.definition) {
    return Refusal{refusal::kDefinitionMismatch,
                   "dataset " + info.name + " on this node conforms to no published definition; "
                   "the query expects " + expected->Label() + " (adopt it: verbind dataset adopt " +
                       expected->Label() + ")"};
  }
  if (info.definition->publisher != expected->publisher ||
      info.definition->name != expected->name) {
    return Refusal{refusal::kDefinitionMismatch,
                   "dataset " + info.name + " on this node conforms to " +
                       info.definition->Label() + ", not to " + expected->Label()};
  }
  return std::nullopt;
}

}  // namespace

AnswerService::AnswerService(AnswerDependencies deps) : deps_(std::move(deps)) {}

std::variant<Grant, Refusal> AnswerService::Authorize(const VerifiedQuery& q) {
  // The payload was parsed strictly (no duplicate keys, bounded nesting), so its query value is
  // read as it is; the checks on the query itself are those of ParseQueryJson.
  auto query = QueryFromJsonValue(q.payload.query);
  if (!query.ok()) return Refusal{refusal::kInvalidQuery, query.status().message()};
  if (query->dataset != q.payload.dataset) {
    return Refusal{refusal::kInvalidQuery, "the query names dataset " + query->dataset +
                                               " but the payload " + q.payload.dataset};
  }
  // A requester some policy for the dataset names may know its schema: a query that does not
  // fit it (an unknown field, a label that is not declared, a value of the wrong type) is
  // reported as such before any policy decision, not as a denial. The check reads the schema
  // only, so the refusal tells nothing about the records.
  if (NamedByAPolicy(*deps_.policies->Current(), q.payload.dataset, q.envelope.signer,
                     q.peer.groups)) {
    Status fits = CheckFits(*query);
    if (!fits.ok()) return Refusal{refusal::kInvalidQuery, fits.message()};
  }
  PolicyRequest request;
  request.requester = q.envelope.signer;
  request.requester_groups = q.peer.groups;
  request.dataset = q.payload.dataset;
  request.purpose = q.payload.purpose;
  request.legal_basis = q.payload.legal_basis;
  request.footprint = DescribeQuery(*query);
  request.now_ms = deps_.clock->NowMillis();
  PolicyDecision d = EvaluatePolicies(*deps_.policies->Current(), request);
  if (!d.allowed) return Refusal{refusal::kDenied, d.reason};
  if (!limiter_.Allow(*d.policy, request.requester, request.now_ms)) {
    return Refusal{refusal::kRateLimited, "policy " + d.policy->policy.id + " allows " +
                                              std::to_string(d.policy->policy.rate_limit_per_hour) +
                                              " queries per hour"};
  }
  Grant grant;
  grant.policy_id = d.policy->policy.id;
  grant.policy_version = d.policy->version;
  grant.query = std::move(query).value();
  grant.policy = std::make_shared<const config::Policy>(std::move(d.policy->policy));
  grant.expected_definition = q.payload.definition;
  return grant;
}

Result<AnswerPlan> AnswerService::Plan(const Query& query, const storage::DatasetInfo& info,
                                       Protection protection,
                                       const config::Policy* policy) const {
  storage::DatasetStore* store = deps_.datasets;
  std::string dataset = info.name;
  PlanContext context;
  context.schema = &info.schema;
  context.codes = [store, dataset](size_t field, std::string_view label) {
    return store->CategoryCode(dataset, field, label);
  };
  context.labels = [store, dataset](size_t field) { return store->CategoryLabels(dataset, field); };
  context.protection = protection;
  context.policy = policy;
  context.max_groups = deps_.limits.max_groups;
  ASSIGN_OR_RETURN(AnswerPlan plan, PlanAnswer(query, context));
  storage::ScanSpec& spec = plan.bound.scan;
  // A protected answer is never refused by the number of records (that number would be an
  // oracle for whether one person is there); only the owner's raw answers are bounded by rows.
  // Every answer is bounded by time.
  spec.max_rows_scanned = protection == Protection::kRaw ? deps_.limits.max_rows_scanned
                                                         : INT64_MAX;
  // A protected answer has at most KeyCount() cells (the plan checked it against the limits),
  // and the scan can find no more keys than that, so it cannot stop for its group limit.
  spec.max_groups = protection == Protection::kRaw
                        ? deps_.limits.max_groups
                        : static_cast<int>(std::max<int64_t>(1, plan.KeyCount()));
  spec.timeout_ms = deps_.limits.query_timeout_ms;
  return plan;
}

Result<storage::ScanResult> AnswerService::Scan(const storage::DatasetInfo& info,
                                                const AnswerPlan& plan,
                                                const std::string& canonical) {
  const storage::ScanSpec& spec = plan.bound.scan;
  std::string key;
  if (deps_.scan_cache && deps_.scan_cache->enabled()) {
    key = ScanKey(info, spec, canonical);
    if (auto hit = deps_.scan_cache->Find(key)) return *hit;
  }
  ASSIGN_OR_RETURN(storage::ScanResult scan, deps_.datasets->Scan(info.name, spec));
  // Kept only when the scan saw the generation the query was planned on.
  if (!key.empty() && scan.generation == info.generation) {
    deps_.scan_cache->Put(key, std::make_shared<const storage::ScanResult>(scan));
  }
  return scan;
}

std::variant<ProtectedAnswer, Refusal> AnswerService::Answer(const Grant& grant,
                                                             std::string_view requester) {
  if (!grant.policy) return Refusal{refusal::kInternal, "the grant names no policy"};
  const Query& query = grant.query;
  auto info = deps_.datasets->Describe(query.dataset);
  if (!info.ok()) {
    return Refusal{refusal::kInvalidQuery,
                   "dataset " + query.dataset + " does not exist on this node"};
  }
  if (auto mismatch = DefinitionMismatch(grant.expected_definition, *info)) return *mismatch;
  auto settings = deps_.ledger->Settings(query.dataset);
  if (!settings.ok()) return RefusalOf(settings.status());
  Protection protection =
      settings->personal ? Protection::kDifferentialPrivacy : Protection::kThreshold;
  auto plan = Plan(query, *info, protection, grant.policy.get());
  if (!plan.ok()) return RefusalOf(plan.status());
  std::string canonical = QueryToJson(query);
  auto scan = Scan(*info, *plan, canonical);
  if (!scan.ok()) return RefusalOf(scan.status());
  storage::DatasetStore* store = deps_.datasets;
  auto labels = [store, &query](size_t field, int64_t code) {
    return store->CategoryLabel(query.dataset, field, code);
  };
  auto table = ExactRelease(*plan, *scan, labels);
  if (!table.ok()) return RefusalOf(table.status());
  ProtectedAnswer out;
  if (protection == Protection::kDifferentialPrivacy) {
    // Column names do not change what is released: the same statistics under other aliases
    // are the same release (the same noise, not charged again).
    bool aliased = std::any_of(query.select.begin(), query.select.end(),
                               [](const SelectItem& item) { return !item.alias.empty(); });
    std::string unnamed_text = canonical;
    if (aliased) {
      Query unnamed = query;
      for (auto& item : unnamed.select) item.alias.clear();
      unnamed_text = QueryToJson(unnamed);
    }
    std::string fingerprint = ReleaseFingerprint(query.dataset, scan->generation, unnamed_text,
                                                 plan->NoiseParameters());
    auto reserved = deps_.ledger->Reserve(
        query.dataset, requester, fingerprint, plan->epsilon_micro, deps_.clock->NowMillis(),
        canonical, grant.policy_id + " v" + std::to_string(grant.policy_version));
    if (!reserved.ok()) {
      if (reserved.status().code() == StatusCode::kResourceExhausted) {
        return Refusal{refusal::kBudgetExhausted, reserved.status().message()};
      }
      return RefusalOf(reserved.status());
    }
    Status noisy = AddNoise(*table, *plan, deps_.noise_secret.span(), fingerprint);
    if (!noisy.ok()) return RefusalOf(noisy);
    table->protection = DpProtection(*plan, reserved->report());
    out.reservation = std::move(reserved).value();
  } else {
    table->protection = {{"method", ProtectionName(protection)},
                         {"min_cell_size", plan->min_cell_size},
                         {"personal_data", false},
                         {"non_personal_reason", settings->non_personal_reason}};
  }
  table->protection["policy"] = grant.policy_id;
  table->protection["policy_version"] = grant.policy_version;
  out.result = EncodePartialTable(*table);
  out.definition = info->definition;
  return out;
}

Status AnswerService::CheckFits(const Query& query) const {
  auto info = deps_.datasets->Describe(query.dataset);
  if (!info.ok()) return Status::Ok();
  storage::DatasetStore* store = deps_.datasets;
  const std::string dataset = query.dataset;
  return BindQuery(
             query, info->schema,
             [store, dataset](size_t field, std::string_view label) {
               return store->CategoryCode(dataset, field, label);
             },
             [store, dataset](size_t field) { return store->CategoryLabels(dataset, field); })
      .status();
}

Result<PartialTable> AnswerService::AnswerRaw(const Query& query) {
  auto info = deps_.datasets->Describe(query.dataset);
  if (!info.ok()) {
    return common::InvalidArgument("dataset " + query.dataset + " does not exist on this node");
  }
  ASSIGN_OR_RETURN(AnswerPlan plan, Plan(query, *info, Protection::kRaw, nullptr));
  ASSIGN_OR_RETURN(storage::ScanResult scan, Scan(*info, plan, QueryToJson(query)));
  storage::DatasetStore* store = deps_.datasets;
  ASSIGN_OR_RETURN(PartialTable table,
                   ExactRelease(plan, scan, [store, &query](size_t field, int64_t code) {
                     return store->CategoryLabel(query.dataset, field, code);
                   }));
  table.protection = {{"method", ProtectionName(Protection::kRaw)}};
  return table;
}

}  // namespace verbind::federation
