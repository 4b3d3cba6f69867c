// Route registration for the two listeners. Each Register* function adds one area's endpoints
// (documented in docs/openapi.yaml and docs/protocol.md). Thread-safe handlers.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "node/services.h"

namespace verbind::node {

// /healthz, /readyz, /metrics, /v1/identity, /v1/tokens.
void RegisterSystemRoutes(NodeServices& s, httplib::Server& api);
// /v1/peers: the peer registry.
void RegisterPeerAdminRoutes(NodeServices& s, httplib::Server& api);
// /v1/audit: list, verify and export the audit log.
void RegisterAuditRoutes(NodeServices& s, httplib::Server& api);
// /v1/policies: apply, list, show, remove, explain.
void RegisterPolicyRoutes(NodeServices& s, httplib::Server& api);
// /v1/queries: local and federated queries (synchronous or submitted and polled).
void RegisterQueryRoutes(NodeServices& s, httplib::Server& api);
// The peer listener: /v1/peer/identity (and the protocol endpoints).
void RegisterPeerProtocolRoutes(NodeServices& s, httplib::Server& peer);
// /v1/datasets: datasets, streamed record uploads, erase (docs/datasets.md).
void RegisterDatasetRoutes(NodeServices& s, httplib::Server& api);
// /v1/datasets/NAME/privacy: privacy settings and the budget spent (docs/privacy.md).
void RegisterPrivacyRoutes(NodeServices& s, httplib::Server& api);
// True for a request whose body the API streams to its handler (record uploads).
bool IsRecordUpload(const HttpHead& head);
// Opens s.datasets on s.db, with the data key (created on first use) when `config` encrypts
// at rest.
common::Status OpenDatasetStore(NodeServices& s, const config::NodeConfig& config);
// The describe JSON of a dataset; `counts` adds the numbers of records and bytes (admins only).
nlohmann::json DatasetToJson(const storage::DatasetInfo& info, bool counts);

// JSON of a registry record for the admin API.
nlohmann::json PeerToJson(const storage::PeerRecord& r);

}  // namespace verbind::node
