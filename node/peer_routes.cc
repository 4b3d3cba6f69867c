#include "common/strings.h"
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


// Whether a Content-Type header names exactly the JSON media type: "application/json",
// in any case, with optional parameters ("; charset=utf-8"); not "application/jsonp".
bool IsJsonMediaType(std::string_view header) {
  std::string_view type = common::Trim(header.substr(0, header.find(';')));
  return common::ToLower(type) == "application/json";
}

// The HTTP form of a peer reply (docs/protocol.md, section 6): 200 with the signed envelope,
// or the refusal's status with its code, message, trace id and signed refusal envelope.
void WritePeerReply(httplib::Response& res, const federation::PeerReply& reply,
                    const std::string& ok_body) {
  if (reply.ok) {
    WriteJson(res, ok_body);
    return;
  }
  nlohmann::json body = {{"code", reply.refusal.code},
                         {"message", reply.refusal.message.substr(0, 1024)},
                         {"trace_id", CurrentRequest().trace_id},
                         {"refusal", nlohmann::json::parse(reply.envelope, nullptr, false)}};
  WriteJson(res, body.dump(), HttpStatusForRefusal(reply.refusal.code));
}

federation::PeerRequestInfo RequestInfo(const httplib::Request& req) {
  const RequestContext& ctx = CurrentRequest();
  federation::PeerRequestInfo info;
  info.tls_fingerprint = ctx.peer_fingerprint;
  info.trace_id = ctx.trace_id;
  info.foreign_operation_id = ctx.parent_id;
  info.json_content_type = IsJsonMediaType(req.get_header_value("Content-Type"));
  return info;
}

}  // namespace

void RegisterPeerProtocolRoutes(NodeServices& s, httplib::Server& peer) {
  peer.Post("/v1/peer/announce", [&s](const httplib::Request& req, httplib::Response& res) {
    federation::PeerReply reply = s.peer_service->HandleAnnouncement(req.body, RequestInfo(req));
    WritePeerReply(res, reply, R"({"accepted":true})");
  });
  peer.Post("/v1/peer/query", [&s](const httplib::Request& req, httplib::Response& res) {
    federation::PeerReply reply = s.peer_service->HandleQuery(req.body, RequestInfo(req));
    s.metrics.Inc("verbind_peer_queries_total",
                  "decision=\"" + std::string(reply.ok ? "answered" : reply.refusal.code) + "\"");
    WritePeerReply(res, reply, reply.envelope);
  });
  peer.Get("/v1/peer/identity", [&s](const httplib::Request&, httplib::Response& res) {
    if (!ActivePeer(s, res)) return;
    auto doc = s.IdentityJson();
    if (Check(res, doc.status())) WriteJson(res, *doc);
  });
}

}  // namespace verbind::node
