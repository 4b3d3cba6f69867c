#include "common/dates.h"

#include <cstdio>

namespace verbind::common {

int32_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

CivilDate CivilFromDays(int32_t z) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), static_cast<int>(m), static_cast<int>(d)};
}

bool ParseIsoDate(std::string_view t, int32_t* days) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
  int v[8];
  const int pos[8] = {0, 1, 2, 3, 5, 6, 8, 9};
  for (int i = 0; i < 8; ++i) {
    char c = t[pos[i]];
    if (c < '0' || c > '9') return false;
    v[i] = c - '0';
  }
  int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
  int m = v[4] * 10 + v[5];
  int d = v[6] * 10 + v[7];
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int max_day = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
  if (d > max_day) return false;
  *days = DaysFromCivil(y, m, d);
  return true;
}

std::string FormatIsoDate(int32_t days) {
  CivilDate c = CivilFromDays(days);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
  return buf;
}

}  // namespace verbind::common

namespace verbind::common {

namespace {

int64_t FloorMod(int64_t a, int64_t b) { return ((a % b) + b) % b; }

int64_t IsoDayOfWeek(int64_t days) { return FloorMod(days + 3, 7) + 1; }  // 1970-01-01: Thu

int64_t IsoWeek(int64_t days) {
  int64_t thursday = days - IsoDayOfWeek(days) + 4;
  int year = CivilFromDays(static_cast<int32_t>(thursday)).year;
  return (thursday - DaysFromCivil(year, 1, 1)) / 7 + 1;
}

struct UnitName {
  std::string_view unit;
  DatePart trunc;
  DatePart extract;
};
constexpr UnitName kUnits[] = {
    {"day", DatePart::kTruncDay, DatePart::kDay},
    {"week", DatePart::kTruncWeek, DatePart::kWeek},
    {"month", DatePart::kTruncMonth, DatePart::kMonth},
    {"quarter", DatePart::kTruncQuarter, DatePart::kQuarter},
    {"year", DatePart::kTruncYear, DatePart::kYear},
    {"dow", DatePart::kNone, DatePart::kDow},
    {"isodow", DatePart::kNone, DatePart::kIsodow},
    {"doy", DatePart::kNone, DatePart::kDoy},
};

}  // namespace

bool IsTruncation(DatePart p) {
  return p >= DatePart::kTruncDay && p <= DatePart::kTruncYear;
}

std::string_view DatePartUnit(DatePart p) {
  for (const UnitName& u : kUnits) {
    if (p != DatePart::kNone && (u.trunc == p || u.extract == p)) return u.unit;
  }
  return "";
}

DatePart TruncationOf(std::string_view unit) {
  for (const UnitName& u : kUnits) {
    if (u.unit == unit) return u.trunc;
  }
  return DatePart::kNone;
}

DatePart ExtractionOf(std::string_view unit) {
  for (const UnitName& u : kUnits) {
    if (u.unit == unit) return u.extract;
  }
  return DatePart::kNone;
}

int64_t ApplyDatePart(DatePart p, int64_t days) {
  const auto d32 = static_cast<int32_t>(days);
  switch (p) {
    case DatePart::kNone:
    case DatePart::kTruncDay:
      return days;
    case DatePart::kTruncWeek:
      return days - IsoDayOfWeek(days) + 1;
    case DatePart::kIsodow:
      return IsoDayOfWeek(days);
    case DatePart::kDow:
      return IsoDayOfWeek(days) % 7;
    case DatePart::kWeek:
      return IsoWeek(days);
    default:
      break;
  }
  CivilDate c = CivilFromDays(d32);
  int quarter_month = (c.month - 1) / 3 * 3 + 1;
  switch (p) {
    case DatePart::kTruncMonth: return DaysFromCivil(c.year, c.month, 1);
    case DatePart::kTruncQuarter: return DaysFromCivil(c.year, quarter_month, 1);
    case DatePart::kTruncYear: return DaysFromCivil(c.year, 1, 1);
    case DatePart::kYear: return c.year;
    case DatePart::kQuarter: return (c.month - 1) / 3 + 1;
    case DatePart::kMonth: return c.month;
    case DatePart::kDay: return c.day;
    case DatePart::kDoy: return days - DaysFromCivil(c.year, 1, 1) + 1;
    default: return days;
  }
}

std::vector<int64_t> DatePartValues(DatePart p, int64_t first, int64_t last) {
  std::vector<int64_t> out;
  if (first > last) return out;
  auto range = [&](int64_t lo, int64_t hi) {
    for (int64_t v = lo; v <= hi; ++v) out.push_back(v);
  };
  switch (p) {
    case DatePart::kNone:
    case DatePart::kTruncDay: range(first, last); break;
    case DatePart::kTruncWeek:
      for (int64_t d = ApplyDatePart(p, first); d <= last; d += 7) out.push_back(d);
      break;
    case DatePart::kTruncMonth:
    case DatePart::kTruncQuarter:
    case DatePart::kTruncYear: {
      const int step = p == DatePart::kTruncMonth ? 1 : p == DatePart::kTruncQuarter ? 3 : 12;
      CivilDate c = CivilFromDays(static_cast<int32_t>(ApplyDatePart(p, first)));
      for (int64_t d = DaysFromCivil(c.year, c.month, 1); d <= last;) {
        out.push_back(d);
        c.month += step;
        if (c.month > 12) {
          c.month -= 12;
          ++c.year;
        }
        d = DaysFromCivil(c.year, c.month, 1);
      }
      break;
    }
    case DatePart::kYear: range(ApplyDatePart(p, first), ApplyDatePart(p, last)); break;
    case DatePart::kQuarter: range(1, 4); break;
    case DatePart::kMonth: range(1, 12); break;
    case DatePart::kWeek: range(1, 53); break;
    case DatePart::kDay: range(1, 31); break;
    case DatePart::kDow: range(0, 6); break;
    case DatePart::kIsodow: range(1, 7); break;
    case DatePart::kDoy: range(1, 366); break;
  }
  return out;
}

}  // namespace verbind::common
