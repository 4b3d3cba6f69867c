#include "common/charset.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>

#include "common/strings.h"

namespace verbind::common {

namespace {

// Windows-1252 0x80-0x9F as code points; 0 where the byte is undefined.
constexpr std::array<uint16_t, 32> kWindows1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  // 0x80
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,       // 0x88
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 0x90
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,  // 0x98
};

// The code point of `byte`, or 0 when it is undefined (NUL itself is 0x00 in every set and
// never looked up here).
uint32_t CodePointOf(Charset charset, unsigned char byte) {
  if (charset == Charset::kWindows1252 && byte >= 0x80 && byte <= 0x9F) {
    return kWindows1252High[byte - 0x80];
  }
  return byte;
}

void AppendCodePoint(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

Result<Charset> ParseCharset(std::string_view name) {
  std::string n = ToLower(name);
  if (n == "utf-8" || n == "utf8") return Charset::kUtf8;
  if (n == "windows-1252" || n == "cp1252") return Charset::kWindows1252;
  if (n == "latin-1" || n == "latin1" || n == "iso-8859-1") return Charset::kLatin1;
  return InvalidArgument("unknown encoding " + std::string(name) +
                         " (utf-8, windows-1252 or latin-1)");
}

std::string_view CharsetName(Charset charset) {
  switch (charset) {
    case Charset::kUtf8:
      return "utf-8";
    case Charset::kWindows1252:
      return "windows-1252";
    case Charset::kLatin1:
      return "latin-1";
  }
  return "utf-8";
}

size_t Utf8BytesOf(Charset charset, unsigned char byte) {
  if (charset == Charset::kUtf8 || byte < 0x80) return 1;
  uint32_t cp = CodePointOf(charset, byte);
  if (cp == 0) return 0;
  return cp < 0x800 ? 2 : 3;
}

size_t AppendAsUtf8(Charset charset, std::string_view bytes, std::string* out) {
  if (charset == Charset::kUtf8) {
    out->append(bytes);
    return std::string_view::npos;
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    uint32_t cp = b < 0x80 ? b : CodePointOf(charset, b);
    if (b >= 0x80 && cp == 0) return i;
    AppendCodePoint(cp, out);
  }
  return std::string_view::npos;
}

Result<std::string> ToUtf8(Charset charset, std::string_view text) {
  std::string out;
  size_t bad = AppendAsUtf8(charset, text, &out);
  if (bad == std::string_view::npos) return out;
  std::string_view before = text.substr(0, bad);
  size_t line_start = before.rfind('\n');
  size_t column = line_start == std::string_view::npos ? bad + 1 : bad - line_start;
  size_t line = static_cast<size_t>(std::count(before.begin(), before.end(), '\n')) + 1;
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[bad]));
  return InvalidArgument("line " + std::to_string(line) + ", column " + std::to_string(column) +
                         ": byte " + hex + " is not a character in " +
                         std::string(CharsetName(charset)));
}

}  // namespace verbind::common
