#include "node/net/trace.h"

#include <cstdint>

#include "common/encoding.h"
#include "crypto/system_random.h"

namespace verbind::node {

std::string NewTraceId() {
  uint8_t b[16];
  crypto::SystemRandom::Get().Fill(b);
  return common::HexEncode(b);
}

std::optional<TraceParent> ParseTraceparent(std::string_view v) {
  // version "-" trace-id (32 hex) "-" parent-id (16 hex) "-" flags (2 hex)
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
  std::string_view id = v.substr(3, 32);
  bool zero = true;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    if (c != '0') zero = false;
  }
  if (zero) return std::nullopt;
  return TraceParent{std::string(id), std::string(v.substr(36, 16))};
}

}  // namespace verbind::node
