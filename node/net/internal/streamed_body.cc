#include "node/net/internal/streamed_body.h"

#include <algorithm>
#include <string>

namespace verbind::node {

namespace {
constexpr size_t kPiece = 64 * 1024;
}  // namespace

bool StreamedBody::ReadAll(const std::function<bool(std::string_view)>& sink) {
  if (started_) return false;  // a body can be read once
  started_ = true;
  switch (framing_.kind) {
    case BodyFraming::kNone:
      return true;
    case BodyFraming::kLength:
      return ReadLength(sink);
    case BodyFraming::kChunked:
      return ReadChunked(sink);
  }
  return false;
}

bool StreamedBody::ReadLength(const std::function<bool(std::string_view)>& sink) {
  // The listener refused lengths over the limit before the handler ran.
  std::string buf(kPiece, '\0');
  for (uint64_t left = framing_.length; left > 0;) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
    auto n = reader_->ReadSome(buf.data(), want, After(read_ms_));
    if (!n.ok() || *n == 0) return false;  // cut off
    left -= *n;
    if (!sink(std::string_view(buf.data(), *n))) return false;
  }
  return true;
}

bool StreamedBody::ReadChunked(const std::function<bool(std::string_view)>& sink) {
  ChunkedDecoder decoder(max_bytes_);
  // The chunk framing adds a little to the decoded size; far more is not a body.
  const uint64_t raw_budget = max_bytes_ + (max_bytes_ >> 6) + 4096;
  uint64_t raw = 0;
  std::string buf(kPiece, '\0');
  std::string decoded;
  while (!decoder.done()) {
    if (raw >= raw_budget) {
      limit_exceeded_ = true;
      return false;
    }
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), raw_budget - raw));
    auto n = reader_->ReadSome(buf.data(), want, After(read_ms_));
    if (!n.ok() || *n == 0) return false;  // cut off
    raw += *n;
    decoded.clear();
    auto used = decoder.Feed(std::string_view(buf.data(), *n), &decoded);
    if (!used.ok()) {
      limit_exceeded_ = used.status().code() == common::StatusCode::kResourceExhausted;
      return false;
    }
    if (!decoded.empty() && !sink(decoded)) return false;
    if (*used < *n) reader_->Unread(std::string_view(buf.data() + *used, *n - *used));
  }
  return true;
}

}  // namespace verbind::node
