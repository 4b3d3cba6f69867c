#include "node/net/http_client.h"

#include <strings.h>

#include "common/strings.h"

namespace verbind::node {

using common::Result;
using common::Status;

namespace {
// Reuse a kept-alive connection only while it is fresher than the servers' idle timeout.
constexpr auto kMaxIdle = std::chrono::seconds(10);
}  // namespace

std::string Endpoint::ToString() const {
  return std::string(tls ? "https://" : "http://") +
         (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

Result<Endpoint> ParseEndpoint(std::string_view url) {
  Endpoint e;
  std::string_view rest;
  if (common::StartsWith(url, "https://")) {
    e.tls = true;
    rest = url.substr(8);
  } else if (common::StartsWith(url, "http://")) {
    rest = url.substr(7);
  } else {
    return common::InvalidArgument("URL \"" + std::string(url) + "\" must start with http(s)://");
  }
  rest = rest.substr(0, rest.find('/'));
  if (!common::ParseHostPort(rest, &e.host, &e.port) || e.port == 0) {
    return common::InvalidArgument("URL \"" + std::string(url) + "\" needs HOST:PORT");
  }
  return e;
}

HttpClient::HttpClient(Endpoint endpoint, std::shared_ptr<const crypto::TlsContext> tls,
                       std::vector<std::string> pinned, size_t max_response_bytes)
    : endpoint_(std::move(endpoint)),
      tls_(std::move(tls)),
      pinned_(std::move(pinned)),
      max_response_bytes_(max_response_bytes) {}

HttpClient::~HttpClient() = default;

void HttpClient::Reset() {
  reader_.reset();
  conn_.reset();
}

Status HttpClient::Connect(Deadline deadline) {
  Reset();
  ASSIGN_OR_RETURN(int fd, ConnectTcp(endpoint_.host, endpoint_.port, deadline));
  if (!endpoint_.tls) {
    conn_ = MakePlainConnection(fd);
  } else {
    if (!tls_) {
      ::close(fd);
      return common::FailedPrecondition("no TLS context for " + endpoint_.ToString());
    }
    auto session = crypto::TlsSession::Connect(*tls_, fd, endpoint_.host, pinned_, deadline);
    if (!session.ok()) {
      ::close(fd);
      return session.status().WithContext(endpoint_.ToString());
    }
    conn_ = MakeTlsConnection(fd, std::move(session).value());
  }
  reader_ = std::make_unique<BufferedReader>(conn_.get());
  return Status::Ok();
}

std::string HttpClient::HeadText(std::string_view method, std::string_view path,
                                 const Headers& headers, uint64_t length, bool has_body) const {
  std::string out = std::string(method) + " " + std::string(path) +
                    " HTTP/1.1\r\nHost: " + endpoint_.host + ":" + std::to_string(endpoint_.port) +
                    "\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  if (has_body) out += "Content-Length: " + std::to_string(length) + "\r\n";
  out += "\r\n";
  return out;
}

Status HttpClient::ReadBody(const HttpHead& head, std::string* body, Deadline deadline) {
  if (auto te = head.Header("Transfer-Encoding")) {
    if (common::ToLower(*te) != "chunked") return common::InvalidArgument("unsupported encoding");
    ChunkedDecoder decoder(max_response_bytes_);
    char buf[16384];
    while (!decoder.done()) {
      ASSIGN_OR_RETURN(size_t n, reader_->ReadSome(buf, sizeof buf, deadline));
      if (n == 0) return common::Unavailable("connection closed inside a response");
      ASSIGN_OR_RETURN(size_t used, decoder.Feed(std::string_view(buf, n), body));
      if (used < n) reader_->Unread(std::string_view(buf + used, n - used));
    }
    return Status::Ok();
  }
  if (auto cl = head.Header("Content-Length")) {
    int64_t n;
    if (!common::ParseInt64(*cl, &n) || n < 0) return common::InvalidArgument("bad Content-Length");
    if (static_cast<uint64_t>(n) > max_response_bytes_) {
      return common::ResourceExhausted("response of " + std::to_string(n) + " bytes is too large");
    }
    return reader_->ReadExact(static_cast<size_t>(n), body, deadline);
  }
  // No framing: the body runs to the end of the connection.
  char buf[16384];
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, reader_->ReadSome(buf, sizeof buf, deadline));
    if (n == 0) break;
    if (body->size() + n > max_response_bytes_)
      return common::ResourceExhausted("response too large");
    body->append(buf, n);
  }
  conn_.reset();
  reader_.reset();
  return Status::Ok();
}

Result<HttpResponse> HttpClient::ReadResponse(std::string_view method, Deadline deadline) {
  for (;;) {
    auto raw = reader_->ReadHead(deadline, deadline, 64 * 1024);
    if (!raw.ok()) {
      if (raw.status().code() == common::StatusCode::kNotFound) {
        return common::Unavailable(endpoint_.ToString() + " closed the connection");
      }
      return raw.status().WithContext(endpoint_.ToString());
    }
    ASSIGN_OR_RETURN(HttpHead head, ParseResponseHead(*raw, HttpLimits{64 * 1024, 256}));
    if (head.status == 100) continue;
    HttpResponse res;
    res.status = head.status;
    if (method != "HEAD" && head.status != 204 && head.status != 304) {
      RETURN_IF_ERROR(ReadBody(head, &res.body, deadline));
    }
    auto connection = head.Header("Connection");
    if (connection && common::ToLower(*connection) == "close") Reset();
    res.head = std::move(head);
    last_used_ = std::chrono::steady_clock::now();
    return res;
  }
}

Result<HttpResponse> HttpClient::Request(std::string_view method, std::string_view path,
                                         const Headers& headers, std::string_view body,
                                         Deadline deadline) {
  bool has_body = !body.empty() || method == "POST" || method == "PUT";
  std::string out = HeadText(method, path, headers, body.size(), has_body);
  out.append(body);
  bool reused = conn_ && std::chrono::steady_clock::now() - last_used_ < kMaxIdle;
  if (!reused) RETURN_IF_ERROR(Connect(deadline));
  Status sent = conn_->Write(out.data(), out.size(), deadline);
  if (sent.ok()) {
    auto res = ReadResponse(method, deadline);
    // A kept-alive connection the server closed meanwhile: try once on a fresh one.
    if (res.ok() || !reused || res.status().code() != common::StatusCode::kUnavailable) {
      if (!res.ok()) Reset();
      return res;
    }
  } else if (!reused) {
    // The server may have refused early (for example 413) and closed: read its answer.
    auto early = ReadResponse(method, deadline);
    Reset();
    if (early.ok()) return early;
    return sent.WithContext(endpoint_.ToString());
  }
  RETURN_IF_ERROR(Connect(deadline));
  RETURN_IF_ERROR(conn_->Write(out.data(), out.size(), deadline));
  auto res = ReadResponse(method, deadline);
  if (!res.ok()) Reset();
  return res;
}

Result<HttpResponse> HttpClient::Upload(std::string_view method, std::string_view path,
                                        const Headers& headers, uint64_t length,
                                        const BodySource& source, Deadline deadline) {
  RETURN_IF_ERROR(Connect(deadline));
  std::string head = HeadText(method, path, headers, length, true);
  RETURN_IF_ERROR(conn_->Write(head.data(), head.size(), deadline));
  std::vector<char> buf(1 << 20);
  uint64_t sent = 0;
  while (sent < length) {
    ASSIGN_OR_RETURN(size_t n, source(buf.data(), buf.size()));
    if (n == 0) return common::InvalidArgument("the upload ended before its announced length");
    Status s = conn_->Write(buf.data(), n, deadline);
    if (!s.ok()) {
      // The server may have answered early (for example 413) and closed: read its answer.
      auto res = ReadResponse(method, deadline);
      Reset();
      if (res.ok()) return res;
      return s;
    }
    sent += n;
  }
  auto res = ReadResponse(method, deadline);
  Reset();
  return res;
}

}  // namespace verbind::node
