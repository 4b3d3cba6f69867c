// The node's own key material, loaded from the files named in verbind.toml: the Ed25519
// signing key, the X25519 key and the TLS certificate and key. Secret files must be mode 0600.
// Key files hold base64url text of the 32-byte secret. Thread-safe after loading (read-only).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "config/node_config.h"
#include "crypto/secret.h"
#include "crypto/signing.h"
#include "crypto/x25519.h"

namespace verbind::node {

struct NodeKeys {
  std::shared_ptr<const crypto::SigningKey> signing;
  crypto::SecretBytes x25519_secret;
  crypto::X25519PublicKey x25519_public{};
  std::string tls_cert_pem;
  crypto::SecretBytes tls_key_pem;
  std::string tls_fingerprint;
};

// Loads and cross-checks the keys; errors name the config key and file.
common::Result<NodeKeys> LoadNodeKeys(const config::NodeConfig& config);

// Reads a key file of base64url text holding exactly `bytes` bytes.
common::Result<crypto::SecretBytes> ReadKeyFile(const std::string& path, size_t bytes);
// Writes a key file (mode 0600), refusing to replace one unless `overwrite`.
common::Status WriteKeyFile(const std::string& path, std::span<const uint8_t> secret,
                            bool overwrite = false);

}  // namespace verbind::node
