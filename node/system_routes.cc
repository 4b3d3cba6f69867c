#include "common/clock.h"
#include "node/key_rotation.h"
#include "node/route_util.h"
#include "node/routes.h"

namespace verbind::node {

using nlohmann::json;

void RegisterSystemRoutes(NodeServices& s, httplib::Server& api) {
  api.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    WriteJson(res, R"({"status":"ok"})");
  });
  api.Get("/readyz", [&s](const httplib::Request&, httplib::Response& res) {
    auto probe = s.db->Get(storage::Family::kMeta, "format");
    if (!probe.ok()) {
      WriteError(res, common::Unavailable("database: " + probe.status().message()));
      return;
    }
    WriteJson(res, R"({"status":"ready"})");
  });
  api.Get("/metrics", [&s](const httplib::Request&, httplib::Response& res) {
    res.set_content(s.metrics.Render(), "text/plain; version=0.0.4");
  });
  api.Get("/v1/identity", [&s](const httplib::Request& req, httplib::Response& res) {
    if (!Authorize(s, req, res, Role::kAnalyst)) return;
    auto doc = s.IdentityJson();
    if (Check(res, doc.status())) WriteJson(res, *doc);
  });
  api.Post("/v1/keys/rotate", [&s](const httplib::Request& req, httplib::Response& res) {
    auto who = Authorize(s, req, res, Role::kAdmin);
    if (!who) return;
    bool tls = false;
    if (!req.body.empty()) {
      auto body = JsonBody(req, res);
      if (!body) return;
      tls = body->value("tls", false);
    }
    auto out = RotateKeys(s, tls, who->name);
    if (Check(res, out.status())) WriteJson(res, out->dump());
  });
  api.Get("/v1/tokens", [&s](const httplib::Request& req, httplib::Response& res) {
    if (!Authorize(s, req, res, Role::kAdmin)) return;
    json out = json::array();
    for (const auto& t : s.tokens->List()) {
      out.push_back({{"name", t.name}, {"role", t.role}, {"created", t.created}});
    }
    WriteJson(res, json{{"tokens", out}}.dump());
  });
  api.Post("/v1/tokens", [&s](const httplib::Request& req, httplib::Response& res) {
    auto who = Authorize(s, req, res, Role::kAdmin);
    if (!who) return;
    auto body = JsonBody(req, res);
    if (!body) return;
    std::string name = body->value("name", "");
    std::string role = body->value("role", "");
    if (!RoleFromName(role)) {
      WriteError(res, common::InvalidArgument("role must be owner, admin or analyst"));
      return;
    }
    if (!RoleAllows(who->role, *RoleFromName(role))) {
      WriteError(res, common::PermissionDenied("only an owner token can create an owner token"));
      return;
    }
    auto token = s.tokens->Create(name, *RoleFromName(role), *s.rng,
                                  common::FormatRfc3339(s.clock->NowMillis()));
    if (!Check(res, token.status())) return;
    if (!Check(res, s.AuditLocal(who->name, "token.create", "applied", name + " (" + role + ")"))) {
      return;
    }
    WriteJson(res, json{{"name", name}, {"role", role}, {"token", *token}}.dump(), 201);
  });
  api.Delete(R"(/v1/tokens/([a-z0-9._-]+))", [&s](const httplib::Request& req,
                                                   httplib::Response& res) {
    auto who = Authorize(s, req, res, Role::kAdmin);
    if (!who) return;
    if (!Check(res, s.tokens->Revoke(req.matches[1]))) return;
    if (Check(res, s.AuditLocal(who->name, "token.revoke", "applied", req.matches[1]))) {
      res.status = 204;
    }
  });
}

}  // namespace verbind::node
