// /v1/policies: apply, list, show, remove and explain sharing policies (admin;
// docs/policies.md).
#include "common/clock.h"
#include "federation/policy.h"
#include "federation/query_json.h"
#include "federation/sql.h"
#include "node/api/internal/http_status.h"
#include "node/api/routes.h"

namespace verbind::node {

using common::Result;
using nlohmann::json;

namespace {

json StoredToJson(const storage::StoredPolicy& p, bool with_source) {
  json j = {{"id", p.policy.id},
            {"version", p.version},
            {"removed", p.removed},
            {"dataset", p.policy.dataset},
            {"grantees", p.policy.grantees},
            {"purposes", p.policy.purposes},
            {"applied_at", common::FormatRfc3339(p.applied_at_ms)},
            {"applied_by", p.applied_by},
            {"policy", json::parse(config::PolicyToJson(p.policy))}};
  if (with_source) j["source"] = p.source;
  return j;
}

// A query given as SQL text or as its JSON form.
common::Result<federation::Query> QueryFromRequest(const json& q) {
  if (q.is_string()) {
    // ORDER BY, LIMIT and OFFSET shape the shown result only; the policy judges the query.
    ASSIGN_OR_RETURN(federation::AnalystQuery asked,
                     federation::ParseAnalystSql(q.get<std::string>()));
    return std::move(asked.query);
  }
  if (q.is_object()) return federation::QueryFromJsonValue(q);
  return common::InvalidArgument("query must be SQL text or the JSON form");
}

Result<HttpReply> Apply(const PolicyServices& s, const ApiRequest& r) {
  std::string source = r.body.value("source", "");
  std::string name = r.body.value("file", "policy.toml");
  // A file with an error changes nothing: the version in force stays.
  ASSIGN_OR_RETURN(config::Policy policy, config::ParsePolicyToml(source, name));
  ASSIGN_OR_RETURN(storage::StoredPolicy stored, s.policies->Apply(policy, source, r.caller.name));
  RETURN_IF_ERROR(
      s.audit->Record(r.ctx.trace_id, {.actor = r.caller.name,
                                       .operation = "policy.apply",
                                       .decision = "applied",
                                       .detail = policy.id + " v" + std::to_string(stored.version),
                                       .dataset = policy.dataset}));
  return JsonReply(StoredToJson(stored, false).dump(), 201);
}

Result<HttpReply> Explain(const PolicyServices& s, const ApiRequest& r) {
  ASSIGN_OR_RETURN(federation::Query query, QueryFromRequest(r.body.value("query", json())));
  federation::PolicyRequest p;
  p.requester = r.body.value("peer", "");
  if (const auto* peer = s.peers->snapshot()->ByOrg(p.requester)) p.requester_groups = peer->groups;
  p.dataset = query.dataset;
  p.purpose = r.body.value("purpose", "");
  p.legal_basis = r.body.value("legal_basis", "");
  p.footprint = federation::DescribeQuery(query);
  p.now_ms = s.clock->NowMillis();
  auto decision = federation::EvaluatePolicies(*s.policies->Current(), p);
  json out = {{"allowed", decision.allowed},
              {"reason", decision.reason},
              {"lines", federation::ExplainDecision(decision, p)}};
  if (decision.allowed) {
    out["policy"] = {{"id", decision.policy->policy.id}, {"version", decision.policy->version}};
  }
  return JsonReply(out.dump());
}

Result<HttpReply> List(const PolicyServices& s) {
  json out = json::array();
  for (const auto& p : *s.policies->Current()) out.push_back(StoredToJson(p, false));
  return JsonReply(json{{"policies", out}}.dump());
}

Result<HttpReply> History(const PolicyServices& s, const ApiRequest& r) {
  ASSIGN_OR_RETURN(auto history, s.policies->History(r.capture(1)));
  json versions = json::array();
  for (const auto& p : history) versions.push_back(StoredToJson(p, true));
  return JsonReply(json{{"id", r.capture(1)}, {"versions", versions}}.dump());
}

Result<HttpReply> Remove(const PolicyServices& s, const ApiRequest& r) {
  ASSIGN_OR_RETURN(storage::StoredPolicy removed, s.policies->Remove(r.capture(1), r.caller.name));
  RETURN_IF_ERROR(s.audit->Record(
      r.ctx.trace_id, {.actor = r.caller.name,
                       .operation = "policy.remove",
                       .decision = "applied",
                       .detail = removed.policy.id + " v" + std::to_string(removed.version),
                       .dataset = removed.policy.dataset}));
  return JsonReply(StoredToJson(removed, false).dump());
}

}  // namespace

void RegisterPolicyRoutes(const PolicyServices& s, Endpoints& api) {
  constexpr const char* kOne = R"(/v1/policies/([a-z0-9._-]+))";
  api.Add("POST", "/v1/policies", Role::kAdmin, BodyUse::kJson,
          [s](const ApiRequest& r) { return Apply(s, r); });
  api.Add("POST", "/v1/policies/explain", Role::kAdmin, BodyUse::kJson,
          [s](const ApiRequest& r) { return Explain(s, r); });
  api.Add("GET", "/v1/policies", Role::kAdmin, BodyUse::kNone,
          [s](const ApiRequest&) { return List(s); });
  api.Add("GET", kOne, Role::kAdmin, BodyUse::kNone,
          [s](const ApiRequest& r) { return History(s, r); });
  api.Add("DELETE", kOne, Role::kAdmin, BodyUse::kNone,
          [s](const ApiRequest& r) { return Remove(s, r); });
}

}  // namespace verbind::node
