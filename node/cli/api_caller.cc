#include "node/cli/internal/api_caller.h"

#include <cstdlib>

#include "common/files.h"
#include "common/strings.h"
#include "config/node_config.h"
#include "crypto/certificate.h"
#include "node/cli/internal/commands.h"
#include "node/cli/internal/output.h"

namespace verbind::node {

using common::Result;
using common::Status;
using nlohmann::json;

Status ErrorFromResponse(const HttpResponse& res) {
  json j = json::parse(res.body, nullptr, false);
  std::string message = res.body.substr(0, 500);
  std::string code;
  if (j.is_object()) {
    message = j.value("message", message);
    code = j.value("code", "");
  }
  std::string text = message + " [" + (code.empty() ? "" : code + ", ") + "HTTP " +
                     std::to_string(res.status) + "]";
  switch (res.status) {
    case 400:
      return common::InvalidArgument(text);
    case 401:
      return common::Unauthenticated(text);
    case 403:
      return common::PermissionDenied(text);
    case 404:
      return common::NotFound(text);
    case 409:
      return common::FailedPrecondition(text);
    case 413:
    case 429:
      return common::ResourceExhausted(text);
    case 503:
      return common::Unavailable(text);
    default:
      return common::Internal(text);
  }
}

Result<std::unique_ptr<ApiCaller>> ApiCaller::Connect(const CliGlobals& g) {
  auto caller = std::make_unique<ApiCaller>();
  caller->timeout_ms_ = g.timeout_ms;
  std::string url = g.api_url;
  std::string pinned;
  if (url.empty() || g.token.empty()) {
    if (g.node_dir.empty()) {
      return common::InvalidArgument(
          "say which node: --node DIR (or VERBIND_NODE), or --api URL "
          "with --token");
    }
    auto endpoints = common::ReadFile(g.node_dir + "/run/endpoints.json", 1 << 16);
    if (!endpoints.ok()) {
      return common::Unavailable("the node in " + g.node_dir +
                                 " is not running (no run/endpoints.json); start it with: "
                                 "verbind serve " +
                                 g.node_dir);
    }
    json j = json::parse(*endpoints, nullptr, false);
    if (url.empty()) url = j.is_object() ? j.value("api_url", "") : "";
    if (caller->token_.empty() && g.token.empty()) {
      auto token = common::ReadFile(g.node_dir + "/run/cli.token", 4096);
      if (!token.ok()) {
        return common::PermissionDenied("cannot read " + g.node_dir +
                                        "/run/cli.token; pass --token or VERBIND_TOKEN");
      }
      caller->token_ = std::string(common::Trim(*token));
    }
  }
  if (!g.token.empty()) caller->token_ = g.token;
  ASSIGN_OR_RETURN(Endpoint ep, ParseEndpoint(url));
  std::shared_ptr<const crypto::TlsContext> tls;
  if (ep.tls) {
    if (g.node_dir.empty()) {
      return common::InvalidArgument("an https API needs --node DIR to pin its certificate");
    }
    auto config = config::LoadNodeConfig(g.node_dir, [](const char* n) { return std::getenv(n); });
    if (!config.ok()) return config.status();
    ASSIGN_OR_RETURN(std::string cert, common::ReadFile(config->tls_cert_path));
    ASSIGN_OR_RETURN(auto info, crypto::InspectCertificate(cert));
    pinned = info.fingerprint;
    ASSIGN_OR_RETURN(auto ctx, crypto::TlsContext::Client("", ""));
    tls = std::move(ctx);
  }
  caller->client_ = std::make_unique<HttpClient>(ep, tls, std::vector<std::string>{pinned});
  return caller;
}

Result<HttpResponse> ApiCaller::Raw(std::string_view method, std::string_view path,
                                    std::string_view body, const std::string& content_type) {
  Headers headers = {{"Authorization", "Bearer " + token_}};
  if (!content_type.empty()) headers.emplace_back("Content-Type", content_type);
  return client_->Request(method, path, headers, body, After(timeout_ms_));
}

Result<json> ApiCaller::Call(std::string_view method, std::string_view path, const json* body) {
  ASSIGN_OR_RETURN(HttpResponse res,
                   Raw(method, path, body ? body->dump() : "", body ? "application/json" : ""));
  if (res.status >= 400) return ErrorFromResponse(res);
  if (res.body.empty()) return json::object();
  json j = json::parse(res.body, nullptr, false);
  if (j.is_discarded()) return common::Internal("the node answered with invalid JSON");
  return j;
}

int WithApi(const CliGlobals& g, const std::function<Status(ApiCaller&)>& fn) {
  auto api = ApiCaller::Connect(g);
  if (!api.ok()) return Report(api.status());
  return Report(fn(**api));
}

}  // namespace verbind::node
