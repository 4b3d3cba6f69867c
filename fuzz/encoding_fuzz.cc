// Fuzz target: the strict text decoders for bytes (common::HexDecode and Base64UrlDecode) used
// for keys, signatures, nonces and payloads. Invariants: base64url is canonical (a decoded
// string encodes back to exactly the input); hex decodes case-insensitively to bytes that
// encode to the lower-case input; encode-then-decode is the identity.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/check.h"
#include "common/encoding.h"
#include "common/strings.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace c = verbind::common;
  std::string_view text = verbind::fuzz::AsText(data, size);
  if (auto hex = c::HexDecode(text); hex.ok()) {
    CHECK(hex->size() * 2 == text.size());
    CHECK(c::HexEncode(*hex) == c::ToLower(text));
  }
  if (auto b64 = c::Base64UrlDecode(text); b64.ok()) {
    CHECK(c::Base64UrlEncode(*b64) == text);
  }
  auto bytes = c::AsBytes(text);
  CHECK(*c::HexDecode(c::HexEncode(bytes)) == c::Bytes(bytes.begin(), bytes.end()));
  CHECK(*c::Base64UrlDecode(c::Base64UrlEncode(bytes)) == c::Bytes(bytes.begin(), bytes.end()));
  return 0;
}
