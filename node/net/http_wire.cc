#include "node/net/http_wire.h"

#include <strings.h>

#include "common/strings.h"

namespace verbind::node {

using common::Result;
using common::Status;

namespace {

bool IsTokenChar(char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

bool HasControl(std::string_view s) {
  for (char c : s) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return true;
  }
  return false;
}

// Splits "name: value" lines after the start line into headers.
Status ParseHeaderLines(std::string_view rest, const HttpLimits& limits, HttpHead* head,
                        HeadError* error) {
  while (!rest.empty()) {
    size_t eol = rest.find("\r\n");
    if (eol == std::string_view::npos) eol = rest.size();
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(std::min(rest.size(), eol + 2));
    if (line.empty()) break;
    if (head->headers.size() >= limits.max_headers) {
      if (error) *error = HeadError::kTooMany;
      return common::ResourceExhausted("more than " + std::to_string(limits.max_headers) +
                                       " headers");
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
      if (error) *error = HeadError::kMalformed;
      return common::InvalidArgument("malformed header line");
    }
    std::string_view value = common::Trim(line.substr(colon + 1));
    if (HasControl(value)) {
      if (error) *error = HeadError::kMalformed;
      return common::InvalidArgument("control character in a header value");
    }
    head->headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return Status::Ok();
}

}  // namespace

std::optional<std::string_view> HttpHead::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return std::nullopt;
}

size_t HttpHead::CountHeader(std::string_view name) const {
  size_t n = 0;
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) ++n;
  }
  return n;
}

size_t FindHeadEnd(std::string_view buf) {
  size_t pos = buf.find("\r\n\r\n");
  return pos == std::string_view::npos ? pos : pos + 4;
}

Result<HttpHead> ParseRequestHead(std::string_view head, const HttpLimits& limits,
                                  HeadError* error) {
  if (error) *error = HeadError::kNone;
  if (head.size() > limits.max_header_bytes) {
    if (error) *error = HeadError::kTooLarge;
    return common::ResourceExhausted("request head larger than " +
                                     std::to_string(limits.max_header_bytes) + " bytes");
  }
  size_t eol = head.find("\r\n");
  std::string_view start = head.substr(0, eol);
  auto parts = common::Split(start, ' ');
  HttpHead out;
  if (parts.size() != 3 || !IsToken(parts[0]) || parts[1].empty() || HasControl(parts[1]) ||
      (parts[2] != "HTTP/1.1" && parts[2] != "HTTP/1.0")) {
    if (error) *error = HeadError::kMalformed;
    return common::InvalidArgument("malformed request line");
  }
  out.method = std::string(parts[0]);
  out.target = std::string(parts[1]);
  out.version = std::string(parts[2]);
  if (eol != std::string_view::npos) {
    RETURN_IF_ERROR(ParseHeaderLines(head.substr(eol + 2), limits, &out, error));
  }
  return out;
}

Result<HttpHead> ParseResponseHead(std::string_view head, const HttpLimits& limits) {
  if (head.size() > limits.max_header_bytes) {
    return common::ResourceExhausted("response head too large");
  }
  size_t eol = head.find("\r\n");
  std::string_view start = head.substr(0, eol);
  HttpHead out;
  int64_t status = 0;
  if (start.size() < 12 || !common::StartsWith(start, "HTTP/1.") ||
      !common::ParseInt64(start.substr(9, 3), &status) || status < 100 || status > 599) {
    return common::InvalidArgument("malformed status line");
  }
  out.version = std::string(start.substr(0, 8));
  out.status = static_cast<int>(status);
  out.reason = std::string(common::Trim(start.substr(12)));
  if (eol != std::string_view::npos) {
    RETURN_IF_ERROR(ParseHeaderLines(head.substr(eol + 2), limits, &out, nullptr));
  }
  return out;
}

Result<BodyFraming> RequestFraming(const HttpHead& head) {
  BodyFraming f;
  auto te = head.Header("Transfer-Encoding");
  size_t cl_count = head.CountHeader("Content-Length");
  if (auto ce = head.Header("Content-Encoding"); ce && common::ToLower(*ce) != "identity") {
    return common::FailedPrecondition("Content-Encoding " + std::string(*ce) +
                                      " is not accepted; send the body uncompressed");
  }
  if (te) {
    if (cl_count > 0 || head.CountHeader("Transfer-Encoding") > 1) {
      return common::InvalidArgument("both Transfer-Encoding and Content-Length");
    }
    if (common::ToLower(*te) != "chunked") {
      return common::InvalidArgument("Transfer-Encoding " + std::string(*te) +
                                     " is not supported (only chunked)");
    }
    f.kind = BodyFraming::kChunked;
    return f;
  }
  if (cl_count == 0) return f;
  std::optional<uint64_t> length;
  for (const auto& [k, v] : head.headers) {
    if (strcasecmp(k.c_str(), "Content-Length") != 0) continue;
    int64_t n;
    if (v.empty() || v[0] == '+' || v[0] == '-' || !common::ParseInt64(v, &n)) {
      return common::InvalidArgument("malformed Content-Length");
    }
    if (length && *length != static_cast<uint64_t>(n)) {
      return common::InvalidArgument("conflicting Content-Length headers");
    }
    length = static_cast<uint64_t>(n);
  }
  f.kind = BodyFraming::kLength;
  f.length = *length;
  return f;
}

Result<size_t> ChunkedDecoder::Feed(std::string_view in, std::string* out) {
  size_t used = 0;
  while (used < in.size() && state_ != State::kDone) {
    if (state_ == State::kData) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size() - used));
      out->append(in.data() + used, take);
      used += take;
      remaining_ -= take;
      if (remaining_ == 0) state_ = State::kDataEnd;
      continue;
    }
    char c = in[used++];
    line_ += c;
    if (line_.size() > 1024) return common::InvalidArgument("chunk line too long");
    if (c != '\n') continue;
    if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
      return common::InvalidArgument("chunk line without CRLF");
    }
    std::string_view line(line_.data(), line_.size() - 2);
    if (state_ == State::kSize) {
      std::string_view hex = line.substr(0, line.find(';'));
      uint64_t size = 0;
      if (hex.empty() || hex.size() > 15) return common::InvalidArgument("bad chunk size");
      for (char h : hex) {
        int d = (h >= '0' && h <= '9')   ? h - '0'
                : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                         : -1;
        if (d < 0) return common::InvalidArgument("bad chunk size");
        size = size * 16 + static_cast<uint64_t>(d);
      }
      if (decoded_ + size > max_bytes_) {
        return common::ResourceExhausted("body larger than " + std::to_string(max_bytes_) +
                                         " bytes");
      }
      decoded_ += size;
      remaining_ = size;
      state_ = size == 0 ? State::kTrailer : State::kData;
    } else if (state_ == State::kDataEnd) {
      if (!line.empty()) return common::InvalidArgument("chunk data longer than its size");
      state_ = State::kSize;
    } else if (state_ == State::kTrailer) {
      if (line.empty()) state_ = State::kDone;
    }
    line_.clear();
  }
  return used;
}

const char* HttpReason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 507:
      return "Insufficient Storage";
    default:
      return "Status";
  }
}

}  // namespace verbind::node
