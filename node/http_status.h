// The one place where errors become HTTP: Status codes and protocol refusal codes map to HTTP
// statuses, and every error body is JSON {code, message, trace_id}. Thread-safe.
#pragma once

#include <httplib.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace verbind::node {

int HttpStatusFor(common::StatusCode code);
// The stable machine-readable code for a Status (its canonical name).
std::string_view ErrorCodeFor(common::StatusCode code);
// The HTTP status of a peer-protocol refusal code (docs/protocol.md, "Error codes").
int HttpStatusForRefusal(std::string_view code);
std::string ErrorBody(std::string_view code, std::string_view message, std::string_view trace_id);
// Fills `res` with the error (status, JSON body) for the current request's trace id.
void WriteError(httplib::Response& res, const common::Status& status);
// Fills `res` with an explicit code and HTTP status (peer protocol refusals).
void WriteError(httplib::Response& res, int http_status, std::string_view code,
                std::string_view message);
// Sets a JSON body with status 200 (or `http_status`).
void WriteJson(httplib::Response& res, const std::string& json, int http_status = 200);

}  // namespace verbind::node
