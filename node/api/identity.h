// NodeIdentity: who this node is to its peers: its organisation, the URL peers reach it at, its
// keys (the signing key changes at a key rotation, the TLS certificate at a renewal) and the
// signed identity document made from them (docs/protocol.md). Every signing key the node has
// used is remembered by key id in the database, so that audit checkpoints signed before a
// rotation stay verifiable. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/secret.h"
#include "crypto/signing.h"
#include "federation/peer_service.h"
#include "node/api/node_keys.h"
#include "storage/database.h"

namespace verbind::node {

// The signed identity document (JSON) of `org_id` with these keys, reachable at `peer_url`.
common::Result<std::string> IdentityDocumentJson(const std::string& org_id, const std::string& name,
                                                 const std::string& peer_url, const NodeKeys& keys);

// The TLS certificate the node presents, with its key.
struct NodeCertificate {
  std::string cert_pem;
  crypto::SecretBytes key_pem;
  std::string fingerprint;
};

class NodeIdentity {
 public:
  // Remembers the current signing key in `db`, which must outlive the identity.
  static common::Result<std::unique_ptr<NodeIdentity>> Open(std::string org_id, std::string name,
                                                            std::string peer_url, NodeKeys keys,
                                                            storage::Database* db);

  const std::string& org_id() const { return org_id_; }
  const std::string& name() const { return name_; }
  std::string peer_url() const;
  // The URL once the listener is bound (a configured port of 0 becomes the bound one).
  void set_peer_url(std::string url);

  // Signs envelopes with the current signing key.
  federation::NodeSigner* signer() { return &signer_; }
  const federation::NodeSigner* signer() const { return &signer_; }
  NodeCertificate certificate() const;
  // The identity document (JSON), signed with the current key.
  common::Result<std::string> DocumentJson() const;
  // This node's public signing key with `key_id` (current or earlier), for audit checkpoints.
  std::optional<std::string> PublicKey(std::string_view key_id) const;

  // Remembers `key` by its key id (before it is announced, so that nothing it signs is lost).
  common::Status RememberKey(const crypto::SigningKey& key);
  // Signs with `key` from now on; the previous key stays alive for signatures in flight.
  void UseSigningKey(std::shared_ptr<const crypto::SigningKey> key);
  // Presents this certificate from now on (after a renewal).
  void UseCertificate(NodeCertificate certificate);

 private:
  NodeIdentity(std::string org_id, std::string name, std::string peer_url, NodeKeys keys,
               storage::Database* db);

  const std::string org_id_;
  const std::string name_;
  storage::Database* db_;
  federation::NodeSigner signer_;
  mutable std::mutex mu_;
  std::string peer_url_;
  NodeKeys keys_;  // the TLS fields change on renewal
  std::vector<std::shared_ptr<const crypto::SigningKey>> retired_keys_;
};

}  // namespace verbind::node
