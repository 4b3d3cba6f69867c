// Calendar dates as days since 1970-01-01 (proleptic Gregorian), after Howard Hinnant's
// algorithms. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace verbind::common {

struct CivilDate {
  int year;
  int month;  // 1..12
  int day;    // 1..31
};

int32_t DaysFromCivil(int year, int month, int day);
CivilDate CivilFromDays(int32_t days);
// "YYYY-MM-DD" only (years 0001..9999); refuses impossible dates such as 2023-02-29.
bool ParseIsoDate(std::string_view text, int32_t* days);
std::string FormatIsoDate(int32_t days);

}  // namespace verbind::common

namespace verbind::common {

// Calendar functions of a date, for group keys and filters (docs/query.md): a truncation gives
// the first day of the date's period (weeks start on Monday, ISO 8601), an extraction a number
// (PostgreSQL's meanings: dow 0 = Sunday, isodow 7 = Sunday, week the ISO 8601 week number).
enum class DatePart : uint8_t {
  kNone,
  kTruncDay,
  kTruncWeek,
  kTruncMonth,
  kTruncQuarter,
  kTruncYear,
  kYear,
  kQuarter,
  kMonth,
  kWeek,
  kDay,
  kDow,
  kIsodow,
  kDoy,
};
// True for the truncations (whose values are dates).
bool IsTruncation(DatePart p);
// The unit as SQL writes it: "month" for kTruncMonth and kMonth; "" for kNone.
std::string_view DatePartUnit(DatePart p);
// The truncation or the extraction of `unit` (lower case), or kNone when there is none.
DatePart TruncationOf(std::string_view unit);
DatePart ExtractionOf(std::string_view unit);
// The part of the date `days`: the period's first day (days) for truncations, else the number.
int64_t ApplyDatePart(DatePart p, int64_t days);
// Every value the part takes on dates in [first, last] (days), in increasing order: each
// period start for truncations; the years for kYear; the whole cycle for the other
// extractions (1..12 months, 0..6 for dow, 1..53 weeks, ...).
std::vector<int64_t> DatePartValues(DatePart p, int64_t first, int64_t last);

}  // namespace verbind::common
