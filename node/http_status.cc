#include "node/http_status.h"

#include "common/strings.h"
#include "node/http_server.h"

namespace verbind::node {

using common::StatusCode;

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kDataLoss:
      return 500;
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

int HttpStatusForRefusal(std::string_view code) {
  static const std::pair<std::string_view, int> kStatuses[] = {
      {"malformed", 400},      {"too_large", 413},        {"unsupported_media_type", 415},
      {"unknown_signer", 403}, {"signer_suspended", 403}, {"signer_revoked", 403},
      {"unknown_key", 403},    {"bad_signature", 403},    {"identity_mismatch", 403},
      {"not_addressed", 403},  {"bad_lifetime", 400},     {"expired", 403},
      {"not_yet_valid", 403},  {"replayed", 409},         {"denied", 403},
      {"rate_limited", 429},   {"invalid_query", 400},    {"budget_exhausted", 403},
      {"differencing", 403},   {"too_expensive", 422},    {"unavailable", 503},
      {"internal", 500},
  };
  for (const auto& [c, status] : kStatuses) {
    if (c == code) return status;
  }
  return 500;
}

std::string_view ErrorCodeFor(StatusCode code) { return common::StatusCodeName(code); }

std::string ErrorBody(std::string_view code, std::string_view message, std::string_view trace_id) {
  return "{\"code\":" + common::JsonQuote(code) + ",\"message\":" + common::JsonQuote(message) +
         ",\"trace_id\":" + common::JsonQuote(trace_id) + "}";
}

void WriteError(httplib::Response& res, const common::Status& status) {
  WriteError(res, HttpStatusFor(status.code()), ErrorCodeFor(status.code()), status.message());
}

void WriteError(httplib::Response& res, int http_status, std::string_view code,
                std::string_view message) {
  res.status = http_status;
  if (http_status == 401) res.set_header("WWW-Authenticate", "Bearer");
  if (http_status == 503) res.set_header("Retry-After", "1");
  res.set_content(ErrorBody(code, message, CurrentRequest().trace_id), "application/json");
}

void WriteJson(httplib::Response& res, const std::string& json, int http_status) {
  res.status = http_status;
  res.set_content(json, "application/json");
}

}  // namespace verbind::node
