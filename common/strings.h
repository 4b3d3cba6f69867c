// String helpers used across layers. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace verbind::common {

std::string_view Trim(std::string_view s);
std::vector<std::string_view> Split(std::string_view s, char sep);
bool StartsWith(std::string_view s, std::string_view prefix);
std::string ToLower(std::string_view s);
// True when `s` is valid UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool IsValidUtf8(std::string_view s);
// A name usable as an organisation id, dataset, field, group or policy id:
// 1..64 characters of [a-z0-9_.-], starting with a letter or digit.
bool IsValidName(std::string_view s);
// Parses a whole base-10 int64 (optional sign); false on junk, empty or overflow.
bool ParseInt64(std::string_view s, int64_t* out);
// Non-negative decimal text with at most six decimals ("0.5", "4", "0.000001") to millionths,
// refusing signs, exponents, a leading or trailing point and values above max_micro.
bool ParseMicros(std::string_view s, int64_t max_micro, int64_t* out);
// Millionths as the shortest such text ("0.5", "4", "-0.25").
std::string FormatMicros(int64_t micro);
// Parses "HOST:PORT" (IPv4, name, or [IPv6]) with a port 0..65535.
bool ParseHostPort(std::string_view s, std::string* host, int* port);
// A quoted JSON string for `s` (for building small messages without a JSON library).
std::string JsonQuote(std::string_view s);
// `s` as a TOML basic string: JsonQuote's escapes and DEL escaped too (TOML refuses it raw).
std::string TomlQuote(std::string_view s);

}  // namespace verbind::common
