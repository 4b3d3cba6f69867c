// The services each area of routes uses, handed to its Register* function (node/api/routes.h) by
// Node, which owns every object pointed to and keeps it alive while the listeners run. One small
// struct per area, so a route file names exactly what it depends on. Pointers are non-owning;
// the objects are thread-safe.
#pragma once

#include "common/clock.h"
#include "common/random.h"
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
#include "node/net/peer_clients.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/dataset_store.h"
#include "storage/definition_store.h"
#include "storage/peer_registry.h"
#include "storage/policy_store.h"
#include "storage/privacy_ledger.h"

namespace verbind::node {

// Health, readiness and metrics: /healthz, /readyz, /metrics.
struct SystemServices {
  storage::Database* db;  // probed by /readyz
  const Metrics* metrics;
};

// Keys and identity: /v1/identity, /v1/keys/rotate.
struct IdentityServices {
  const NodeIdentity* identity;
  KeyRotation* rotation;
};

// API tokens: /v1/tokens.
struct TokenServices {
  TokenStore* tokens;
  const LocalAudit* audit;
  common::RandomSource* rng;
  const common::Clock* clock;
};

// Peers and trust, the registry of pinned peers: /v1/peers.
struct TrustServices {
  storage::PeerRegistry* peers;
  PeerClients* peer_clients;     // reaching a peer to check it
  const NodeIdentity* identity;  // this node's own organisation, which is never a peer
  const LocalAudit* audit;
  const common::Clock* clock;
  int call_deadline_ms;  // federation.deadline_ms
};

// The peer listener: /v1/peer/query, /v1/peer/announce, /v1/peer/identity.
struct PeerProtocolServices {
  federation::PeerService* protocol;
  const storage::PeerRegistry* peers;
  const NodeIdentity* identity;
  Metrics* metrics;  // peer queries by decision
};

// Datasets, their records and privacy settings: /v1/datasets.
struct DatasetServices {
  storage::DatasetStore* datasets;
  storage::PrivacyLedger* ledger;
  const LocalAudit* audit;
  const common::Clock* clock;
  config::PrivacyDefaults privacy_defaults;  // what loosening is measured against
};

// Shared dataset definitions: /v1/definitions, and /v1/peer/definitions on the peer listener.
struct DefinitionServices {
  storage::DatasetStore* datasets;
  storage::DefinitionStore* definitions;
  const storage::PeerRegistry* peers;  // publishers' keys; who may fetch
  PeerClients* peer_clients;           // fetching from a publisher
  NodeIdentity* identity;              // signs what this node publishes
  const LocalAudit* audit;
  const common::Clock* clock;
  int call_deadline_ms;  // federation.deadline_ms
};

// Sharing policies: /v1/policies.
struct PolicyServices {
  storage::PolicyStore* policies;
  const storage::PeerRegistry* peers;  // a peer's groups, for explain
  const LocalAudit* audit;
  const common::Clock* clock;
};

// Answering and federated queries: /v1/queries.
struct QueryServices {
  federation::Coordinator* coordinator;
  const storage::DatasetStore* datasets;  // the definition this node's copy conforms to
  federation::AnswerService* answers;  // the owner's raw answers
  QueryRuns* runs;
  storage::AuditLog* audit_log;  // one entry per participant of a run
  const LocalAudit* audit;
  const NodeIdentity* identity;  // signs receipts
  Metrics* metrics;              // runs by outcome
  const common::Clock* clock;
  int default_deadline_ms;  // federation.deadline_ms
};

// The transparency register: /v1/transparency, /public/v1/transparency.
struct TransparencyServices {
  storage::AuditLog* log;
  const NodeIdentity* identity;  // the organisation; signs the register
  const common::Clock* clock;
  bool public_register;  // transparency.public
};

// Backups: /v1/backup/checkpoint.
struct BackupServices {
  storage::Database* db;
  storage::AuditLog* log;
  const NodeIdentity* identity;
  const LocalAudit* audit;
  const common::Clock* clock;
  std::string node_dir;  // checkpoints go to node_dir/backups
  std::string data_dir;
};

// The audit log: /v1/audit.
struct AuditServices {
  storage::AuditLog* log;
  const NodeIdentity* identity;  // this node's public keys, to verify checkpoints
};

}  // namespace verbind::node
