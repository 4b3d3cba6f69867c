// Strict JSON parsing for untrusted bytes: RFC 8259 syntax (nlohmann-json), and in addition no
// duplicate object keys (two parsers could otherwise disagree on what was signed) and at most
// 64 levels of nesting. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace verbind::common {

// The parsed value, or InvalidArgument naming `what` and the problem: "<what> is not valid JSON:
// parse error at line 1, column 2: ...", "<what>: duplicate key \"k\"", "<what>: nested more
// than 64 levels".
Result<nlohmann::json> ParseStrictJson(std::string_view text, std::string_view what);

}  // namespace verbind::common
