// NodeServices: everything a running node's handlers use, owned in one place. Built by Node;
// handlers receive a reference. Members are thread-safe unless noted.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "config/node_config.h"
#include "crypto/tls.h"
#include "federation/answer/answer_service.h"
#include "federation/coordinator.h"
#include "federation/peer_service.h"
#include "node/auth.h"
#include "node/metrics.h"
#include "node/net/http_server.h"
#include "node/node_keys.h"
#include "node/peer_clients.h"
#include "node/query_runs.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/dataset_store.h"
#include "storage/nonce_store.h"
#include "storage/peer_registry.h"
#include "storage/policy_store.h"
#include "storage/privacy_ledger.h"

namespace verbind::node {

struct NodeServices {
  config::NodeConfig config;
  const common::Clock* clock = nullptr;
  common::RandomSource* rng = nullptr;
  NodeKeys keys;  // the TLS fields change on certificate renewal: read them under keys_mu
  mutable std::mutex keys_mu;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::DatasetStore> datasets;  // after db: destroyed before it
  std::unique_ptr<federation::ScanCache> scan_cache;
  std::unique_ptr<storage::PeerRegistry> peers;
  std::unique_ptr<TokenStore> tokens;
  Metrics metrics;
  std::shared_ptr<const crypto::TlsContext> client_tls;  // our certificate, for peer calls
  std::unique_ptr<PeerClients> peer_clients;
  std::shared_ptr<TlsContextSlot> peer_tls;  // the peer listener's (replaced on renewal)
  std::vector<std::shared_ptr<const crypto::SigningKey>> retired_keys;  // kept alive after rotation
  std::string peer_url;  // the URL peers use (the bound port when the configured one was 0)
  std::unique_ptr<federation::NodeSigner> signer;  // the current signing key
  std::unique_ptr<storage::AuditLog> audit;
  std::unique_ptr<storage::NonceStore> nonces;
  std::unique_ptr<federation::PeerService> peer_service;
  std::unique_ptr<storage::PolicyStore> policies;
  std::unique_ptr<storage::PrivacyLedger> ledger;
  std::unique_ptr<federation::AnswerService> answers;
  std::unique_ptr<federation::PeerTransport> transport;
  std::unique_ptr<federation::Coordinator> coordinator;
  QueryRuns runs;

  // This node's public signing key with `key_id` (current or earlier), for audit checkpoints.
  std::optional<std::string> OwnPublicKey(std::string_view key_id) const;
  // Appends a local operation, done under the request trace `trace_id`, to the audit log; the
  // error when the log cannot be written (the operation is then refused: fail-closed).
  common::Status AuditLocal(const std::string& trace_id, const std::string& actor,
                            const std::string& operation, const std::string& decision,
                            const std::string& detail, const std::string& foreign_org = "",
                            const std::string& dataset = "");

  // This node's identity document (JSON).
  common::Result<std::string> IdentityJson() const;
};

}  // namespace verbind::node
