// StreamedBody: the body of a streamed request (record uploads), read from the connection while
// the handler runs. A Content-Length body is read up to its length; a chunked body is decoded
// with the upload limit on its decoded size, and a budget on the raw bytes (so the chunk framing
// cannot grow without bound either). Every read must come within the read timeout.
// Thread-compatible: the handler's thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "node/net/connection.h"
#include "node/net/http_request.h"
#include "node/net/http_wire.h"

namespace verbind::node {

class StreamedBody final : public BodyReader {
 public:
  // `reader` must outlive this object. `max_bytes` is the upload limit.
  StreamedBody(BufferedReader* reader, BodyFraming framing, uint64_t max_bytes, int read_timeout_ms)
      : reader_(reader), framing_(framing), max_bytes_(max_bytes), read_ms_(read_timeout_ms) {}

  bool ReadAll(const std::function<bool(std::string_view piece)>& sink) override;
  bool limit_exceeded() const override { return limit_exceeded_; }

 private:
  bool ReadLength(const std::function<bool(std::string_view)>& sink);
  bool ReadChunked(const std::function<bool(std::string_view)>& sink);

  BufferedReader* reader_;
  BodyFraming framing_;
  uint64_t max_bytes_;
  int read_ms_;
  bool started_ = false;
  bool limit_exceeded_ = false;
};

}  // namespace verbind::node
