#include "node/http_server.h"
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

void RegisterPeerProtocolRoutes(NodeServices& s, httplib::Server& peer) {
  peer.Get("/v1/peer/identity", [&s](const httplib::Request&, httplib::Response& res) {
    if (!ActivePeer(s, res)) return;
    auto doc = s.IdentityJson();
    if (Check(res, doc.status())) WriteJson(res, *doc);
  });
}

}  // namespace verbind::node
