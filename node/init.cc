#include "node/init.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include "common/clock.h"
#include "common/encoding.h"
#include "common/files.h"
#include "common/strings.h"
#include "config/tokens_file.h"
#include "crypto/certificate.h"
#include "crypto/signing.h"
#include "crypto/x25519.h"
#include "node/api/auth.h"
#include "node/api/node_keys.h"

namespace verbind::node {

using common::Result;
using common::Status;

namespace {

bool IsIpAddress(const std::string& host) {
  in6_addr a6;
  in_addr a4;
  return ::inet_pton(AF_INET, host.c_str(), &a4) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

// The host part of an https:// URL.
std::string UrlHost(const std::string& url) {
  std::string rest = url.substr(url.find("://") + 3);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest[0] == '[') return rest.substr(1, rest.find(']') - 1);
  return rest.substr(0, rest.rfind(':'));
}

Status CheckSettings(config::InitSettings* s) {
  if (!common::IsValidName(s->org_id)) {
    return common::InvalidArgument("--org \"" + s->org_id +
                                   "\" is not a valid id: 1-64 of a-z 0-9 . _ -, starting with a "
                                   "letter or digit");
  }
  if (s->name.empty() || s->name.size() > 256 || !common::IsValidUtf8(s->name)) {
    return common::InvalidArgument("--name must be 1-256 bytes of UTF-8");
  }
  std::string host;
  int port;
  if (!common::ParseHostPort(s->peer_listen, &host, &port)) {
    return common::InvalidArgument("--peer-listen \"" + s->peer_listen + "\" is not HOST:PORT");
  }
  std::string api_host;
  int api_port;
  if (!common::ParseHostPort(s->api_listen, &api_host, &api_port)) {
    return common::InvalidArgument("--api-listen \"" + s->api_listen + "\" is not HOST:PORT");
  }
  if (s->peer_url.empty()) {
    std::string url_host = (host == "0.0.0.0" || host == "::") ? "127.0.0.1" : host;
    if (url_host.find(':') != std::string::npos) url_host = "[" + url_host + "]";
    s->peer_url = "https://" + url_host + ":" + std::to_string(port);
  }
  if (!common::StartsWith(s->peer_url, "https://")) {
    return common::InvalidArgument("--peer-url must start with https://");
  }
  return Status::Ok();
}

crypto::CertificateRequest CertRequest(const config::InitSettings& s) {
  crypto::CertificateRequest req;
  req.org_id = s.org_id;
  req.org_name = s.name;
  std::string host = UrlHost(s.peer_url);
  (IsIpAddress(host) ? req.ips : req.dns).push_back(host);
  if (host != "localhost") req.dns.push_back("localhost");
  if (host != "127.0.0.1") req.ips.push_back("127.0.0.1");
  return req;
}

Status WriteKeys(const std::string& dir, const config::InitSettings& s, common::RandomSource& rng,
                 InitResult* out) {
  std::string keys = dir + "/keys";
  RETURN_IF_ERROR(common::MakeDir(keys, 0700));
  crypto::SigningKey signing = crypto::SigningKey::Generate(rng);
  RETURN_IF_ERROR(WriteKeyFile(keys + "/signing.key", signing.seed().span()));
  out->signing_key_id = crypto::KeyIdOf(signing.public_key());
  crypto::X25519KeyPair x = crypto::GenerateX25519(rng);
  RETURN_IF_ERROR(WriteKeyFile(keys + "/x25519.key", x.secret.span()));
  ASSIGN_OR_RETURN(crypto::TlsKeyAndCertificate tls,
                   crypto::GenerateSelfSignedCertificate(CertRequest(s)));
  RETURN_IF_ERROR(crypto::WriteSecretFile(keys + "/tls.key", common::AsBytes(tls.key_pem)));
  RETURN_IF_ERROR(common::WriteFileAtomic(keys + "/tls.crt", tls.cert_pem, 0644, false));
  out->tls_fingerprint = crypto::InspectCertificate(tls.cert_pem)->fingerprint;
  return Status::Ok();
}

}  // namespace

Result<InitResult> InitNode(const std::string& dir, config::InitSettings settings,
                            common::RandomSource& rng, int64_t now_ms) {
  RETURN_IF_ERROR(CheckSettings(&settings));
  if (common::PathExists(dir + "/verbind.toml") || common::PathExists(dir + "/keys")) {
    return common::AlreadyExists(dir + " already holds a node; refusing to overwrite it");
  }
  RETURN_IF_ERROR(common::MakeDir(dir, 0700));
  InitResult out;
  out.dir = dir;
  RETURN_IF_ERROR(WriteKeys(dir, settings, rng, &out));
  std::string created = common::FormatRfc3339(now_ms);
  out.owner_token = NewToken(rng);
  out.admin_token = NewToken(rng);
  out.analyst_token = NewToken(rng);
  std::vector<config::TokenEntry> tokens = {
      {"owner", "owner", TokenHash(out.owner_token), created},
      {"admin", "admin", TokenHash(out.admin_token), created},
      {"analyst", "analyst", TokenHash(out.analyst_token), created}};
  RETURN_IF_ERROR(
      common::WriteFileAtomic(dir + "/tokens.toml", config::RenderTokensFile(tokens), 0600, false));
  RETURN_IF_ERROR(common::MakeDir(dir + "/run", 0700));
  RETURN_IF_ERROR(common::WriteFileAtomic(dir + "/verbind.toml", config::RenderNodeConfig(settings),
                                          0640, false));
  return out;
}

}  // namespace verbind::node
