// Time, behind an interface so that tests control it. RealClock is thread-safe; ManualClock is
// thread-safe too (an atomic), for tests that move time forward.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace verbind::common {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in milliseconds since the Unix epoch (UTC).
  virtual int64_t NowMillis() const = 0;
  // A monotonic time point, for deadlines and durations.
  virtual std::chrono::steady_clock::time_point Monotonic() const = 0;
  int64_t NowSeconds() const { return NowMillis() / 1000; }
};

class RealClock final : public Clock {
 public:
  int64_t NowMillis() const override;
  std::chrono::steady_clock::time_point Monotonic() const override;
  // The process-wide real clock.
  static const Clock& Get();
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_millis) : now_(now_millis) {}
  int64_t NowMillis() const override { return now_.load(); }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_.load()));
  }
  void Advance(int64_t millis) { now_ += millis; }
  void Set(int64_t millis) { now_ = millis; }

 private:
  std::atomic<int64_t> now_;
};

// RFC 3339 UTC text for a Unix time in milliseconds, e.g. "2026-11-29T06:45:00.123Z".
std::string FormatRfc3339(int64_t unix_millis);
// Parses RFC 3339 ("2026-11-29T06:45:00Z", optional fraction and offset) or a plain date
// ("2026-11-29", midnight UTC) into Unix milliseconds.
bool ParseRfc3339(std::string_view text, int64_t* unix_millis);
// The HTTP Date form (RFC 9110 IMF-fixdate) of a Unix time in seconds,
// e.g. "Mon, 07 Dec 2026 22:59:09 GMT", and back (IMF-fixdate only).
std::string FormatHttpDate(int64_t unix_seconds);
bool ParseHttpDate(std::string_view text, int64_t* unix_seconds);

}  // namespace verbind::common
