#include "node/api/endpoints.h"

#include "common/strings.h"
#include "node/api/internal/http_status.h"

namespace verbind::node {

using common::Result;

namespace {

// Runs the handler; a JSON member of the wrong type or value is the caller's mistake.
HttpReply Run(const ApiHandler& handler, const ApiRequest& request) {
  try {
    Result<HttpReply> reply = handler(request);
    if (!reply.ok()) return ErrorReply(request.ctx, reply.status());
    return std::move(reply).value();
  } catch (const nlohmann::json::exception& e) {
    return ErrorReply(
        request.ctx, common::InvalidArgument(
                         std::string("a request member has the wrong type or value: ") + e.what()));
  }
}

// The caller's principal when the request's bearer token has a role that allows `role`
// (RoleAllows: owner > admin > analyst); else Unauthenticated or PermissionDenied.
Result<Principal> Authorize(const TokenStore& tokens, const HttpRequest& req, Role role) {
  std::string_view header = req.Header("Authorization");
  if (header.empty()) return common::Unauthenticated("send Authorization: Bearer <token>");
  auto principal = tokens.Authenticate(header);
  if (!principal) return common::Unauthenticated("the bearer token is not valid");
  if (!RoleAllows(principal->role, role)) {
    return common::PermissionDenied("this needs an " + std::string(RoleName(role)) + " token; " +
                                    principal->name + " is an " +
                                    std::string(RoleName(principal->role)));
  }
  return *principal;
}

}  // namespace

std::optional<nlohmann::json> JsonBody(const HttpRequest& req, const RequestContext& ctx,
                                       HttpReply* refusal) {
  std::string type = common::ToLower(req.Header("Content-Type"));
  if (type.substr(0, 16) != "application/json") {
    *refusal =
        ErrorReply(ctx, 415, "unsupported_media_type", "send Content-Type: application/json");
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    *refusal = ErrorReply(ctx, common::InvalidArgument("the body is not a JSON object"));
    return std::nullopt;
  }
  return j;
}

void Endpoints::Open(std::string_view method, std::string_view pattern, ApiHandler handler) {
  Register(method, pattern, std::nullopt, BodyUse::kNone, std::move(handler));
}

void Endpoints::Add(std::string_view method, std::string_view pattern, Role role, BodyUse body,
                    ApiHandler handler) {
  Register(method, pattern, role, body, std::move(handler));
}

void Endpoints::Register(std::string_view method, std::string_view pattern,
                         std::optional<Role> role, BodyUse body, ApiHandler handler) {
  CHECK(!role || tokens_ != nullptr);
  auto route = [tokens = tokens_, role, body, handler = std::move(handler)](
                   const HttpRequest& http, const RequestContext& ctx) {
    ApiRequest request{http, ctx, Principal{"", Role::kAnalyst}, nullptr};
    if (role) {
      auto caller = Authorize(*tokens, http, *role);
      if (!caller.ok()) return ErrorReply(ctx, caller.status());
      request.caller = std::move(caller).value();
    }
    bool wants_json =
        body == BodyUse::kJson || (body == BodyUse::kOptionalJson && !http.body.empty());
    if (wants_json) {
      HttpReply refusal;
      auto json = JsonBody(http, ctx, &refusal);
      if (!json) return refusal;
      request.body = std::move(*json);
    }
    return Run(handler, request);
  };
  if (body == BodyUse::kStreamed) {
    router_->AddStreamed(method, pattern, std::move(route));
  } else {
    router_->Add(method, pattern, std::move(route));
  }
}

}  // namespace verbind::node
