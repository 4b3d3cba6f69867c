#include "common/clock.h"
#include "federation/policy.h"
#include "federation/query_json.h"
#include "federation/sql.h"
#include "node/route_util.h"
#include "node/routes.h"

namespace verbind::node {

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
  if (q.is_string()) return federation::ParseSql(q.get<std::string>());
  if (q.is_object()) return federation::QueryFromJsonValue(q);
  return common::InvalidArgument("query must be SQL text or the JSON form");
}

void Apply(NodeServices& s, const httplib::Request& req, httplib::Response& res) {
  auto who = Authorize(s, req, res, Role::kAdmin);
  if (!who) return;
  auto body = JsonBody(req, res);
  if (!body) return;
  std::string source = body->value("source", "");
  std::string name = body->value("file", "policy.toml");
  auto policy = config::ParsePolicyToml(source, name);
  // A file with an error changes nothing: the version in force stays.
  if (!Check(res, policy.status())) return;
  auto stored = s.policies->Apply(*policy, source, who->name);
  if (!Check(res, stored.status())) return;
  if (!Check(res, s.AuditLocal(who->name, "policy.apply", "applied",
                               policy->id + " v" + std::to_string(stored->version), "",
                               policy->dataset))) {
    return;
  }
  WriteJson(res, StoredToJson(*stored, false).dump(), 201);
}

void Explain(NodeServices& s, const httplib::Request& req, httplib::Response& res) {
  if (!Authorize(s, req, res, Role::kAdmin)) return;
  auto body = JsonBody(req, res);
  if (!body) return;
  auto query = QueryFromRequest(body->value("query", json()));
  if (!Check(res, query.status())) return;
  federation::PolicyRequest r;
  r.requester = body->value("peer", "");
  if (const auto* peer = s.peers->snapshot()->ByOrg(r.requester)) r.requester_groups = peer->groups;
  r.dataset = query->dataset;
  r.purpose = body->value("purpose", "");
  r.legal_basis = body->value("legal_basis", "");
  r.footprint = federation::DescribeQuery(*query);
  r.now_ms = s.clock->NowMillis();
  auto decision = federation::EvaluatePolicies(*s.policies->Current(), r);
  json out = {{"allowed", decision.allowed},
              {"reason", decision.reason},
              {"lines", federation::ExplainDecision(decision, r)}};
  if (decision.allowed) {
    out["policy"] = {{"id", decision.policy->policy.id}, {"version", decision.policy->version}};
  }
  WriteJson(res, out.dump());
}

}  // namespace

void RegisterPolicyRoutes(NodeServices& s, httplib::Server& api) {
  api.Post("/v1/policies", [&s](const httplib::Request& req, httplib::Response& res) {
    Apply(s, req, res);
  });
  api.Post("/v1/policies/explain", [&s](const httplib::Request& req, httplib::Response& res) {
    Explain(s, req, res);
  });
  api.Get("/v1/policies", [&s](const httplib::Request& req, httplib::Response& res) {
    if (!Authorize(s, req, res, Role::kAdmin)) return;
    json out = json::array();
    for (const auto& p : *s.policies->Current()) out.push_back(StoredToJson(p, false));
    WriteJson(res, json{{"policies", out}}.dump());
  });
  api.Get(R"(/v1/policies/([a-z0-9._-]+))", [&s](const httplib::Request& req,
                                                  httplib::Response& res) {
    if (!Authorize(s, req, res, Role::kAdmin)) return;
    auto history = s.policies->History(req.matches[1]);
    if (!Check(res, history.status())) return;
    json versions = json::array();
    for (const auto& p : *history) versions.push_back(StoredToJson(p, true));
    WriteJson(res, json{{"id", req.matches[1].str()}, {"versions", versions}}.dump());
  });
  api.Delete(R"(/v1/policies/([a-z0-9._-]+))", [&s](const httplib::Request& req,
                                                     httplib::Response& res) {
    auto who = Authorize(s, req, res, Role::kAdmin);
    if (!who) return;
    auto removed = s.policies->Remove(req.matches[1], who->name);
    if (!Check(res, removed.status())) return;
    if (!Check(res, s.AuditLocal(who->name, "policy.remove", "applied",
                                 removed->policy.id + " v" + std::to_string(removed->version), "",
                                 removed->policy.dataset))) {
      return;
    }
    WriteJson(res, StoredToJson(*removed, false).dump());
  });
}

}  // namespace verbind::node
