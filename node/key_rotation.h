// Key rotation (docs/protocol.md, "Key rotation"): a new Ed25519 signing key (and optionally a
// new TLS certificate) is announced to every active peer in a message signed with the old key;
// peers pin the new key and keep accepting the old one until the overlap ends. Thread-safe
// (one rotation at a time).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "node/services.h"

namespace verbind::node {

// Rotates this node's signing key (and TLS certificate when `tls`), announces it, and switches.
// Returns {new_key_id, overlap_until, notified: [...], failed: [{org_id, error}]}.
common::Result<nlohmann::json> RotateKeys(NodeServices& s, bool tls, const std::string& actor);

// Handles a peer's key announcement received on the peer listener; returns the refusal code
// and message on failure.
common::Status AcceptKeyAnnouncement(NodeServices& s, std::string_view body,
                                     const std::string& tls_fingerprint);

}  // namespace verbind::node
