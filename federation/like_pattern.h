// SQL LIKE patterns, as LIKE and ILIKE filters match them against categorical labels (see
// federation/bind.h). Pure functions; thread-safe.
#pragma once

#include <string_view>

namespace verbind::federation {

// True when all of `text` matches `pattern`: '%' matches any run of characters (also none),
// '_' exactly one character (a UTF-8 code point), and every other character itself. There is
// no escape character: '\' is an ordinary character. With `ignore_case` (ILIKE), ASCII letters
// match either case, as labels do in `=` (other letters match only themselves).
bool LikeMatches(std::string_view pattern, std::string_view text, bool ignore_case);

}  // namespace verbind::federation
