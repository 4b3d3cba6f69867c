// Fuzz target: HTTP/1.1 heads as the listeners read them from the network before any handler
// runs (node::ParseRequestHead and RequestFraming) and as the peer client reads a peer's
// response (ParseResponseHead). Small limits so the size checks are reached. Invariants: an
// accepted head is within the limits; a body framing is decided only for accepted heads and
// is never both chunked and sized.
#include <cstddef>
#include <cstdint>

#include "common/check.h"
#include "fuzz/fuzz_util.h"
#include "node/net/http_wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace n = verbind::node;
  std::string_view text = verbind::fuzz::AsText(data, size);
  n::HttpLimits limits;
  limits.max_header_bytes = 2048;
  limits.max_headers = 16;
  size_t end = n::FindHeadEnd(text);
  std::string_view head = end == std::string_view::npos ? text : text.substr(0, end);
  n::HeadError error = n::HeadError::kNone;
  auto request = n::ParseRequestHead(head, limits, &error);
  if (request.ok()) {
    CHECK(error == n::HeadError::kNone);
    CHECK(head.size() <= limits.max_header_bytes);
    CHECK(request->headers.size() <= limits.max_headers);
    CHECK(!request->method.empty() && !request->target.empty());
    auto framing = n::RequestFraming(*request);
    if (framing.ok()) {
      CHECK(framing->kind != n::BodyFraming::kNone || framing->length == 0);
      CHECK(!(framing->kind == n::BodyFraming::kChunked &&
              request->Header("Content-Length").has_value()));
    }
  } else {
    CHECK(error != n::HeadError::kNone);
  }
  auto response = n::ParseResponseHead(head, limits);
  if (response.ok()) {
    CHECK(response->status >= 100 && response->status <= 599);
    CHECK(response->headers.size() <= limits.max_headers);
  }
  return 0;
}
