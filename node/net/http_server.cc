#include "node/net/http_server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/clock.h"
#include "common/strings.h"
#include "node/net/internal/streamed_body.h"
#include "node/net/trace.h"

namespace verbind::node {

using common::Status;

namespace {

// Replies are written in pieces of this size, each within the write timeout.
constexpr size_t kWritePiece = 256u << 10;

bool Expects100Continue(const HttpHead& head) {
  auto expect = head.Header("Expect");
  return expect && common::ToLower(*expect) == "100-continue";
}

// Whether the client asked to close the connection after this request (HTTP/1.0 closes unless
// it asks to keep it alive).
bool ClientCloses(const HttpHead& head) {
  std::string connection = common::ToLower(head.Header("Connection").value_or(""));
  if (head.version == "HTTP/1.0") return connection != "keep-alive";
  return connection == "close";
}

}  // namespace

// One request on a connection: what was read of it and where it goes.
struct HttpServer::Exchange {
  Connection* conn;
  BufferedReader* reader;
  RequestContext* ctx;
  bool first;  // the connection's first request (the idle timeout applies to later ones)
  HttpRequest request;
  BodyFraming framing;
  bool streamed = false;
  std::chrono::steady_clock::time_point started;
};

HttpServer::HttpServer(HttpServerOptions options, MetricsSink* metrics)
    : opt_(std::move(options)), metrics_(metrics), permits_(opt_.threads) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Bind() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  std::string where = opt_.host + ":" + std::to_string(opt_.port);
  std::string service = std::to_string(opt_.port);
  int gai = ::getaddrinfo(opt_.host.c_str(), service.c_str(), &hints, &res);
  if (gai != 0) {
    return common::InvalidArgument("cannot listen on " + where + ": " + gai_strerror(gai));
  }
  int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, res->ai_addr, res->ai_addrlen) != 0 || ::listen(fd, 1024) != 0) {
    int err = errno;
    ::close(fd);
    ::freeaddrinfo(res);
    if (err == EADDRINUSE) {
      return common::Unavailable(where + " is already in use (is another node running?)");
    }
    return common::Unavailable("cannot listen on " + where + ": " + std::strerror(err));
  }
  ::freeaddrinfo(res);
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                           : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  listen_fd_ = fd;
  return Status::Ok();
}

