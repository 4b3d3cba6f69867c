#include "node/api/node_keys.h"

#include "common/encoding.h"
#include "common/files.h"
#include "common/strings.h"
#include "crypto/certificate.h"

namespace verbind::node {

using common::Result;
using common::Status;

Result<crypto::SecretBytes> ReadKeyFile(const std::string& path, size_t bytes) {
  ASSIGN_OR_RETURN(crypto::SecretBytes text, crypto::ReadSecretFile(path, 4096));
  auto raw = common::Base64UrlDecode(common::Trim(common::AsChars(text.span())));
  if (!raw.ok() || raw->size() != bytes) {
    return common::InvalidArgument(path + " does not hold a " + std::to_string(bytes) +
                                   "-byte key in base64url");
  }
  crypto::SecretBytes out(*raw);
  std::fill(raw->begin(), raw->end(), 0);
  return out;
}

Status WriteKeyFile(const std::string& path, std::span<const uint8_t> secret, bool overwrite) {
  std::string text = common::Base64UrlEncode(secret) + "\n";
  Status s = crypto::WriteSecretFile(path, common::AsBytes(text), overwrite);
  std::fill(text.begin(), text.end(), '\0');
  return s;
}

Result<NodeKeys> LoadNodeKeys(const config::NodeConfig& c) {
  NodeKeys k;
  auto where = [&](const char* key, const Status& s) { return s.WithContext(c.Where(key)); };
  auto seed = ReadKeyFile(c.signing_key_path, 32);
  if (!seed.ok()) return where("keys.signing_key", seed.status());
  auto signing = crypto::SigningKey::FromSeed(seed->span());
  if (!signing.ok()) return where("keys.signing_key", signing.status());
  k.signing = std::make_shared<const crypto::SigningKey>(std::move(signing).value());
  auto x = ReadKeyFile(c.x25519_key_path, 32);
  if (!x.ok()) return where("keys.x25519_key", x.status());
  k.x25519_secret = std::move(x).value();
  k.x25519_public = crypto::X25519PublicFromSecret(k.x25519_secret.span()).value();
  auto cert = common::ReadFile(c.tls_cert_path, 1 << 20);
  if (!cert.ok()) return where("peer.tls_cert", cert.status());
  k.tls_cert_pem = *cert;
  auto key = crypto::ReadSecretFile(c.tls_key_path, 1 << 20);
  if (!key.ok()) return where("peer.tls_key", key.status());
  k.tls_key_pem = std::move(key).value();
  auto info = crypto::InspectCertificate(k.tls_cert_pem);
  if (!info.ok()) return where("peer.tls_cert", info.status());
  k.tls_fingerprint = info->fingerprint;
  Status match =
      crypto::CheckKeyMatchesCertificate(common::AsChars(k.tls_key_pem.span()), k.tls_cert_pem);
  if (!match.ok()) return where("peer.tls_key", match);
  return k;
}

}  // namespace verbind::node
