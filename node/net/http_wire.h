// HTTP/1.1 framing with hard limits, shared by the listeners and the peer client: request and
// response heads, Content-Length and chunked bodies. Every byte from the network passes through
// these limits, and a request is parsed here once: the router works on the parsed head
// (node/net/router.h). Pure functions and value types; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace verbind::node {

struct HttpLimits {
  size_t max_header_bytes = 16 * 1024;
  size_t max_headers = 64;
};

struct HttpHead {
  // Request: method, target, version. Response: version, status, reason.
  std::string method;
  std::string target;
  std::string version;
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;

  // The first value of a header (case-insensitive name), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
  size_t CountHeader(std::string_view name) const;
};

// Why a head was refused, so the server can answer with the right status.
enum class HeadError { kNone, kTooLarge, kTooMany, kMalformed };

// The position just past the blank line that ends a head in `buf`, or npos.
size_t FindHeadEnd(std::string_view buf);
// Parses a request head (without the final blank line limit check). On failure sets `error`.
common::Result<HttpHead> ParseRequestHead(std::string_view head, const HttpLimits& limits,
                                          HeadError* error);
common::Result<HttpHead> ParseResponseHead(std::string_view head, const HttpLimits& limits);

// How a message body is framed.
struct BodyFraming {
  enum Kind { kNone, kLength, kChunked } kind = kNone;
  uint64_t length = 0;
};
// Decides the framing of a request from its headers; refuses ambiguous framing (both
// Content-Length and Transfer-Encoding, repeated differing lengths) and any transfer or content
// coding other than chunked / identity, which request smuggling and decompression bombs use.
common::Result<BodyFraming> RequestFraming(const HttpHead& head);

// Incremental decoder of a chunked body with a total size limit.
class ChunkedDecoder {
 public:
  explicit ChunkedDecoder(uint64_t max_bytes) : max_bytes_(max_bytes) {}
  // Consumes bytes from `in`, appends decoded data to `out`. Returns how many bytes of `in`
  // were used. ResourceExhausted when the decoded size passes the limit; InvalidArgument on
  // bad framing.
  common::Result<size_t> Feed(std::string_view in, std::string* out);
  bool done() const { return state_ == State::kDone; }
  uint64_t decoded() const { return decoded_; }

 private:
  enum class State { kSize, kData, kDataEnd, kTrailer, kDone };
  uint64_t max_bytes_;
  uint64_t decoded_ = 0;
  uint64_t remaining_ = 0;
  std::string line_;
  State state_ = State::kSize;
};

// "Not Found" for 404 and so on.
const char* HttpReason(int status);

}  // namespace verbind::node
