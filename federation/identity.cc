#include "federation/identity.h"

#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "common/strict_json.h"
#include "common/strings.h"
#include "crypto/certificate.h"

namespace verbind::federation {

using common::Result;
using common::Status;
using nlohmann::json;

namespace {

constexpr int kFormat = 1;

Result<std::string> Field(const json& j, const char* name, size_t max_len) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) {
    return common::InvalidArgument(std::string("identity document: \"") + name +
                                   "\" is missing or not a string");
  }
  std::string v = it->get<std::string>();
  if (v.size() > max_len || !common::IsValidUtf8(v)) {
    return common::InvalidArgument(std::string("identity document: \"") + name +
                                   "\" is too long or not UTF-8");
  }
  return v;
}

Result<std::string> RawKey(const json& j, const char* name, size_t bytes) {
  ASSIGN_OR_RETURN(std::string text, Field(j, name, 128));
  auto raw = common::Base64UrlDecode(text);
  if (!raw.ok() || raw->size() != bytes) {
    return common::InvalidArgument(std::string("identity document: \"") + name + "\" must be " +
                                   std::to_string(bytes) + " bytes in base64url");
  }
  return std::string(common::AsChars(*raw));
}

std::string B64(std::string_view raw) { return common::Base64UrlEncode(common::AsBytes(raw)); }

}  // namespace

std::string IdentitySigningMessage(const IdentityDocument& d) {
  std::string m = "verbind-identity-v1";
  for (const std::string* part : {&d.org_id, &d.name, &d.peer_url, &d.signing_public_key,
                                  &d.x25519_public_key, &d.tls_fingerprint}) {
    m += '\0';
    m += *part;
  }
  return m;
}

Result<std::string> RenderIdentityDocument(IdentityDocument doc, const crypto::SigningKey& key) {
  ASSIGN_OR_RETURN(crypto::CertificateInfo info,
                   crypto::InspectCertificate(doc.tls_certificate_pem));
  doc.tls_fingerprint = info.fingerprint;
  doc.signing_public_key = std::string(common::AsChars(key.public_key()));
  doc.signing_key_id = crypto::KeyIdOf(key.public_key());
  auto sig = key.Sign(common::AsBytes(IdentitySigningMessage(doc)));
  json j;
  j["verbind_identity"] = kFormat;
  j["org_id"] = doc.org_id;
  j["name"] = doc.name;
  j["peer_url"] = doc.peer_url;
  j["signing_key"] = {{"algorithm", "ed25519"},
                      {"key_id", doc.signing_key_id},
                      {"public_key", B64(doc.signing_public_key)}};
  j["x25519_public_key"] = B64(doc.x25519_public_key);
  j["tls_certificate"] = doc.tls_certificate_pem;
  j["tls_fingerprint_sha256"] = doc.tls_fingerprint;
  j["self_signature"] = common::Base64UrlEncode(sig);
  return j.dump(2) + "\n";
}

Result<IdentityDocument> ParseIdentityDocument(std::string_view text) {
  if (text.size() > 64 * 1024) return common::InvalidArgument("identity document over 64 KiB");
  ASSIGN_OR_RETURN(json j, common::ParseStrictJson(text, "identity document"));
  if (!j.is_object()) return common::InvalidArgument("identity document is not a JSON object");
  if (!j.contains("verbind_identity") || j["verbind_identity"] != kFormat) {
    return common::InvalidArgument("identity document: \"verbind_identity\" must be 1");
  }
  IdentityDocument d;
  ASSIGN_OR_RETURN(d.org_id, Field(j, "org_id", 64));
  if (!common::IsValidName(d.org_id)) {
    return common::InvalidArgument("identity document: org_id \"" + d.org_id +
                                   "\" is not a valid id");
  }
  ASSIGN_OR_RETURN(d.name, Field(j, "name", 256));
  ASSIGN_OR_RETURN(d.peer_url, Field(j, "peer_url", 512));
  if (!common::StartsWith(d.peer_url, "https://")) {
    return common::InvalidArgument("identity document: peer_url must be https://");
  }
  if (!j.contains("signing_key") || !j["signing_key"].is_object() ||
      j["signing_key"].value("algorithm", "") != "ed25519") {
    return common::InvalidArgument("identity document: signing_key must be an ed25519 key");
  }
  ASSIGN_OR_RETURN(d.signing_public_key, RawKey(j["signing_key"], "public_key", 32));
  ASSIGN_OR_RETURN(d.signing_key_id, Field(j["signing_key"], "key_id", 64));
  if (d.signing_key_id != crypto::KeyIdOf(common::AsBytes(d.signing_public_key))) {
    return common::InvalidArgument("identity document: key_id does not match the public key");
  }
  ASSIGN_OR_RETURN(d.x25519_public_key, RawKey(j, "x25519_public_key", 32));
  ASSIGN_OR_RETURN(d.tls_certificate_pem, Field(j, "tls_certificate", 32 * 1024));
  ASSIGN_OR_RETURN(d.tls_fingerprint, Field(j, "tls_fingerprint_sha256", 64));
  auto info = crypto::InspectCertificate(d.tls_certificate_pem);
  if (!info.ok()) {
    return common::InvalidArgument("identity document: tls_certificate: " +
                                   info.status().message());
  }
  if (info->fingerprint != d.tls_fingerprint) {
    return common::InvalidArgument("identity document: tls_fingerprint_sha256 is not the "
                                   "certificate's fingerprint " + info->fingerprint);
  }
  ASSIGN_OR_RETURN(d.self_signature, RawKey(j, "self_signature", 64));
  if (!crypto::Ed25519Verify(common::AsBytes(d.signing_public_key),
                             common::AsBytes(IdentitySigningMessage(d)),
                             common::AsBytes(d.self_signature))) {
    return common::InvalidArgument("identity document: self_signature does not verify");
  }
  return d;
}

storage::PeerRecord ToPeerRecord(const IdentityDocument& d, std::vector<std::string> groups) {
  storage::PeerRecord r;
  r.org_id = d.org_id;
  r.name = d.name;
  r.peer_url = d.peer_url;
  r.keys.push_back({d.signing_key_id, d.signing_public_key, 0, 0});
  r.certificates.push_back({d.tls_fingerprint, d.tls_certificate_pem, 0});
  r.x25519_public_key = d.x25519_public_key;
  r.groups = std::move(groups);
  return r;
}

}  // namespace verbind::federation
