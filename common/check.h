// CHECK: abort on a broken invariant (a bug), never on bad input. Thread-safe.
#pragma once

namespace verbind::common::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* expr);
}  // namespace verbind::common::internal

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) ::verbind::common::internal::CheckFailed(__FILE__, __LINE__, #cond); \
  } while (0)
