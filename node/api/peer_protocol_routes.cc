// The peer listener's endpoints (docs/protocol.md): signed queries and key announcements from
// pinned peers, and this node's identity document.
#include "common/strings.h"
#include "node/api/internal/http_status.h"
#include "node/api/routes.h"

namespace verbind::node {

using common::Result;

namespace {

// Whether a Content-Type header names exactly the JSON media type: "application/json",
// in any case, with optional parameters ("; charset=utf-8"); not "application/jsonp".
bool IsJsonMediaType(std::string_view header) {
  std::string_view type = common::Trim(header.substr(0, header.find(';')));
  return common::ToLower(type) == "application/json";
}

// The HTTP form of a peer reply (docs/protocol.md, section 6): 200 with the signed envelope,
// or the refusal's status with its code, message, trace id and signed refusal envelope.
HttpReply PeerReplyToHttp(const federation::PeerReply& reply, const std::string& ok_body,
                          const RequestContext& ctx) {
  if (reply.ok) return JsonReply(ok_body);
  nlohmann::json body = {{"code", reply.refusal.code},
                         {"message", reply.refusal.message.substr(0, 1024)},
                         {"trace_id", ctx.trace_id},
                         {"refusal", nlohmann::json::parse(reply.envelope, nullptr, false)}};
  return JsonReply(body.dump(), HttpStatusForRefusal(reply.refusal.code));
}

federation::PeerRequestInfo RequestInfo(const ApiRequest& r) {
  federation::PeerRequestInfo info;
  info.tls_fingerprint = r.ctx.peer_fingerprint;
  info.trace_id = r.ctx.trace_id;
  info.foreign_operation_id = r.ctx.caller_span_id;
  info.json_content_type = IsJsonMediaType(r.http.Header("Content-Type"));
  return info;
}

}  // namespace

void RegisterPeerProtocolRoutes(const PeerProtocolServices& s, Endpoints& peer) {
  peer.Open("POST", "/v1/peer/announce", [s](const ApiRequest& r) -> Result<HttpReply> {
    federation::PeerReply reply = s.protocol->HandleAnnouncement(r.http.body, RequestInfo(r));
    return PeerReplyToHttp(reply, R"({"accepted":true})", r.ctx);
  });
  peer.Open("POST", "/v1/peer/query", [s](const ApiRequest& r) -> Result<HttpReply> {
    federation::PeerReply reply = s.protocol->HandleQuery(r.http.body, RequestInfo(r));
    s.metrics->Inc("verbind_peer_queries_total",
                   "decision=\"" + std::string(reply.ok ? "answered" : reply.refusal.code) + "\"");
    return PeerReplyToHttp(reply, reply.envelope, r.ctx);
  });
  peer.Open("GET", "/v1/peer/identity", [s](const ApiRequest& r) -> Result<HttpReply> {
    // The listener only admits pinned, active peers at the handshake; a connection kept alive
    // across a suspension is stopped here, on its next request.
    if (!s.peers->IsActiveFingerprint(r.ctx.peer_fingerprint)) {
      return ErrorReply(r.ctx, 403, "unknown_signer",
                        "the client certificate is not an active peer");
    }
    ASSIGN_OR_RETURN(std::string doc, s.identity->DocumentJson());
    return JsonReply(doc);
  });
}

}  // namespace verbind::node
