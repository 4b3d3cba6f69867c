// Helpers shared by the route files: authentication, JSON bodies, path parameters.
// Thread-safe (stateless).
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "node/auth.h"
#include "node/http_status.h"
#include "node/services.h"

namespace verbind::node {

// The caller's principal when it holds a token whose role allows `role` (RoleAllows: owner >
// admin > analyst); otherwise writes 401 or 403 to `res` and returns nullopt.
std::optional<Principal> Authorize(const NodeServices& s, const httplib::Request& req,
                                   httplib::Response& res, Role role);
// The request body as a JSON object; otherwise writes 415 or 400 and returns nullopt.
std::optional<nlohmann::json> JsonBody(const httplib::Request& req, httplib::Response& res);
// Writes `status` as an error when it is not OK; returns status.ok().
bool Check(httplib::Response& res, const common::Status& status);

}  // namespace verbind::node
