// Matching of LIKE patterns (declared in federation/like_pattern.h).
#include "federation/like_pattern.h"

#include <cstddef>
#include <optional>

namespace verbind::federation {

namespace {

// The bytes of the UTF-8 character that starts at s[i] (1 for a stray continuation byte).
size_t CharBytes(std::string_view s, size_t i) {
  size_t n = 1;
  while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) {
    ++n;
  }
  return n;
}

char FoldAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool SameChar(std::string_view a, std::string_view b, bool ignore_case) {
  if (ignore_case && a.size() == 1 && b.size() == 1) {
    return FoldAscii(a[0]) == FoldAscii(b[0]);
  }
  return a == b;
}

}  // namespace

bool LikeMatches(std::string_view pattern, std::string_view text, bool ignore_case) {
  // Greedy with one backtracking point: the last '%' seen, and where in `text` it stopped.
  size_t p = 0;
  size_t t = 0;
  std::optional<size_t> after_percent;
  size_t percent_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      after_percent = ++p;
      percent_text = t;
      continue;
    }
    if (p < pattern.size()) {
      size_t pattern_bytes = CharBytes(pattern, p);
      size_t text_bytes = CharBytes(text, t);
      if (pattern[p] == '_' ||
          SameChar(pattern.substr(p, pattern_bytes), text.substr(t, text_bytes), ignore_case)) {
        p += pattern_bytes;
        t += text_bytes;
        continue;
      }
    }
    if (!after_percent) {
      return false;
    }
    // Let the last '%' take one more character and try again from there.
    percent_text += CharBytes(text, percent_text);
    t = percent_text;
    p = *after_percent;
  }
  while (p < pattern.size() && pattern[p] == '%') {
    ++p;
  }
  return p == pattern.size();
}

}  // namespace verbind::federation
