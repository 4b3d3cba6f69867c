#include "node/api/internal/http_status.h"

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
      {"internal", 500},       {"definition_mismatch", 409},
  };
  for (const auto& [c, status] : kStatuses) {
    if (c == code) return status;
  }
  return 500;
}

std::string_view ErrorCodeFor(StatusCode code) { return common::StatusCodeName(code); }

HttpReply ErrorReply(const RequestContext& ctx, const common::Status& status) {
  return ErrorReply(ctx, HttpStatusFor(status.code()), ErrorCodeFor(status.code()),
                    status.message());
}

HttpReply ErrorReply(const RequestContext& ctx, int http_status, std::string_view code,
                     std::string_view message) {
  HttpReply reply = JsonReply(ErrorBody(code, message, ctx.trace_id), http_status);
  if (http_status == 401) reply.headers.emplace_back("WWW-Authenticate", "Bearer");
  if (http_status == 503) reply.headers.emplace_back("Retry-After", "1");
  return reply;
}

HttpReply JsonReply(std::string json, int http_status) {
  HttpReply reply;
  reply.status = http_status;
  reply.content_type = "application/json";
  reply.body = std::move(json);
  return reply;
}

}  // namespace verbind::node
