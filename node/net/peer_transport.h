// The coordinator's transport: query envelopes to peers over pooled mutual-TLS connections.
// Thread-safe.
#pragma once

#include "federation/coordinator.h"
#include "node/net/peer_clients.h"

namespace verbind::node {

class PeerClientTransport final : public federation::PeerTransport {
 public:
  explicit PeerClientTransport(PeerClients* clients) : clients_(clients) {}
  common::Result<federation::TransportReply> Send(
      const storage::PeerRecord& peer, const std::string& envelope, const std::string& traceparent,
      std::chrono::steady_clock::time_point deadline) override;

 private:
  PeerClients* clients_;
};

}  // namespace verbind::node
