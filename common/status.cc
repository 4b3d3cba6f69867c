#include "common/status.h"

#include <cstdio>
#include <cstdlib>

namespace verbind::common {

namespace internal {
void CheckFailed(const char* file, int line, const char* expr) {
  std::fprintf(stderr, "CHECK failed at %s:%d: %s\n", file, line, expr);
  std::abort();
}
}  // namespace internal

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid_argument";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kAlreadyExists: return "already_exists";
    case StatusCode::kPermissionDenied: return "permission_denied";
    case StatusCode::kUnauthenticated: return "unauthenticated";
    case StatusCode::kResourceExhausted: return "resource_exhausted";
    case StatusCode::kFailedPrecondition: return "failed_precondition";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kDeadlineExceeded: return "deadline_exceeded";
    case StatusCode::kDataLoss: return "data_loss";
    case StatusCode::kInternal: return "internal";
  }
  return "unknown";
}

Status::Status(StatusCode code, std::string_view message)
    : rep_(std::make_shared<const Rep>(Rep{code, std::string(message)})) {
  CHECK(code != StatusCode::kOk);
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(StatusCodeName(rep_->code)) + ": " + rep_->message;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(rep_->code, std::string(context) + ": " + rep_->message);
}

Status InvalidArgument(std::string_view m) { return Status(StatusCode::kInvalidArgument, m); }
Status NotFound(std::string_view m) { return Status(StatusCode::kNotFound, m); }
Status AlreadyExists(std::string_view m) { return Status(StatusCode::kAlreadyExists, m); }
Status PermissionDenied(std::string_view m) { return Status(StatusCode::kPermissionDenied, m); }
Status Unauthenticated(std::string_view m) { return Status(StatusCode::kUnauthenticated, m); }
Status ResourceExhausted(std::string_view m) { return Status(StatusCode::kResourceExhausted, m); }
Status FailedPrecondition(std::string_view m) {
  return Status(StatusCode::kFailedPrecondition, m);
}
Status Unavailable(std::string_view m) { return Status(StatusCode::kUnavailable, m); }
Status DeadlineExceeded(std::string_view m) { return Status(StatusCode::kDeadlineExceeded, m); }
Status DataLoss(std::string_view m) { return Status(StatusCode::kDataLoss, m); }
Status Internal(std::string_view m) { return Status(StatusCode::kInternal, m); }

}  // namespace verbind::common
