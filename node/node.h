// Node: a running Verbind node. Opens the database and trust store, loads the keys, builds the
// TLS contexts, and serves the peer listener (mutual TLS, pinned peers) and the local API.
// While running it writes DIR/run/endpoints.json (the bound addresses) and DIR/run/cli.token
// (an admin credential for the CLI on this machine, mode 0600), and removes them at stop.
// Start and Stop from one thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "common/status.h"
#include "config/node_config.h"
#include "node/net/http_server.h"
#include "node/services.h"

namespace verbind::node {

class Node {
 public:
  static common::Result<std::unique_ptr<Node>> Open(config::NodeConfig config,
                                                    const common::Clock* clock,
                                                    common::RandomSource* rng);
  ~Node();

  // Binds both listeners and starts serving. Errors name the config line of the address.
  common::Status Start();
  void Stop();

  int peer_port() const { return peer_->port(); }
  int api_port() const { return api_->port(); }
  NodeServices& services() { return *s_; }

 private:
  Node() = default;
  common::Status BuildServers();
  // The policy authorizer, dataset executor and federated-query coordinator.
  void BuildQueryServices();
  common::Status WriteRunFiles();
  HttpServerOptions ServerOptions(const std::string& name, const config::ListenAddress& at) const;
  // Purges expired nonces now and then.
  void MaintenanceLoop();

  std::unique_ptr<NodeServices> s_;
  std::shared_ptr<TlsContextSlot> peer_tls_;
  std::shared_ptr<TlsContextSlot> api_tls_;
  std::unique_ptr<HttpServer> peer_;
  std::unique_ptr<HttpServer> api_;
  bool started_ = false;
  std::thread maintenance_;
  std::mutex maintenance_mu_;
  std::condition_variable maintenance_cv_;
  bool stopping_ = false;
};

// A peer-listener TLS context for this certificate, requiring pinned active peers.
common::Result<std::shared_ptr<const crypto::TlsContext>> PeerServerTls(NodeServices& s,
                                                                        std::string_view cert_pem,
                                                                        std::string_view key_pem);

// Stores this node's public key under its key id (so audit checkpoints signed with it stay
// verifiable after a rotation).
common::Status RememberOwnKey(storage::Database* db, const crypto::SigningKey& key);

// `verbind serve DIR`: runs until SIGINT or SIGTERM. Returns the process exit code.
int ServeMain(const std::string& dir);

}  // namespace verbind::node
