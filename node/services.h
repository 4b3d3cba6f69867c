// NodeServices: everything a running node's handlers use, owned in one place. Built by Node;
// handlers receive a reference. Members are thread-safe unless noted.
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/random.h"
#include "config/node_config.h"
#include "crypto/tls.h"
#include "node/auth.h"
#include "node/metrics.h"
#include "node/node_keys.h"
#include "node/peer_clients.h"
#include "storage/database.h"
#include "storage/peer_registry.h"

namespace verbind::node {

struct NodeServices {
  config::NodeConfig config;
  const common::Clock* clock = nullptr;
  common::RandomSource* rng = nullptr;
  NodeKeys keys;  // read-only after start
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::PeerRegistry> peers;
  std::unique_ptr<TokenStore> tokens;
  Metrics metrics;
  std::shared_ptr<const crypto::TlsContext> client_tls;  // our certificate, for peer calls
  std::unique_ptr<PeerClients> peer_clients;
  std::string peer_url;  // the URL peers use (the bound port when the configured one was 0)

  // This node's identity document (JSON).
  common::Result<std::string> IdentityJson() const;
};

}  // namespace verbind::node
