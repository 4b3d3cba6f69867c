// /v1/peers: the registry of pinned peers (admin): add from an identity document, update,
// suspend, resume, revoke, check over mutual TLS, remove.
#include "common/clock.h"
#include "common/encoding.h"
#include "common/strings.h"
#include "federation/identity.h"
#include "node/api/internal/http_status.h"
#include "node/api/routes.h"

namespace verbind::node {

using common::Result;
using nlohmann::json;
using storage::PeerStatus;

namespace {

// JSON of a registry record.
json PeerToJson(const storage::PeerRecord& r) {
  json keys = json::array();
  for (const auto& k : r.keys) {
    keys.push_back(
        {{"key_id", k.key_id},
         {"public_key", common::Base64UrlEncode(common::AsBytes(k.public_key))},
         {"valid_from", k.valid_from_ms ? common::FormatRfc3339(k.valid_from_ms) : ""},
         {"valid_until", k.valid_until_ms ? common::FormatRfc3339(k.valid_until_ms) : ""}});
  }
  json certs = json::array();
  for (const auto& c : r.certificates) {
    certs.push_back(
        {{"fingerprint_sha256", c.fingerprint},
         {"valid_until", c.valid_until_ms ? common::FormatRfc3339(c.valid_until_ms) : ""}});
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

Result<federation::IdentityDocument> IdentityOf(const json& id) {
  return federation::ParseIdentityDocument(id.is_string() ? id.get<std::string>() : id.dump());
}

Result<HttpReply> AddPeer(const TrustServices& s, const ApiRequest& r) {
  if (!r.body.contains("identity")) {
    return common::InvalidArgument("the body needs \"identity\": the identity document");
  }
  ASSIGN_OR_RETURN(federation::IdentityDocument doc, IdentityOf(r.body["identity"]));
  if (doc.org_id == s.identity->org_id()) {
    return common::InvalidArgument("that is this node's own identity");
  }
  ASSIGN_OR_RETURN(std::vector<std::string> groups, Groups(r.body));
  RETURN_IF_ERROR(s.peers->Add(federation::ToPeerRecord(doc, groups)));
  RETURN_IF_ERROR(s.audit->Record(
      r.ctx.trace_id, {.actor = r.caller.name,
                       .operation = "peer.add",
                       .decision = "applied",
                       .detail = "key " + doc.signing_key_id + ", TLS " + doc.tls_fingerprint,
                       .foreign_org = doc.org_id}));
  return JsonReply(PeerToJson(*s.peers->snapshot()->ByOrg(doc.org_id)).dump(), 201);
}

// Replaces a peer's pinned keys and certificate from a new identity document (after a
// rotation this node missed), keeping its status; groups are replaced when given.
Result<HttpReply> UpdatePeer(const TrustServices& s, const ApiRequest& r) {
  std::string org = r.capture(1);
  auto snap = s.peers->snapshot();
  const storage::PeerRecord* old = snap->ByOrg(org);
  if (!old) return common::NotFound("no peer " + org);
  storage::PeerRecord record = *old;
  if (r.body.contains("identity")) {
    ASSIGN_OR_RETURN(federation::IdentityDocument doc, IdentityOf(r.body["identity"]));
    if (doc.org_id != org) {
      return common::InvalidArgument("the identity document is for " + doc.org_id);
    }
    storage::PeerRecord fresh = federation::ToPeerRecord(doc, record.groups);
    record.name = fresh.name;
    record.peer_url = fresh.peer_url;
    record.keys = fresh.keys;
    record.certificates = fresh.certificates;
    record.x25519_public_key = fresh.x25519_public_key;
  }
  if (r.body.contains("groups")) {
    ASSIGN_OR_RETURN(record.groups, Groups(r.body));
  }
  RETURN_IF_ERROR(s.peers->Update(record));
  RETURN_IF_ERROR(s.audit->Record(r.ctx.trace_id, {.actor = r.caller.name,
                                                   .operation = "peer.update",
                                                   .decision = "applied",
                                                   .detail = r.body.dump().substr(0, 200),
                                                   .foreign_org = org}));
  return JsonReply(PeerToJson(*s.peers->snapshot()->ByOrg(org)).dump());
}

Result<HttpReply> SetStatus(const TrustServices& s, const ApiRequest& r) {
  std::string org = r.capture(1);
  std::string action = r.capture(2);
  std::string reason = r.body.is_object() ? r.body.value("reason", "") : "";
  PeerStatus status = action == "suspend"  ? PeerStatus::kSuspended
                      : action == "revoke" ? PeerStatus::kRevoked
                                           : PeerStatus::kActive;
  RETURN_IF_ERROR(s.peers->SetStatus(org, status, reason));
  RETURN_IF_ERROR(s.audit->Record(r.ctx.trace_id, {.actor = r.caller.name,
                                                   .operation = "peer." + action,
                                                   .decision = "applied",
                                                   .detail = reason,
                                                   .foreign_org = org}));
  return JsonReply(PeerToJson(*s.peers->snapshot()->ByOrg(org)).dump());
}

// Fetches the peer's identity over mutual TLS and compares it with what is pinned.
Result<HttpReply> CheckPeer(const TrustServices& s, const ApiRequest& r) {
  auto snap = s.peers->snapshot();
  const storage::PeerRecord* peer = snap->ByOrg(r.capture(1));
  if (!peer) return common::NotFound("no peer " + r.capture(1));
  auto start = std::chrono::steady_clock::now();
  auto reply =
      s.peer_clients->Call(*peer, "GET", "/v1/peer/identity", {}, "", After(s.call_deadline_ms));
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  json out = {{"org_id", peer->org_id}, {"peer_url", peer->peer_url}, {"latency_ms", ms}};
  if (!reply.ok() || reply->status != 200) {
    out["reachable"] = false;
    out["error"] = reply.ok() ? "HTTP " + std::to_string(reply->status) + ": " + reply->body
                              : reply.status().message();
    return JsonReply(out.dump());
  }
  auto doc = federation::ParseIdentityDocument(reply->body);
  out["reachable"] = true;
  // The peer's clock against this node's, from its answer's Date (whole seconds; the round
  // trip is in latency_ms).
  int64_t peer_s = 0;
  auto date = reply->head.Header("Date");
  if (date && common::ParseHttpDate(*date, &peer_s)) {
    out["clock_skew_s"] = peer_s - s.clock->NowSeconds();
  }
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
  return JsonReply(out.dump());
}

Result<HttpReply> ListPeers(const TrustServices& s) {
  json out = json::array();
  for (const auto& [org, record] : s.peers->snapshot()->by_org) out.push_back(PeerToJson(record));
  return JsonReply(json{{"peers", out}}.dump());
}

Result<HttpReply> ShowPeer(const TrustServices& s, const ApiRequest& r) {
  auto snap = s.peers->snapshot();
  const storage::PeerRecord* record = snap->ByOrg(r.capture(1));
  if (!record) return common::NotFound("no peer " + r.capture(1));
  return JsonReply(PeerToJson(*record).dump());
}

Result<HttpReply> RemovePeer(const TrustServices& s, const ApiRequest& r) {
  std::string org = r.capture(1);
  RETURN_IF_ERROR(s.peers->Remove(org));
  RETURN_IF_ERROR(s.audit->Record(r.ctx.trace_id, {.actor = r.caller.name,
                                                   .operation = "peer.remove",
                                                   .decision = "applied",
                                                   .foreign_org = org}));
  return HttpReply{.status = 204};
}

}  // namespace

void RegisterTrustRoutes(const TrustServices& s, Endpoints& api) {
  constexpr const char* kOne = R"(/v1/peers/([a-z0-9._-]+))";
  api.Add("GET", "/v1/peers", Role::kAdmin, BodyUse::kNone,
          [s](const ApiRequest&) { return ListPeers(s); });
  api.Add("POST", "/v1/peers", Role::kAdmin, BodyUse::kJson,
          [s](const ApiRequest& r) { return AddPeer(s, r); });
  api.Add("GET", kOne, Role::kAdmin, BodyUse::kNone,
          [s](const ApiRequest& r) { return ShowPeer(s, r); });
  api.Add("POST", R"(/v1/peers/([a-z0-9._-]+)/(suspend|resume|revoke))", Role::kAdmin,
          BodyUse::kOptionalJson, [s](const ApiRequest& r) { return SetStatus(s, r); });
  api.Add("POST", R"(/v1/peers/([a-z0-9._-]+)/check)", Role::kAdmin, BodyUse::kNone,
          [s](const ApiRequest& r) { return CheckPeer(s, r); });
  api.Add("PUT", kOne, Role::kAdmin, BodyUse::kJson,
          [s](const ApiRequest& r) { return UpdatePeer(s, r); });
  api.Add("DELETE", kOne, Role::kAdmin, BodyUse::kNone,
          [s](const ApiRequest& r) { return RemovePeer(s, r); });
}

}  // namespace verbind::node
