#include "common/clock.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <string>

#include "common/dates.h"

namespace verbind::common {

int64_t RealClock::NowMillis() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::chrono::steady_clock::time_point RealClock::Monotonic() const {
  return std::chrono::steady_clock::now();
}

const Clock& RealClock::Get() {
  static const RealClock clock;
  return clock;
}

std::string FormatRfc3339(int64_t unix_millis) {
  int64_t secs = unix_millis >= 0 ? unix_millis / 1000 : (unix_millis - 999) / 1000;
  int64_t ms = unix_millis - secs * 1000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  CivilDate d = CivilFromDays(static_cast<int32_t>(days));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", d.year, d.month, d.day,
                static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
                static_cast<int>(rem % 60), static_cast<int>(ms));
  return buf;
}

namespace {
constexpr const char* kWeekdays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
}  // namespace

std::string FormatHttpDate(int64_t unix_seconds) {
  int64_t days = unix_seconds >= 0 ? unix_seconds / 86400 : (unix_seconds - 86399) / 86400;
  int64_t rem = unix_seconds - days * 86400;
  CivilDate d = CivilFromDays(static_cast<int32_t>(days));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                kWeekdays[((days % 7) + 7) % 7], d.day, kMonths[d.month - 1], d.year,
                static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
                static_cast<int>(rem % 60));
  return buf;
}

bool ParseHttpDate(std::string_view text, int64_t* unix_seconds) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": 29 characters.
  if (text.size() != 29 || text.substr(3, 2) != ", " || text.substr(25) != " GMT") return false;
  int month = 0;
  for (int m = 0; m < 12; ++m) {
    if (text.substr(8, 3) == kMonths[m]) month = m + 1;
  }
  auto num = [&](size_t at, size_t n, int* out) {
    *out = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      *out = *out * 10 + (text[i] - '0');
    }
    return true;
  };
  int day, year, h, mi, s;
  if (month == 0 || !num(5, 2, &day) || !num(12, 4, &year) || !num(17, 2, &h) ||
      !num(20, 2, &mi) || !num(23, 2, &s) || h > 23 || mi > 59 || s > 60) {
    return false;
  }
  char date[11];
  std::snprintf(date, sizeof date, "%04d-%02d-%02d", year, month, day);
  int32_t days = 0;
  if (!ParseIsoDate(date, &days)) return false;
  *unix_seconds = int64_t{days} * 86400 + h * 3600 + mi * 60 + s;
  return true;
}

bool ParseRfc3339(std::string_view text, int64_t* unix_millis) {
  int32_t days = 0;
  if (text.size() < 10 || !ParseIsoDate(text.substr(0, 10), &days)) return false;
  int64_t secs = int64_t{days} * 86400;
  int64_t millis = 0;
  std::string_view rest = text.substr(10);
  if (!rest.empty()) {
    if (rest.size() < 9 || (rest[0] != 'T' && rest[0] != 't' && rest[0] != ' ')) return false;
    auto digit2 = [&](size_t at, int max) -> int {
      if (at + 2 > rest.size() || !isdigit(rest[at]) || !isdigit(rest[at + 1])) return -1;
      int v = (rest[at] - '0') * 10 + (rest[at + 1] - '0');
      return v <= max ? v : -1;
    };
    int h = digit2(1, 23), m = digit2(4, 59), s = digit2(7, 60);
    if (h < 0 || m < 0 || s < 0 || rest[3] != ':' || rest[6] != ':') return false;
    secs += h * 3600 + m * 60 + s;
    size_t i = 9;
    if (i < rest.size() && rest[i] == '.') {
      int scale = 100;
      ++i;
      if (i >= rest.size() || !isdigit(rest[i])) return false;
      while (i < rest.size() && isdigit(rest[i])) {
        millis += (rest[i] - '0') * scale;
        scale /= 10;
        ++i;
      }
    }
    if (i >= rest.size()) return false;
    if (rest[i] == 'Z' || rest[i] == 'z') {
      if (i + 1 != rest.size()) return false;
    } else if (rest[i] == '+' || rest[i] == '-') {
      int oh = digit2(i + 1, 23), om = digit2(i + 4, 59);
      if (oh < 0 || om < 0 || rest.size() != i + 6 || rest[i + 3] != ':') return false;
      int off = (oh * 3600 + om * 60) * (rest[i] == '+' ? 1 : -1);
      secs -= off;
    } else {
      return false;
    }
  }
  *unix_millis = secs * 1000 + millis;
  return true;
}

}  // namespace verbind::common