void HttpServer::Start() {
  CHECK(listen_fd_ >= 0);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

void HttpServer::Stop() {
  if (stopping_.exchange(true)) return;
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
  if (accept_thread_.joinable()) accept_thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
  std::unique_lock<std::mutex> lock(mu_);
  // Give handlers in flight a moment to answer; idle connections end at their next read.
  for (Connection* c : open_) c->Abort();
  idle_cv_.wait_for(lock, std::chrono::seconds(10), [this] { return active_.load() == 0; });
}

void HttpServer::AcceptLoop() {
  while (!stopping_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      if (stopping_) break;
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (active_.load() >= opt_.max_connections) {
      metrics_->Inc("verbind_connections_refused_total", "listener=\"" + opt_.name + "\"", 1);
      if (!opt_.tls) {
        static const char k503[] =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            "Retry-After: 1\r\nConnection: close\r\nContent-Length: 78\r\n\r\n"
            "{\"code\":\"overloaded\",\"message\":\"too many open connections\",\"trace_id\":\"\"}";
        ssize_t ignored = ::send(fd, k503, sizeof k503 - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
        (void)ignored;
      }
      ::close(fd);
      continue;
    }
    ++active_;
    std::thread([this, fd] { Serve(fd); }).detach();
  }
}

void HttpServer::Track(Connection* conn, bool add) {
  std::lock_guard<std::mutex> lock(mu_);
  if (add) {
    open_.insert(conn);
    if (stopping_) conn->Abort();
  } else {
    open_.erase(conn);
  }
}

std::unique_ptr<Connection> HttpServer::Handshake(int fd) {
  if (!opt_.tls) return MakePlainConnection(fd);
  std::shared_ptr<const crypto::TlsContext> tls = opt_.tls->get();
  auto session = crypto::TlsSession::Accept(*tls, fd, After(opt_.read_timeout_ms));
  if (session.ok()) return MakeTlsConnection(fd, std::move(session).value());
  auto plain = MakePlainConnection(fd);  // owns and closes fd
  metrics_->Inc("verbind_tls_handshake_failures_total", "listener=\"" + opt_.name + "\"", 1);
  if (opt_.on_tls_refusal) opt_.on_tls_refusal(plain->RemoteAddress(), session.status().message());
  return nullptr;
}

void HttpServer::Serve(int fd) {
  std::unique_ptr<Connection> conn = Handshake(fd);
  if (conn) {
    RequestContext ctx;
    ctx.listener = opt_.name;
    ctx.remote_address = conn->RemoteAddress();
    ctx.peer_fingerprint = conn->peer_fingerprint();
    Track(conn.get(), true);
    BufferedReader reader(conn.get());
    for (bool first = true; !stopping_; first = false) {
      if (!ServeOne(conn.get(), &reader, first, &ctx)) break;
    }
    Track(conn.get(), false);
    conn.reset();
  }
  std::lock_guard<std::mutex> lock(mu_);
  --active_;
  idle_cv_.notify_all();
}

void HttpServer::CountAnswer(int status) {
  metrics_->Inc("verbind_http_requests_total",
                "listener=\"" + opt_.name + "\",code=\"" + std::to_string(status) + "\"", 1);
}

void HttpServer::SendError(Connection* conn, int status, std::string_view code,
                           std::string_view message, const std::string& trace_id) {
  metrics_->Inc("verbind_http_early_refusals_total",
                "listener=\"" + opt_.name + "\",code=\"" + std::to_string(status) + "\"", 1);
  CountAnswer(status);
  std::string body = ErrorBody(code, message, trace_id);
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + HttpReason(status) +
                    "\r\nContent-Type: application/json\r\nConnection: close\r\n";
  if (status == 503) out += "Retry-After: 1\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  if (conn->Write(out.data(), out.size(), After(opt_.write_timeout_ms)).ok()) {
    conn->LingerClose(8u << 20, 1000);
  }
}

Status HttpServer::ReadBody(BufferedReader* reader, const HttpHead& head, const BodyFraming& f,
                            Connection* conn, std::string* body, int* error_status) {
  // The whole body must arrive within the read timeout plus one second per 64 KiB.
  auto budget_ms = [&](uint64_t bytes) {
    return opt_.read_timeout_ms + static_cast<int>(std::min<uint64_t>(bytes >> 16, 600) * 1000);
  };
  if (f.kind == BodyFraming::kLength && f.length > opt_.max_body_bytes) {
    *error_status = 413;
    return common::ResourceExhausted("body of " + std::to_string(f.length) +
                                     " bytes is over the limit of " +
                                     std::to_string(opt_.max_body_bytes));
  }
  if (f.kind != BodyFraming::kNone && Expects100Continue(head)) {
    static const char k100[] = "HTTP/1.1 100 Continue\r\n\r\n";
    RETURN_IF_ERROR(conn->Write(k100, sizeof k100 - 1, After(opt_.write_timeout_ms)));
  }
  if (f.kind == BodyFraming::kLength) {
    Status s = reader->ReadExact(f.length, body, After(budget_ms(f.length)));
    if (!s.ok()) *error_status = 408;
    return s;
  }
  if (f.kind == BodyFraming::kChunked) {
    ChunkedDecoder decoder(opt_.max_body_bytes);
    Deadline deadline = After(budget_ms(opt_.max_body_bytes));
    char buf[16384];
    while (!decoder.done()) {
      auto n = reader->ReadSome(buf, sizeof buf, deadline);
      if (!n.ok() || *n == 0) {
        *error_status = 408;
        return n.ok() ? common::InvalidArgument("body ended early") : n.status();
      }
      auto used = decoder.Feed(std::string_view(buf, *n), body);
      if (!used.ok()) {
        *error_status = used.status().code() == common::StatusCode::kResourceExhausted ? 413 : 400;
        return used.status();
      }
      // Bytes after the body belong to the next request.
      if (*used < *n) reader->Unread(std::string_view(buf + *used, *n - *used));
    }
  }
  return Status::Ok();
}

bool HttpServer::ServeOne(Connection* conn, BufferedReader* reader, bool first,
                          RequestContext* ctx) {
  Exchange x{conn, reader, ctx, first};
  return ReadRequest(x) && Answer(x);
}

bool HttpServer::ReadHeadOf(Exchange& x) {
  auto raw = x.reader->ReadHead(After(x.first ? opt_.read_timeout_ms : opt_.idle_timeout_ms),
                                After(opt_.read_timeout_ms), opt_.head_limits.max_header_bytes);
  x.started = std::chrono::steady_clock::now();
  std::string trace_id = NewTraceId();
  if (!raw.ok()) {
    switch (raw.status().code()) {
      case common::StatusCode::kResourceExhausted:
        SendError(x.conn, 431, "headers_too_large", raw.status().message(), trace_id);
        break;
      case common::StatusCode::kDeadlineExceeded:
        SendError(x.conn, 408, "timeout", "the request head did not arrive in time", trace_id);
        break;
      default:
        break;  // closed or idle: end quietly
    }
    return false;
  }
  HeadError head_error;
  auto head = ParseRequestHead(*raw, opt_.head_limits, &head_error);
  if (!head.ok()) {
    bool too_big = head_error == HeadError::kTooLarge || head_error == HeadError::kTooMany;
    SendError(x.conn, too_big ? 431 : 400, too_big ? "headers_too_large" : "malformed",
              head.status().message(), trace_id);
    return false;
  }
  x.ctx->caller_span_id.clear();
  if (auto tp = head->Header("traceparent")) {
    if (auto parent = ParseTraceparent(*tp)) {
      trace_id = parent->trace_id;
      x.ctx->caller_span_id = parent->span_id;
    }
  }
  x.ctx->trace_id = trace_id;
  x.request.head = std::move(head).value();
  return true;
}

bool HttpServer::ReadRequest(Exchange& x) {
  if (!ReadHeadOf(x)) return false;
  const std::string& trace_id = x.ctx->trace_id;
  auto framing = RequestFraming(x.request.head);
  if (!framing.ok()) {
    bool coding = framing.status().code() == common::StatusCode::kFailedPrecondition;
    SendError(x.conn, coding ? 415 : 400, coding ? "unsupported_media_type" : "malformed",
              framing.status().message(), trace_id);
    return false;
  }
  x.framing = *framing;
  SplitTarget(x.request.head.target, &x.request.path, &x.request.query);
  x.streamed = router_.IsStreamed(x.request.method(), x.request.path);
  if (x.streamed) {
    // The handler reads the body; only a declared length can be refused now.
    if (x.framing.kind == BodyFraming::kLength && x.framing.length > opt_.max_ingest_bytes) {
      SendError(x.conn, 413, "too_large",
                "upload of " + std::to_string(x.framing.length) + " bytes is over the limit of " +
                    std::to_string(opt_.max_ingest_bytes),
                trace_id);
      return false;
    }
    return true;
  }
  int error_status = 400;
  Status s = ReadBody(x.reader, x.request.head, x.framing, x.conn, &x.request.body, &error_status);
  if (!s.ok()) {
    SendError(x.conn, error_status,
              error_status == 413   ? "too_large"
              : error_status == 408 ? "timeout"
                                    : "malformed",
              s.message(), trace_id);
    return false;
  }
  return true;
}

bool HttpServer::Answer(Exchange& x) {
  if (!permits_.TryAcquireFor(std::chrono::milliseconds(opt_.read_timeout_ms))) {
    SendError(x.conn, 503, "overloaded", "the node is busy; retry shortly", x.ctx->trace_id);
    return false;
  }
  StreamedBody body(x.reader, x.framing, opt_.max_ingest_bytes, opt_.read_timeout_ms);
  if (x.streamed) {
    x.request.body_reader = &body;
    if (x.framing.kind != BodyFraming::kNone && Expects100Continue(x.request.head)) {
      static const char k100[] = "HTTP/1.1 100 Continue\r\n\r\n";
      x.conn->Write(k100, sizeof k100 - 1, After(opt_.write_timeout_ms)).IgnoreError();
    }
  }
  HttpReply reply;
  {
    common::FairSemaphore::Held held(&permits_);
    reply = router_.Dispatch(x.request, *x.ctx);
  }
  // A streamed body the handler did not read to its end leaves the connection unusable.
  bool keep_alive = !x.streamed && !stopping_ && !ClientCloses(x.request.head);
  bool written = WriteReply(x.conn, reply, x.request.method() == "HEAD", keep_alive);
  permits_.Release();
  CountAnswer(reply.status);
  metrics_->Observe(
      "verbind_http_request_seconds", "listener=\"" + opt_.name + "\"",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - x.started).count());
  return written && keep_alive;
}

bool HttpServer::WriteReply(Connection* conn, const HttpReply& reply, bool head_only,
                            bool keep_alive) {
  std::string out =
      "HTTP/1.1 " + std::to_string(reply.status) + " " + HttpReason(reply.status) + "\r\n";
  std::string_view type = reply.content_type;
  if (type.empty() && !reply.body.empty()) type = "text/plain";
  if (!type.empty()) out += "Content-Type: " + std::string(type) + "\r\n";
  out += "Date: " + common::FormatHttpDate(common::RealClock::Get().NowSeconds()) + "\r\n";
  out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
  for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
  out += keep_alive
             ? "Keep-Alive: timeout=" + std::to_string(std::max(1, opt_.idle_timeout_ms / 1000)) +
                   "\r\n\r\n"
             : std::string("Connection: close\r\n\r\n");
  // HEAD: the headers a GET would get, without the body.
  if (!head_only) out += reply.body;
  for (size_t pos = 0; pos < out.size(); pos += kWritePiece) {
    size_t n = std::min(kWritePiece, out.size() - pos);
    if (!conn->Write(out.data() + pos, n, After(opt_.write_timeout_ms)).ok()) return false;
  }
  return true;
}

}  // namespace verbind::node
