// Text encodings for bytes: lower-case hex and base64url (RFC 4648 section 5, no padding).
// Decoders are strict: they refuse any character outside the alphabet, padding, and
// non-canonical trailing bits, so one byte string has exactly one encoding. Thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace verbind::common {

using Bytes = std::vector<uint8_t>;

std::string HexEncode(std::span<const uint8_t> bytes);
Result<Bytes> HexDecode(std::string_view text);

std::string Base64UrlEncode(std::span<const uint8_t> bytes);
Result<Bytes> Base64UrlDecode(std::string_view text);

// Views of strings as bytes and back.
inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace verbind::common
