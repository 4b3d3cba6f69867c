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
// Returns {new_key_id, overlap_until, notified: [...], failed: [{org_id, error}]}.
common::Result<nlohmann::json> RotateKeys(NodeServices& s, bool tls, const std::string& actor);

// Handles a peer's key announcement received on the peer listener (checked like a query:
// known active signer, a current key, a valid signature, the TLS client is the signer, fresh,
// nonce unused). Returns the refusal when it is not accepted.
std::optional<federation::Refusal> AcceptKeyAnnouncement(NodeServices& s, std::string_view body,
                                                         const std::string& tls_fingerprint);

}  // namespace verbind::node
