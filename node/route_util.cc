#include "node/route_util.h"

#include "common/strings.h"

namespace verbind::node {

std::optional<Principal> Authorize(const NodeServices& s, const httplib::Request& req,
                                   httplib::Response& res, Role role) {
  std::string header = req.get_header_value("Authorization");
  if (header.empty()) {
    WriteError(res, common::Unauthenticated("send Authorization: Bearer <token>"));
    return std::nullopt;
  }
  auto principal = s.tokens->Authenticate(header);
  if (!principal) {
    WriteError(res, common::Unauthenticated("the bearer token is not valid"));
    return std::nullopt;
  }
  if (!RoleAllows(principal->role, role)) {
    WriteError(res, common::PermissionDenied("this needs an " + std::string(RoleName(role)) +
                                             " token; " + principal->name + " is an " +
                                             std::string(RoleName(principal->role))));
    return std::nullopt;
  }
  return principal;
}

std::optional<nlohmann::json> JsonBody(const httplib::Request& req, httplib::Response& res) {
  std::string type = common::ToLower(req.get_header_value("Content-Type"));
  if (type.substr(0, 16) != "application/json") {
    WriteError(res, 415, "unsupported_media_type", "send Content-Type: application/json");
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    WriteError(res, common::InvalidArgument("the body is not a JSON object"));
    return std::nullopt;
  }
  return j;
}

bool Check(httplib::Response& res, const common::Status& status) {
  if (!status.ok()) WriteError(res, status);
  return status.ok();
}

}  // namespace verbind::node
