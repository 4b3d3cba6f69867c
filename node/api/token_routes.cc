// /v1/tokens: list, create and revoke API tokens (admin; owner tokens only by an owner).
#include "common/clock.h"
#include "node/api/internal/http_status.h"
#include "node/api/routes.h"

namespace verbind::node {

using common::Result;
using nlohmann::json;

namespace {

Result<HttpReply> List(const TokenServices& s) {
  json out = json::array();
  for (const auto& t : s.tokens->List()) {
    out.push_back({{"name", t.name}, {"role", t.role}, {"created", t.created}});
  }
  return JsonReply(json{{"tokens", out}}.dump());
}

Result<HttpReply> Create(const TokenServices& s, const ApiRequest& r) {
  std::string name = r.body.value("name", "");
  std::string role = r.body.value("role", "");
  if (!RoleFromName(role)) return common::InvalidArgument("role must be owner, admin or analyst");
  if (!RoleAllows(r.caller.role, *RoleFromName(role))) {
    return common::PermissionDenied("only an owner token can create an owner token");
  }
  ASSIGN_OR_RETURN(std::string token,
                   s.tokens->Create(name, *RoleFromName(role), *s.rng,
                                    common::FormatRfc3339(s.clock->NowMillis())));
  RETURN_IF_ERROR(s.audit->Record(r.ctx.trace_id, {.actor = r.caller.name,
                                                   .operation = "token.create",
                                                   .decision = "applied",
                                                   .detail = name + " (" + role + ")"}));
  return JsonReply(json{{"name", name}, {"role", role}, {"token", token}}.dump(), 201);
}

Result<HttpReply> Revoke(const TokenServices& s, const ApiRequest& r) {
  RETURN_IF_ERROR(s.tokens->Revoke(r.capture(1)));
  RETURN_IF_ERROR(s.audit->Record(r.ctx.trace_id, {.actor = r.caller.name,
                                                   .operation = "token.revoke",
                                                   .decision = "applied",
                                                   .detail = r.capture(1)}));
  return HttpReply{.status = 204};
}

}  // namespace

void RegisterTokenRoutes(const TokenServices& s, Endpoints& api) {
  api.Add("GET", "/v1/tokens", Role::kAdmin, BodyUse::kNone,
          [s](const ApiRequest&) { return List(s); });
  api.Add("POST", "/v1/tokens", Role::kAdmin, BodyUse::kJson,
          [s](const ApiRequest& r) { return Create(s, r); });
  api.Add("DELETE", R"(/v1/tokens/([a-z0-9._-]+))", Role::kAdmin, BodyUse::kNone,
          [s](const ApiRequest& r) { return Revoke(s, r); });
}

}  // namespace verbind::node
