// Node: a running Verbind node, and the one place where it is put together. Open loads the keys,
// opens the database and every store, builds the answering pipeline, the TLS contexts and the
// two listeners, and hands each area of routes the services it uses (node/api/services.h). Start
// serves the peer listener (mutual TLS, pinned peers) and the local API.
// While running it writes DIR/run/endpoints.json (the bound addresses) and DIR/run/cli.token
// (an admin credential for the CLI on this machine, mode 0600), and removes them at stop.
// Start and Stop from one thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "config/node_config.h"
#include "federation/answer/answer_service.h"
#include "federation/coordinator.h"
#include "federation/peer_service.h"
#include "node/api/auth.h"
#include "node/api/identity.h"
#include "node/api/key_rotation.h"
#include "node/api/local_audit.h"
#include "node/api/metrics.h"
#include "node/api/query_runs.h"
#include "node/net/http_server.h"
#include "node/net/peer_clients.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/dataset_store.h"
#include "storage/definition_store.h"
#include "storage/nonce_store.h"
#include "storage/peer_registry.h"
#include "storage/policy_store.h"
#include "storage/privacy_ledger.h"

namespace verbind::node {

// The release (CHANGELOG.md).
inline constexpr const char* kReleaseVersion = "0.2.0";

class Node {
 public:
  // Errors name the configuration key (and file line) they concern. `clock` and `rng` must
  // outlive the node.
  static common::Result<std::unique_ptr<Node>> Open(config::NodeConfig config,
                                                    const common::Clock* clock,
                                                    common::RandomSource* rng);
  ~Node();

  // Binds both listeners and starts serving. Errors name the config line of the address.
  common::Status Start();
  void Stop();

  int peer_port() const { return peer_->port(); }
  int api_port() const { return api_->port(); }
  const config::NodeConfig& config() const { return config_; }

 private:
  Node(config::NodeConfig config, const common::Clock* clock, common::RandomSource* rng)
      : config_(std::move(config)), clock_(clock), rng_(rng) {}
  // The database and the stores on it, the tokens and the node's identity.
  common::Status OpenStores(NodeKeys keys);
  common::Status OpenDatasets();
  // The privacy ledger, the scan cache and the answering pipeline, the peer protocol, the
  // connections to peers and the federated-query coordinator.
  common::Status OpenAnswering();
  common::Status OpenTls();
  void BuildListeners();
  void AddRoutes();
  void AddGauges();
  common::Status WriteRunFiles();
  HttpServerOptions ServerOptions(const std::string& name, const config::ListenAddress& at) const;
  // Purges expired nonces now and then.
  void MaintenanceLoop();

  config::NodeConfig config_;
  const common::Clock* clock_;
  common::RandomSource* rng_;

  // Declared in the order they are built; destroyed the other way round (the listeners first,
  // the database last).
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::DatasetStore> datasets_;
  std::unique_ptr<storage::DefinitionStore> definitions_;
  std::unique_ptr<storage::PeerRegistry> peers_;
  std::unique_ptr<NodeIdentity> identity_;
  std::unique_ptr<storage::AuditLog> audit_log_;
  std::unique_ptr<LocalAudit> audit_;
  std::unique_ptr<storage::NonceStore> nonces_;
  std::unique_ptr<storage::PolicyStore> policies_;
  std::unique_ptr<TokenStore> tokens_;
  Metrics metrics_;
  std::unique_ptr<storage::PrivacyLedger> ledger_;
  std::unique_ptr<federation::ScanCache> scan_cache_;
  std::unique_ptr<federation::AnswerService> answers_;
  std::unique_ptr<federation::PeerService> peer_service_;
  std::unique_ptr<PeerClients> peer_clients_;
  std::unique_ptr<federation::PeerTransport> transport_;
  std::unique_ptr<federation::Coordinator> coordinator_;
  QueryRuns runs_;
  std::shared_ptr<TlsContextSlot> peer_tls_;
  std::shared_ptr<TlsContextSlot> api_tls_;
  std::unique_ptr<KeyRotation> rotation_;
  std::unique_ptr<HttpServer> peer_;
  std::unique_ptr<HttpServer> api_;

  bool started_ = false;
  std::thread maintenance_;
  std::mutex maintenance_mu_;
  std::condition_variable maintenance_cv_;
  bool stopping_ = false;
};

// `verbind serve DIR`: runs until SIGINT or SIGTERM. Returns the process exit code.
int ServeMain(const std::string& dir);

}  // namespace verbind::node
