#include "common/clock.h"
#include "node/key_rotation.h"
#include "node/route_util.h"
#include "node/routes.h"

namespace verbind::node {

using common::Result;
using nlohmann::json;

namespace {

Result<HttpReply> CreateToken(NodeServices& s, const ApiRequest& r) {
  std::string name = r.body.value("name", "");
  std::string role = r.body.value("role", "");
  if (!RoleFromName(role)) return common::InvalidArgument("role must be owner, admin or analyst");
  if (!RoleAllows(r.caller.role, *RoleFromName(role))) {
    return common::PermissionDenied("only an owner token can create an owner token");
  }
  ASSIGN_OR_RETURN(std::string token,
                   s.tokens->Create(name, *RoleFromName(role), *s.rng,
                                    common::FormatRfc3339(s.clock->NowMillis())));
  RETURN_IF_ERROR(s.AuditLocal(r.ctx.trace_id, r.caller.name, "token.create", "applied",
                               name + " (" + role + ")"));
  return JsonReply(json{{"name", name}, {"role", role}, {"token", token}}.dump(), 201);
}

}  // namespace

void RegisterSystemRoutes(NodeServices& s, Endpoints& api) {
  api.Open("GET", "/healthz",
           [](const ApiRequest&) -> Result<HttpReply> { return JsonReply(R"({"status":"ok"})"); });
  api.Open("GET", "/readyz", [&s](const ApiRequest&) -> Result<HttpReply> {
    auto probe = s.db->Get(storage::Family::kMeta, "format");
    if (!probe.ok()) return common::Unavailable("database: " + probe.status().message());
    return JsonReply(R"({"status":"ready"})");
  });
  api.Open("GET", "/metrics", [&s](const ApiRequest&) -> Result<HttpReply> {
    return HttpReply{.content_type = "text/plain; version=0.0.4", .body = s.metrics.Render()};
  });
  api.Add("GET", "/v1/identity", Role::kAnalyst, BodyUse::kNone,
          [&s](const ApiRequest&) -> Result<HttpReply> {
            ASSIGN_OR_RETURN(std::string doc, s.IdentityJson());
            return JsonReply(doc);
          });
  api.Add("POST", "/v1/keys/rotate", Role::kAdmin, BodyUse::kOptionalJson,
          [&s](const ApiRequest& r) -> Result<HttpReply> {
            bool tls = r.body.is_object() && r.body.value("tls", false);
            ASSIGN_OR_RETURN(json out, RotateKeys(s, tls, r.caller.name, r.ctx.trace_id));
            return JsonReply(out.dump());
          });
  api.Add("GET", "/v1/tokens", Role::kAdmin, BodyUse::kNone,
          [&s](const ApiRequest&) -> Result<HttpReply> {
            json out = json::array();
            for (const auto& t : s.tokens->List()) {
              out.push_back({{"name", t.name}, {"role", t.role}, {"created", t.created}});
            }
            return JsonReply(json{{"tokens", out}}.dump());
          });
  api.Add("POST", "/v1/tokens", Role::kAdmin, BodyUse::kJson,
          [&s](const ApiRequest& r) { return CreateToken(s, r); });
  api.Add("DELETE", R"(/v1/tokens/([a-z0-9._-]+))", Role::kAdmin, BodyUse::kNone,
          [&s](const ApiRequest& r) -> Result<HttpReply> {
            RETURN_IF_ERROR(s.tokens->Revoke(r.capture(1)));
            RETURN_IF_ERROR(s.AuditLocal(r.ctx.trace_id, r.caller.name, "token.revoke", "applied",
                                         r.capture(1)));
            return HttpReply{.status = 204};
          });
}

}  // namespace verbind::node
