// The public identity document of a node: what administrators exchange out of band before two
// organisations trust each other. It names the organisation, where its peer listener is, its
// Ed25519 signing key, its X25519 key and its TLS certificate with the SHA-256 fingerprint
// that gets pinned, and it is self-signed with the Ed25519 key (proof of possession).
// Format: docs/protocol.md, "Identity documents". Thread-safe (values and pure functions).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/signing.h"
#include "storage/peer_registry.h"

namespace verbind::federation {

struct IdentityDocument {
  std::string org_id;
  std::string name;
  std::string peer_url;
  std::string signing_key_id;
  std::string signing_public_key;  // 32 raw bytes
  std::string x25519_public_key;   // 32 raw bytes
  std::string tls_certificate_pem;
  std::string tls_fingerprint;  // lower-case hex SHA-256 of the certificate's DER
  std::string self_signature;   // 64 raw bytes
};

// The bytes the self-signature covers.
std::string IdentitySigningMessage(const IdentityDocument& doc);
// Fills in key id, fingerprint and self-signature and renders the JSON document.
common::Result<std::string> RenderIdentityDocument(IdentityDocument doc,
                                                   const crypto::SigningKey& key);
// Parses and checks a document: field formats, key sizes, that the certificate parses and has
// the stated fingerprint, that the key id matches the key, and the self-signature.
common::Result<IdentityDocument> ParseIdentityDocument(std::string_view json);
// A registry record pinning the document's keys and certificate.
storage::PeerRecord ToPeerRecord(const IdentityDocument& doc, std::vector<std::string> groups);

}  // namespace verbind::federation
