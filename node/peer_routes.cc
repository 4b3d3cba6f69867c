#include "node/http_server.h"
#include "node/key_rotation.h"
#include "node/route_util.h"
#include "node/routes.h"

namespace verbind::node {

namespace {
// The peer listener only admits pinned, active peers at the handshake; a connection kept alive
// across a suspension is stopped here, on its next request.
bool ActivePeer(NodeServices& s, httplib::Response& res) {
  if (!s.peers->IsActiveFingerprint(CurrentRequest().peer_fingerprint)) {
    WriteError(res, 403, "unknown_signer", "the client certificate is not an active peer");
    return false;
  }
  return true;
}
}  // namespace

// An error answer with the signed refusal envelope (docs/protocol.md, section 6).
void WriteSignedRefusal(NodeServices& s, httplib::Response& res, const federation::Refusal& r) {
  federation::RefusalPayload p;
  p.responder = s.config.org_id;
  p.code = r.code;
  p.message = r.message.substr(0, 1024);
  p.trace_id = CurrentRequest().trace_id;
  p.refused_at = s.clock->NowSeconds();
  std::string envelope = federation::EncodeEnvelope(
      s.signer->Seal(federation::kTypeRefusal, federation::EncodeRefusal(p)));
  nlohmann::json body = {{"code", r.code},
                         {"message", p.message},
                         {"trace_id", p.trace_id},
                         {"refusal", nlohmann::json::parse(envelope)}};
  WriteJson(res, body.dump(), HttpStatusForRefusal(r.code));
}

void HandlePeerQuery(NodeServices& s, const httplib::Request& req, httplib::Response& res) {
  const RequestContext& ctx = CurrentRequest();
  federation::PeerRequestInfo info;
  info.tls_fingerprint = ctx.peer_fingerprint;
  info.trace_id = ctx.trace_id;
  info.foreign_operation_id = ctx.parent_id;
  std::string type = req.get_header_value("Content-Type");
  info.json_content_type = type.rfind("application/json", 0) == 0;
  federation::PeerReply reply = s.peer_service->HandleQuery(req.body, info);
  s.metrics.Inc("verbind_peer_queries_total",
                "decision=\"" + std::string(reply.ok ? "answered" : reply.code) + "\"");
  if (reply.ok) {
    WriteJson(res, reply.envelope);
    return;
  }
  nlohmann::json body = {{"code", reply.code},
                         {"message", reply.message},
                         {"trace_id", ctx.trace_id},
                         {"refusal", nlohmann::json::parse(reply.envelope, nullptr, false)}};
  WriteJson(res, body.dump(), HttpStatusForRefusal(reply.code));
}

void RegisterPeerProtocolRoutes(NodeServices& s, httplib::Server& peer) {
  peer.Post("/v1/peer/announce", [&s](const httplib::Request& req, httplib::Response& res) {
    std::optional<federation::Refusal> refused;
    if (req.get_header_value("Content-Type").rfind("application/json", 0) != 0) {
      refused = federation::Refusal{federation::refusal::kUnsupportedMediaType,
                                    "send Content-Type: application/json"};
    } else {
      refused = AcceptKeyAnnouncement(s, req.body, CurrentRequest().peer_fingerprint);
    }
    if (refused) {
      WriteSignedRefusal(s, res, *refused);
      return;
    }
    WriteJson(res, R"({"accepted":true})");
  });
  peer.Post("/v1/peer/query", [&s](const httplib::Request& req, httplib::Response& res) {
    HandlePeerQuery(s, req, res);
  });
  peer.Get("/v1/peer/identity", [&s](const httplib::Request&, httplib::Response& res) {
    if (!ActivePeer(s, res)) return;
    auto doc = s.IdentityJson();
    if (Check(res, doc.status())) WriteJson(res, *doc);
  });
}

}  // namespace verbind::node
