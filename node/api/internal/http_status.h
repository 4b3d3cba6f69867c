// The one place where errors become HTTP: Status codes and protocol refusal codes map to HTTP
// statuses, and every error answer is JSON {code, message, trace_id} (net/http_request.h).
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "node/net/http_request.h"

namespace verbind::node {

int HttpStatusFor(common::StatusCode code);
// The stable machine-readable code for a Status (its canonical name).
std::string_view ErrorCodeFor(common::StatusCode code);
// The HTTP status of a peer-protocol refusal code (docs/protocol.md, "Error codes").
int HttpStatusForRefusal(std::string_view code);

// The error answer for `status` (not OK), under the request's trace id.
HttpReply ErrorReply(const RequestContext& ctx, const common::Status& status);
// An error answer with an explicit HTTP status and code (415, 413, 422, peer refusals).
HttpReply ErrorReply(const RequestContext& ctx, int http_status, std::string_view code,
                     std::string_view message);
// A JSON answer with status 200 (or `http_status`).
HttpReply JsonReply(std::string json, int http_status = 200);

}  // namespace verbind::node
