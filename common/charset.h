// Single-byte character sets that Dutch government systems still export (Windows-1252 and
// Latin-1, ISO 8859-1), converted to UTF-8 byte by byte. Windows-1252 is Latin-1 except for
// 0x80-0x9F, which hold the euro sign, curly quotes and a few letters; five of those bytes
// (0x81, 0x8D, 0x8F, 0x90, 0x9D) are undefined and refused. Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace verbind::common {

enum class Charset { kUtf8, kWindows1252, kLatin1 };

// "utf-8", "windows-1252" (or "cp1252") and "latin-1" (or "iso-8859-1"), any case.
Result<Charset> ParseCharset(std::string_view name);
// The name ParseCharset reads, for messages: "utf-8", "windows-1252" or "latin-1".
std::string_view CharsetName(Charset charset);

// The number of UTF-8 bytes `byte` becomes; 0 when it is undefined in `charset`. UTF-8 input
// is passed through unchanged (1 per byte).
size_t Utf8BytesOf(Charset charset, unsigned char byte);
// Appends `bytes` in `charset` as UTF-8 to `out`. Returns the offset in `bytes` of the first
// undefined byte (nothing of it or after it is appended), or std::string_view::npos.
size_t AppendAsUtf8(Charset charset, std::string_view bytes, std::string* out);

// `text` in `charset` as UTF-8; InvalidArgument naming the line and column (1-based) of the
// first undefined byte.
Result<std::string> ToUtf8(Charset charset, std::string_view text);

}  // namespace verbind::common
