// How CLI commands reach a running node: the local API address from --api, VERBIND_API or
// DIR/run/endpoints.json; the token from --token, VERBIND_TOKEN or DIR/run/cli.token.
// Thread-compatible.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "node/net/http_client.h"

namespace verbind::node {

struct CliGlobals {
  std::string node_dir;  // --node / VERBIND_NODE
  std::string api_url;   // --api / VERBIND_API
  std::string token;     // --token / VERBIND_TOKEN
  bool json = false;     // --json: print raw JSON
  int timeout_ms = 60000;
};

class ApiCaller {
 public:
  static common::Result<std::unique_ptr<ApiCaller>> Connect(const CliGlobals& g);

  // A JSON call. A response with status >= 400 becomes an error carrying the node's message.
  common::Result<nlohmann::json> Call(std::string_view method, std::string_view path,
                                      const nlohmann::json* body = nullptr);
  // A raw call returning the response (for non-JSON bodies and uploads).
  common::Result<HttpResponse> Raw(std::string_view method, std::string_view path,
                                   std::string_view body, const std::string& content_type);
  HttpClient& client() { return *client_; }
  const std::string& token() const { return token_; }
  int timeout_ms() const { return timeout_ms_; }

 private:
  std::unique_ptr<HttpClient> client_;
  std::string token_;
  int timeout_ms_ = 60000;
};

// The error a non-2xx response describes ("<message> [code, HTTP n]").
common::Status ErrorFromResponse(const HttpResponse& res);

}  // namespace verbind::node
