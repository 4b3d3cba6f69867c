#include "node/net/peer_transport.h"

namespace verbind::node {

common::Result<federation::TransportReply> PeerClientTransport::Send(
    const storage::PeerRecord& peer, const std::string& envelope, const std::string& traceparent,
    std::chrono::steady_clock::time_point deadline) {
  ASSIGN_OR_RETURN(HttpResponse r, clients_->Call(peer, "POST", "/v1/peer/query",
                                                  {{"Content-Type", "application/json"},
                                                   {"traceparent", traceparent}},
                                                  envelope, deadline));
  return federation::TransportReply{r.status, std::move(r.body)};
}

}  // namespace verbind::node
