// Helpers shared by the libFuzzer targets in this folder: the input as text, and a reader that
// splits one input into several values (a selector byte, pieces of varying size) so a target
// can vary how bytes arrive. Header-only; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace verbind::fuzz {

// The fuzzer's bytes as a string view (empty when size is 0).
inline std::string_view AsText(const uint8_t* data, size_t size) {
  return size == 0 ? std::string_view()
                   : std::string_view(reinterpret_cast<const char*>(data), size);
}

// Consumes an input from the front: small integers for choices, the rest as text.
class InputReader {
 public:
  InputReader(const uint8_t* data, size_t size) : rest_(AsText(data, size)) {}

  // One byte (0 when the input is used up).
  uint8_t Byte() {
    if (rest_.empty()) {
      return 0;
    }
    uint8_t b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  // Everything not yet consumed.
  std::string_view Rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// Calls `feed` with consecutive pieces of `text` whose sizes cycle through `sizes` (a size of 0
// counts as 1), so that a streaming parser sees the same bytes cut in different places.
template <typename Feed>
void FeedInPieces(std::string_view text, std::string_view sizes, Feed&& feed) {
  size_t i = 0;
  while (!text.empty()) {
    size_t n = sizes.empty() ? text.size() : static_cast<uint8_t>(sizes[i++ % sizes.size()]);
    n = n == 0 ? 1 : n;
    n = n < text.size() ? n : text.size();
    feed(text.substr(0, n));
    text.remove_prefix(n);
  }
}

}  // namespace verbind::fuzz
