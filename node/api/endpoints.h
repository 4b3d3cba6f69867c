// Endpoints: how the route files add their handlers to a listener's router. A route says who may
// call it (anyone, or a token whose role allows `role`) and what it reads of the body; the caller
// is authenticated (401, 403) and a JSON body parsed (415, 400) before the handler runs, in that
// order. A handler returns its reply or a Status, which becomes the error reply (the one mapping
// from Status to HTTP is node/api/internal/http_status.h). A JSON member of the wrong type
// (nlohmann::json throws) is answered 400 `invalid_argument`. Thread-safe once built.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "node/api/auth.h"
#include "node/net/http_request.h"
#include "node/net/router.h"

namespace verbind::node {

// What a handler is given.
struct ApiRequest {
  const HttpRequest& http;
  const RequestContext& ctx;
  Principal caller;     // the token's holder (empty on routes open to anyone)
  nlohmann::json body;  // the JSON object sent, on routes that read one (else null)

  // The route pattern's group `i` (1 is the first).
  const std::string& capture(size_t i) const { return http.captures[i]; }
};

using ApiHandler = std::function<common::Result<HttpReply>(const ApiRequest&)>;

// What a route reads of the request body.
enum class BodyUse {
  kNone,          // nothing, or the raw bytes (HttpRequest::body)
  kJson,          // a JSON object
  kOptionalJson,  // a JSON object when the body is not empty
  kStreamed,      // the body as it arrives (HttpRequest::body_reader): record uploads
};

class Endpoints {
 public:
  // `tokens` may be null when every route is open (the peer listener); both must outlive this.
  Endpoints(Router* router, const TokenStore* tokens) : router_(router), tokens_(tokens) {}

  // A route anyone who reaches the listener may call.
  void Open(std::string_view method, std::string_view pattern, ApiHandler handler);
  // A route for callers with a token whose role allows `role`.
  void Add(std::string_view method, std::string_view pattern, Role role, BodyUse body,
           ApiHandler handler);

 private:
  void Register(std::string_view method, std::string_view pattern, std::optional<Role> role,
                BodyUse body, ApiHandler handler);
  Router* router_;
  const TokenStore* tokens_;
};

// The request body as a JSON object: nullopt and the error reply in `refusal` (415 without
// Content-Type: application/json, 400 for anything but a JSON object) otherwise.
std::optional<nlohmann::json> JsonBody(const HttpRequest& req, const RequestContext& ctx,
                                       HttpReply* refusal);

}  // namespace verbind::node
