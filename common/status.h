// Status and Result<T>: how every Verbind API reports failure. No exceptions cross our APIs.
//
// A Status is OK (cheap: no allocation) or carries a canonical code and a message saying what
// failed, where and why. Result<T> holds either a value or a non-OK Status. Both must be used.
// Thread-safety: values; safe to copy between threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "common/check.h"

namespace verbind::common {

// Canonical error codes, mapped to HTTP statuses in exactly one place (node/api/internal/http_status.cc).
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // malformed input; retrying unchanged will fail again
  kNotFound,           // the named thing does not exist
  kAlreadyExists,      // creating something that exists
  kPermissionDenied,   // authenticated, but not allowed
  kUnauthenticated,    // no or bad credentials
  kResourceExhausted,  // a limit or quota was hit (size, rate, budget)
  kFailedPrecondition, // the system is not in a state that allows this
  kUnavailable,        // transient; retry later
  kDeadlineExceeded,   // did not finish in time
  kDataLoss,           // stored data is corrupt or missing
  kInternal,           // a bug or an unexpected environment failure
};

// The lower-case name of a code, e.g. "invalid_argument".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // OK.
  Status() = default;
  // A non-OK status. `code` must not be kOk.
  Status(StatusCode code, std::string_view message);

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // The message; empty for OK.
  const std::string& message() const;
  // "invalid_argument: message", or "ok".
  std::string ToString() const;
  // A copy with "context: " put before the message (for adding where an error happened).
  Status WithContext(std::string_view context) const;
  // Explicitly discards the status.
  void IgnoreError() const {}

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;
};

Status InvalidArgument(std::string_view message);
Status NotFound(std::string_view message);
Status AlreadyExists(std::string_view message);
Status PermissionDenied(std::string_view message);
Status Unauthenticated(std::string_view message);
Status ResourceExhausted(std::string_view message);
Status FailedPrecondition(std::string_view message);
Status Unavailable(std::string_view message);
Status DeadlineExceeded(std::string_view message);
Status DataLoss(std::string_view message);
Status Internal(std::string_view message);

// Either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    CHECK(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // The error, or OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  // The value; aborts when there is none.
  T& value() & {
    CHECK(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    CHECK(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    CHECK(ok());
    return std::get<T>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace verbind::common

#define VERBIND_CONCAT_INNER(a, b) a##b
#define VERBIND_CONCAT(a, b) VERBIND_CONCAT_INNER(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                                \
  do {                                                       \
    ::verbind::common::Status _verbind_status = (expr);      \
    if (!_verbind_status.ok()) return _verbind_status;       \
  } while (0)

// `lhs = value of expr`, or returns its status from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(VERBIND_CONCAT(_verbind_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
