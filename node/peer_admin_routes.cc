#include "common/clock.h"
#include "common/encoding.h"
#include "common/strings.h"
#include "federation/identity.h"
#include "node/http_server.h"
#include "node/route_util.h"
#include "node/routes.h"

namespace verbind::node {

using nlohmann::json;
using storage::PeerStatus;

json PeerToJson(const storage::PeerRecord& r) {
  json keys = json::array();
  for (const auto& k : r.keys) {
    keys.push_back({{"key_id", k.key_id},
                    {"public_key", common::Base64UrlEncode(common::AsBytes(k.public_key))},
                    {"valid_from", k.valid_from_ms ? common::FormatRfc3339(k.valid_from_ms) : ""},
                    {"valid_until", k.valid_until_ms ? common::FormatRfc3339(k.valid_until_ms)
                                                     : ""}});
  }
  json certs = json::array();
  for (const auto& c : r.certificates) {
    certs.push_back({{"fingerprint_sha256", c.fingerprint},
                     {"valid_until", c.valid_until_ms ? common::FormatRfc3339(c.valid_until_ms)
                                                      : ""}});
  }
  return {{"org_id", r.org_id},
          {"name", r.name},
          {"peer_url", r.peer_url},
          {"status", storage::PeerStatusName(r.status)},
          {"status_reason", r.status_reason},
          {"groups", r.groups},
          {"signing_keys", keys},
          {"tls_certificates", certs},
          {"added_at", common::FormatRfc3339(r.added_at_ms)},
          {"updated_at", common::FormatRfc3339(r.updated_at_ms)}};
}

namespace {

common::Result<std::vector<std::string>> Groups(const json& body) {
  std::vector<std::string> groups;
  if (!body.contains("groups")) return groups;
  if (!body["groups"].is_array()) return common::InvalidArgument("groups must be an array");
  for (const auto& g : body["groups"]) {
    if (!g.is_string() || !common::IsValidName(g.get<std::string>())) {
      return common::InvalidArgument("each group must be a valid name (a-z 0-9 . _ -)");
    }
    groups.push_back(g);
  }
  return groups;
}

void AddPeer(NodeServices& s, const httplib::Request& req, httplib::Response& res) {
  auto who = Authorize(s, req, res, Role::kAdmin);
  if (!who) return;
  auto body = JsonBody(req, res);
  if (!body) return;
  if (!body->contains("identity")) {
    WriteError(res, common::InvalidArgument("the body needs \"identity\": the identity document"));
    return;
  }
  const json& id = (*body)["identity"];
  auto doc = federation::ParseIdentityDocument(id.is_string() ? id.get<std::string>() : id.dump());
  if (!Check(res, doc.status())) return;
  if (doc->org_id == s.config.org_id) {
    WriteError(res, common::InvalidArgument("that is this node's own identity"));
    return;
  }
  auto groups = Groups(*body);
  if (!Check(res, groups.status())) return;
  if (!Check(res, s.peers->Add(federation::ToPeerRecord(*doc, *groups)))) return;
  if (!Check(res, s.AuditLocal(who->name, "peer.add", "applied",
                               "key " + doc->signing_key_id + ", TLS " + doc->tls_fingerprint,
                               doc->org_id))) {
    return;
  }
  WriteJson(res, PeerToJson(*s.peers->snapshot()->ByOrg(doc->org_id)).dump(), 201);
}

// Replaces a peer's pinned keys and certificate from a new identity document (after a
// rotation this node missed), keeping its status; groups are replaced when given.
void UpdatePeer(NodeServices& s, const httplib::Request& req, httplib::Response& res) {
  auto who = Authorize(s, req, res, Role::kAdmin);
  if (!who) return;
  auto body = JsonBody(req, res);
  if (!body) return;
  std::string org = req.matches[1];
  auto snap = s.peers->snapshot();
  const storage::PeerRecord* old = snap->ByOrg(org);
  if (!old) {
    WriteError(res, common::NotFound("no peer " + org));
    return;
  }
  storage::PeerRecord r = *old;
  if (body->contains("identity")) {
    const json& id = (*body)["identity"];
    auto doc = federation::ParseIdentityDocument(id.is_string() ? id.get<std::string>() : id.dump());
    if (!Check(res, doc.status())) return;
    if (doc->org_id != org) {
      WriteError(res, common::InvalidArgument("the identity document is for " + doc->org_id));
      return;
    }
    storage::PeerRecord fresh = federation::ToPeerRecord(*doc, r.groups);
    r.name = fresh.name;
    r.peer_url = fresh.peer_url;
    r.keys = fresh.keys;
    r.certificates = fresh.certificates;
    r.x25519_public_key = fresh.x25519_public_key;
  }
  if (body->contains("groups")) {
    auto groups = Groups(*body);
    if (!Check(res, groups.status())) return;
    r.groups = *groups;
  }
  if (!Check(res, s.peers->Update(r))) return;
  if (!Check(res, s.AuditLocal(who->name, "peer.update", "applied", body->dump().substr(0, 200),
                               org))) {
    return;
  }
  WriteJson(res, PeerToJson(*s.peers->snapshot()->ByOrg(org)).dump());
}

void SetStatus(NodeServices& s, const httplib::Request& req, httplib::Response& res) {
  auto who = Authorize(s, req, res, Role::kAdmin);
  if (!who) return;
  std::string org = req.matches[1];
  std::string action = req.matches[2];
  std::string reason;
  if (!req.body.empty()) {
    auto body = JsonBody(req, res);
    if (!body) return;
    reason = body->value("reason", "");
  }
  PeerStatus status = action == "suspend"  ? PeerStatus::kSuspended
                      : action == "revoke" ? PeerStatus::kRevoked
                                           : PeerStatus::kActive;
  if (!Check(res, s.peers->SetStatus(org, status, reason))) return;
  if (!Check(res, s.AuditLocal(who->name, "peer." + action, "applied", reason, org))) return;
  WriteJson(res, PeerToJson(*s.peers->snapshot()->ByOrg(org)).dump());
}

// Fetches the peer's identity over mutual TLS and compares it with what is pinned.
void CheckPeer(NodeServices& s, const httplib::Request& req, httplib::Response& res) {
  if (!Authorize(s, req, res, Role::kAdmin)) return;
  auto snap = s.peers->snapshot();
  const storage::PeerRecord* peer = snap->ByOrg(req.matches[1].str());
  if (!peer) {
    WriteError(res, common::NotFound("no peer " + req.matches[1].str()));
    return;
  }
  auto start = std::chrono::steady_clock::now();
  auto reply = s.peer_clients->Call(*peer, "GET", "/v1/peer/identity", {}, "",
                                    After(s.config.federation.deadline_ms));
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                  .count();
  json out = {{"org_id", peer->org_id}, {"peer_url", peer->peer_url}, {"latency_ms", ms}};
  if (!reply.ok() || reply->status != 200) {
    out["reachable"] = false;
    out["error"] = reply.ok() ? "HTTP " + std::to_string(reply->status) + ": " + reply->body
                              : reply.status().message();
    WriteJson(res, out.dump());
    return;
  }
  auto doc = federation::ParseIdentityDocument(reply->body);
  out["reachable"] = true;
  out["identity_valid"] = doc.ok();
  bool matches = doc.ok() && doc->org_id == peer->org_id &&
                 peer->KeyFor(doc->signing_key_id, s.clock->NowMillis()) != nullptr &&
                 peer->HasCertificate(doc->tls_fingerprint, s.clock->NowMillis());
  out["identity_matches_pinned"] = matches;
  if (doc.ok()) {
    out["remote_identity"] = {{"org_id", doc->org_id},
                              {"name", doc->name},
                              {"signing_key_id", doc->signing_key_id},
                              {"tls_fingerprint_sha256", doc->tls_fingerprint}};
  }
  WriteJson(res, out.dump());
}

}  // namespace

void RegisterPeerAdminRoutes(NodeServices& s, httplib::Server& api) {
  api.Get("/v1/peers", [&s](const httplib::Request& req, httplib::Response& res) {
    if (!Authorize(s, req, res, Role::kAdmin)) return;
    json out = json::array();
    for (const auto& [org, r] : s.peers->snapshot()->by_org) out.push_back(PeerToJson(r));
    WriteJson(res, json{{"peers", out}}.dump());
  });
  api.Post("/v1/peers", [&s](const httplib::Request& req, httplib::Response& res) {
    AddPeer(s, req, res);
  });
  api.Get(R"(/v1/peers/([a-z0-9._-]+))", [&s](const httplib::Request& req,
                                               httplib::Response& res) {
    if (!Authorize(s, req, res, Role::kAdmin)) return;
    auto snap = s.peers->snapshot();
    const storage::PeerRecord* r = snap->ByOrg(req.matches[1].str());
    if (!r) {
      WriteError(res, common::NotFound("no peer " + req.matches[1].str()));
      return;
    }
    WriteJson(res, PeerToJson(*r).dump());
  });
  api.Post(R"(/v1/peers/([a-z0-9._-]+)/(suspend|resume|revoke))",
           [&s](const httplib::Request& req, httplib::Response& res) { SetStatus(s, req, res); });
  api.Post(R"(/v1/peers/([a-z0-9._-]+)/check)",
           [&s](const httplib::Request& req, httplib::Response& res) { CheckPeer(s, req, res); });
  api.Put(R"(/v1/peers/([a-z0-9._-]+))",
          [&s](const httplib::Request& req, httplib::Response& res) { UpdatePeer(s, req, res); });
  api.Delete(R"(/v1/peers/([a-z0-9._-]+))", [&s](const httplib::Request& req,
                                                  httplib::Response& res) {
    auto who = Authorize(s, req, res, Role::kAdmin);
    if (!who) return;
    std::string org = req.matches[1].str();
    if (!Check(res, s.peers->Remove(org))) return;
    if (Check(res, s.AuditLocal(who->name, "peer.remove", "applied", "", org))) res.status = 204;
  });
}

}  // namespace verbind::node
