// The routes of the two listeners, one Register* function per area, each handed the services of
// its area (node/api/services.h) and the endpoints to add to (node/api/endpoints.h). Every route is
// documented in docs/openapi.yaml (and the peer protocol in docs/protocol.md). Handlers are
// thread-safe.
#pragma once

#include "node/api/endpoints.h"
#include "node/api/services.h"

namespace verbind::node {

// The local API.
// /healthz, /readyz, /metrics.
void RegisterSystemRoutes(const SystemServices& s, Endpoints& api);
// /v1/identity, /v1/keys/rotate.
void RegisterIdentityRoutes(const IdentityServices& s, Endpoints& api);
// /v1/tokens.
void RegisterTokenRoutes(const TokenServices& s, Endpoints& api);
// /v1/peers: the registry of pinned peers.
void RegisterTrustRoutes(const TrustServices& s, Endpoints& api);
// /v1/datasets: datasets, streamed record uploads, erase (docs/datasets.md).
void RegisterDatasetRoutes(const DatasetServices& s, Endpoints& api);
// /v1/datasets/NAME/privacy: privacy settings and the budget spent (docs/privacy.md).
void RegisterPrivacyRoutes(const DatasetServices& s, Endpoints& api);
// /v1/definitions: publish, list, show and adopt shared dataset definitions.
void RegisterDefinitionRoutes(const DefinitionServices& s, Endpoints& api);
// The peer listener's /v1/peer/definitions: this node's own definitions, to its peers.
void RegisterPeerDefinitionRoutes(const DefinitionServices& s, Endpoints& peer);
// /v1/policies: apply, list, show, remove, explain.
void RegisterPolicyRoutes(const PolicyServices& s, Endpoints& api);
// /v1/queries: local and federated queries (synchronous or submitted and polled).
void RegisterQueryRoutes(const QueryServices& s, Endpoints& api);
// /v1/transparency/MONTH and, when enabled, /public/v1/transparency/MONTH: the register.
void RegisterTransparencyRoutes(const TransparencyServices& s, Endpoints& api);
// /v1/backup/checkpoint: a consistent copy of the database for `verbind backup`.
void RegisterBackupRoutes(const BackupServices& s, Endpoints& api);
// /v1/audit: list, verify and export the audit log.
void RegisterAuditRoutes(const AuditServices& s, Endpoints& api);

// The peer listener: /v1/peer/query, /v1/peer/announce, /v1/peer/identity.
void RegisterPeerProtocolRoutes(const PeerProtocolServices& s, Endpoints& peer);

}  // namespace verbind::node
