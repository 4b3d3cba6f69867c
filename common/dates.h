// Calendar dates as days since 1970-01-01 (proleptic Gregorian), after Howard Hinnant's
// algorithms. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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
