// Key rotation (docs/protocol.md, "Key rotation"): a new Ed25519 signing key (and optionally a
// new TLS certificate) is announced to every active peer in a message signed with the old key;
// peers pin the new key and keep accepting the old one until the overlap ends. Thread-safe
// (one rotation at a time).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"
#include "federation/verifier.h"
#include "node/services.h"

namespace verbind::node {

// Rotates this node's signing key (and TLS certificate when `tls`), announces it, and switches.
// Returns {new_key_id, overlap_until, notified: [...], failed: [{org_id, error}]}. The rotation
// is audited as done by `actor` under the request trace `trace_id`.
common::Result<nlohmann::json> RotateKeys(NodeServices& s, bool tls, const std::string& actor,
                                          const std::string& trace_id);

}  // namespace verbind::node
