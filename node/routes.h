// Route registration for the two listeners. Each Register* function adds one area's endpoints
// (documented in docs/openapi.yaml and docs/protocol.md). Thread-safe handlers.
#pragma once

#include <nlohmann/json.hpp>

#include "node/route_util.h"
#include "node/services.h"

namespace verbind::node {

// /healthz, /readyz, /metrics, /v1/identity, /v1/tokens.
void RegisterSystemRoutes(NodeServices& s, Endpoints& api);
// /v1/peers: the peer registry.
void RegisterPeerAdminRoutes(NodeServices& s, Endpoints& api);
// /v1/audit: list, verify and export the audit log.
void RegisterAuditRoutes(NodeServices& s, Endpoints& api);
// /v1/policies: apply, list, show, remove, explain.
void RegisterPolicyRoutes(NodeServices& s, Endpoints& api);
// /v1/queries: local and federated queries (synchronous or submitted and polled).
void RegisterQueryRoutes(NodeServices& s, Endpoints& api);
// The peer listener: /v1/peer/query, /v1/peer/announce, /v1/peer/identity.
void RegisterPeerProtocolRoutes(NodeServices& s, Endpoints& peer);
// /v1/datasets: datasets, streamed record uploads, erase (docs/datasets.md).
void RegisterDatasetRoutes(NodeServices& s, Endpoints& api);
// /v1/datasets/NAME/privacy: privacy settings and the budget spent (docs/privacy.md).
void RegisterPrivacyRoutes(NodeServices& s, Endpoints& api);
// Opens s.datasets on s.db, with the data key (created on first use) when `config` encrypts
// at rest.
common::Status OpenDatasetStore(NodeServices& s, const config::NodeConfig& config);
// The describe JSON of a dataset.
nlohmann::json DatasetToJson(const storage::DatasetInfo& info);

// JSON of a registry record for the admin API.
nlohmann::json PeerToJson(const storage::PeerRecord& r);

}  // namespace verbind::node
