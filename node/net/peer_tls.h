// The peer listener's TLS context: this node's certificate, and only clients presenting a
// certificate pinned for an active peer complete the handshake. Thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include "common/status.h"
#include "crypto/tls.h"
#include "storage/peer_registry.h"

namespace verbind::node {

// `peers` must outlive the context.
common::Result<std::shared_ptr<const crypto::TlsContext>> PeerListenerTls(
    const storage::PeerRegistry* peers, std::string_view cert_pem, std::string_view key_pem);

}  // namespace verbind::node
