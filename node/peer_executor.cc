#include "node/peer_executor.h"

#include "common/strict_json.h"
#include "federation/query_json.h"
#include "federation/dp.h"
#include "federation/partial_build.h"
#include "node/protect.h"
#include "node/query_engine.h"

namespace verbind::node {

using federation::Refusal;
namespace refusal = federation::refusal;

namespace {

// The payload was parsed strictly (no duplicate keys, bounded nesting), so its query value is
// read as it is; the checks on the query itself are those of ParseQueryJson.
std::variant<federation::Query, Refusal> ParseQuery(const federation::VerifiedQuery& q) {
  auto query = federation::QueryFromJsonValue(q.payload.query);
  if (!query.ok()) return Refusal{refusal::kInvalidQuery, query.status().message()};
  if (query->dataset != q.payload.dataset) {
    return Refusal{refusal::kInvalidQuery, "the query names dataset " + query->dataset +
                                               " but the payload " + q.payload.dataset};
  }
  return std::move(query).value();
}

}  // namespace

std::variant<federation::Grant, Refusal> PolicyAuthorizer::Authorize(
    const federation::VerifiedQuery& q) {
  auto query = ParseQuery(q);
  if (auto* r = std::get_if<Refusal>(&query)) return *r;
  federation::PolicyRequest request;
  request.requester = q.envelope.signer;
  request.requester_groups = q.peer.groups;
  request.dataset = q.payload.dataset;
  request.purpose = q.payload.purpose;
  request.legal_basis = q.payload.legal_basis;
  request.footprint = federation::DescribeQuery(std::get<federation::Query>(query));
  request.now_ms = s_->clock->NowMillis();
  federation::PolicyDecision d = federation::EvaluatePolicies(*s_->policies->Current(), request);
  if (!d.allowed) return Refusal{refusal::kDenied, d.reason};
  if (!limiter_.Allow(*d.policy, request.requester, request.now_ms)) {
    return Refusal{refusal::kRateLimited, "policy " + d.policy->policy.id + " allows " +
                                              std::to_string(d.policy->policy.rate_limit_per_hour) +
                                              " queries per hour"};
  }
  federation::Grant grant;
  grant.policy_id = d.policy->policy.id;
  grant.policy_version = d.policy->version;
  grant.query = std::move(std::get<federation::Query>(query));
  grant.policy = std::make_shared<const config::Policy>(std::move(d.policy->policy));
  return grant;
}

std::variant<nlohmann::json, Refusal> DatasetExecutor::Execute(const federation::VerifiedQuery& q,
                                                               const federation::Grant& grant) {
  if (!grant.policy) return Refusal{refusal::kInternal, "the grant names no policy"};
  const config::Policy* policy = grant.policy.get();
  LocalScanOptions options;
  options.want_record_set = true;
  options.record_set_cells = RecordSetCellsFor(policy->min_cell_size);
  options.track_top = policy->dominance_n;
  options.max_groups = policy->max_cells + 1;
  if (policy->dp) {
    // What differential privacy cannot protect is refused before any record is read.
    std::optional<config::Schema> schema;
    options.before_scan = [&](const federation::BoundQuery& bound) {
      federation::DpSettings settings;
      settings.epsilon_micro = static_cast<int64_t>(policy->dp->epsilon_per_query * 1e6 + 0.5);
      auto info = s_->datasets->Describe(bound.dataset);
      if (info.ok()) {
        for (const auto& f : info->schema.fields) {
          if (f.min && f.max) settings.bounds[f.name] = federation::FieldBounds{*f.min, *f.max};
        }
      }
      common::Status ok = federation::CheckDifferentialPrivacy(federation::ItemsOf(bound), settings);
      return ok.ok() ? ok : common::PermissionDenied(ok.message());
    };
  }
  auto run = RunLocalQuery(*s_, grant.query, options);
  if (!run.ok()) {
    switch (run.status().code()) {
      case common::StatusCode::kInvalidArgument:
        return Refusal{refusal::kInvalidQuery, run.status().message()};
      case common::StatusCode::kPermissionDenied:
        return Refusal{refusal::kDenied, run.status().message()};
      case common::StatusCode::kResourceExhausted:
      case common::StatusCode::kDeadlineExceeded:
        return Refusal{refusal::kTooExpensive, run.status().message()};
      default:
        return Refusal{refusal::kInternal, run.status().message()};
    }
  }
  if (run->table.cells.size() > static_cast<size_t>(policy->max_cells)) {
    return Refusal{refusal::kDenied, "the answer would have more than " +
                                         std::to_string(policy->max_cells) +
                                         " cells (policy " + policy->id + ")"};
  }
  return ProtectAnswer(*s_, q, grant, std::move(run).value());
}

}  // namespace verbind::node
