#include "node/http_server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/encoding.h"
#include "common/log.h"
#include "common/strings.h"
#include "crypto/random.h"
#include "node/http_status.h"

namespace verbind::node {

using common::Result;
using common::Status;

namespace {

thread_local const RequestContext* g_current = nullptr;

// Feeds cpp-httplib a request from memory (a rebuilt head and the checked body) or, for
// streamed uploads, the head followed by the body as it arrives, within a byte budget.
// Writes are buffered and sent in large pieces.
class ReplayStream final : public httplib::Stream {
 public:
  ReplayStream(Connection* conn, std::string input, BufferedReader* stream_from,
               uint64_t stream_budget, int read_timeout_ms, int write_timeout_ms,
               RequestContext* ctx)
      : conn_(conn),
        in_(std::move(input)),
        reader_(stream_from),
        budget_(stream_budget),
        read_ms_(read_timeout_ms),
        write_ms_(write_timeout_ms),
        ctx_(ctx) {}

  bool is_readable() const override { return pos_ < in_.size() || reader_ != nullptr; }
  bool is_writable() const override { return !write_failed_; }

  ssize_t read(char* ptr, size_t size) override {
    if (pos_ < in_.size()) {
      size_t n = std::min(size, in_.size() - pos_);
      std::memcpy(ptr, in_.data() + pos_, n);
      pos_ += n;
      return static_cast<ssize_t>(n);
    }
    if (!reader_) return 0;
    if (streamed_ >= budget_) {
      ctx_->body_limit_exceeded = true;
      return -1;
    }
    size = static_cast<size_t>(std::min<uint64_t>(size, budget_ - streamed_));
    auto n = reader_->ReadSome(ptr, size, After(read_ms_));
    if (!n.ok()) return -1;
    streamed_ += *n;
    if (chunked_) {
      // The limit is on the body, not on its chunk framing: decode alongside cpp-httplib.
      std::string scratch;
      auto used = chunked_->Feed(std::string_view(ptr, *n), &scratch);
      if (!used.ok()) {
        ctx_->body_limit_exceeded = used.status().code() == common::StatusCode::kResourceExhausted;
        return -1;
      }
    }
    return static_cast<ssize_t>(*n);
  }

  // Streamed bodies with chunked framing are checked against `max_bytes` decoded.
  void LimitChunkedBody(uint64_t max_bytes) { chunked_.emplace(max_bytes); }

  ssize_t write(const char* ptr, size_t size) override {
    if (write_failed_) return -1;
    out_.append(ptr, size);
    if (out_.size() >= (256u << 10) && !Flush()) return -1;
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = ctx_->remote_address;
    port = 0;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "";
    port = 0;
  }
  socket_t socket() const override { return conn_->fd(); }

  bool Flush() {
    if (out_.empty()) return !write_failed_;
    Status s = conn_->Write(out_.data(), out_.size(), After(write_ms_));
    out_.clear();
    if (!s.ok()) write_failed_ = true;
    return s.ok();
  }

 private:
  Connection* conn_;
  std::string in_;
  size_t pos_ = 0;
  BufferedReader* reader_;
  uint64_t budget_;
  uint64_t streamed_ = 0;
  std::optional<ChunkedDecoder> chunked_;
  int read_ms_;
  int write_ms_;
  RequestContext* ctx_;
  std::string out_;
  bool write_failed_ = false;
};

bool IsHopHeader(std::string_view name) {
  std::string n = common::ToLower(name);
  return n == "content-length" || n == "transfer-encoding" || n == "expect";
}

// The head cpp-httplib sees: the same request with a plain Content-Length body.
std::string RebuildHead(const HttpHead& head, size_t body_size, bool has_body) {
  std::string out = head.method + " " + head.target + " " + head.version + "\r\n";
  for (const auto& [k, v] : head.headers) {
    if (!IsHopHeader(k)) out += k + ": " + v + "\r\n";
  }
  if (has_body) out += "Content-Length: " + std::to_string(body_size) + "\r\n";
  out += "\r\n";
  return out;
}

}  // namespace

const RequestContext& CurrentRequest() {
  static const RequestContext kNone;
  return g_current ? *g_current : kNone;
}

std::string NewTraceId() {
  uint8_t b[16];
  crypto::SystemRandom::Get().Fill(b);
  return common::HexEncode(b);
}

std::string TraceIdFromTraceparent(std::string_view v) {
  // version "-" trace-id (32 hex) "-" parent-id (16 hex) "-" flags (2 hex)
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return "";
  std::string_view id = v.substr(3, 32);
  bool zero = true;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return "";
    if (c != '0') zero = false;
  }
  return zero ? "" : std::string(id);
}

std::string MakeTraceparent(std::string_view trace_id, std::string_view span_id) {
  return "00-" + std::string(trace_id) + "-" + std::string(span_id) + "-01";
}

HttpServer::HttpServer(HttpServerOptions options, Metrics* metrics)
    : opt_(std::move(options)), metrics_(metrics), permits_(opt_.threads) {
  router_.set_keep_alive_timeout(std::max(1, opt_.idle_timeout_ms / 1000));
  router_.set_keep_alive_max_count(100000);
  router_.set_payload_max_length(std::max<uint64_t>(opt_.max_body_bytes, opt_.max_ingest_bytes));
  router_.set_tcp_nodelay(true);
  router_.set_read_timeout(opt_.read_timeout_ms / 1000, (opt_.read_timeout_ms % 1000) * 1000);
  router_.set_write_timeout(opt_.write_timeout_ms / 1000, (opt_.write_timeout_ms % 1000) * 1000);
  router_.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unexpected error";
        try {
          std::rethrow_exception(ep);
        } catch (const nlohmann::json::exception& e) {
          // A request member of the wrong type (JSON bodies are read with typed accessors).
          WriteError(res, common::InvalidArgument(std::string("a request member has the wrong "
                                                              "type or value: ") +
                                                  e.what()));
          return;
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        common::LogError("http", "handler threw: " + what);
        WriteError(res, common::Internal("the request could not be completed"));
      });
  router_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    // Every error answer is JSON, also those cpp-httplib makes itself.
    int status = res.status;
    if (status == 404) {
      WriteError(res, common::NotFound("no such endpoint: " + req.method + " " + req.path));
    } else if (status == 400) {
      WriteError(res, 400, "malformed", "the request line or method is not understood");
    } else {
      WriteError(res, status, "http_" + std::to_string(status), HttpReason(status));
    }
    res.status = status;
  });
  router_.set_logger([this](const httplib::Request&, const httplib::Response& res) {
    metrics_->Inc("verbind_http_requests_total",
                  "listener=\"" + opt_.name + "\",code=\"" + std::to_string(res.status) + "\"");
  });
}

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
      metrics_->Inc("verbind_connections_refused_total", "listener=\"" + opt_.name + "\"");
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

void HttpServer::Serve(int fd) {
  std::unique_ptr<Connection> conn;
  RequestContext ctx;
  ctx.listener = opt_.name;
  if (opt_.tls) {
    std::shared_ptr<const crypto::TlsContext> tls = opt_.tls->get();
    auto session = crypto::TlsSession::Accept(*tls, fd, After(opt_.read_timeout_ms));
    if (session.ok()) {
      conn = MakeTlsConnection(fd, std::move(session).value());
    } else {
      auto plain = MakePlainConnection(fd);  // owns and closes fd
      metrics_->Inc("verbind_tls_handshake_failures_total", "listener=\"" + opt_.name + "\"");
      if (opt_.on_tls_refusal)
        opt_.on_tls_refusal(plain->RemoteAddress(), session.status().message());
    }
  } else {
    conn = MakePlainConnection(fd);
  }
  if (conn) {
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

void HttpServer::SendError(Connection* conn, int status, std::string_view code,
                           std::string_view message, const std::string& trace_id) {
  metrics_->Inc("verbind_http_early_refusals_total",
                "listener=\"" + opt_.name + "\",code=\"" + std::to_string(status) + "\"");
  metrics_->Inc("verbind_http_requests_total",
                "listener=\"" + opt_.name + "\",code=\"" + std::to_string(status) + "\"");
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
  if (f.kind != BodyFraming::kNone && head.Header("Expect") &&
      common::ToLower(*head.Header("Expect")) == "100-continue") {
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
  auto raw = reader->ReadHead(After(first ? opt_.read_timeout_ms : opt_.idle_timeout_ms),
                              After(opt_.read_timeout_ms), opt_.head_limits.max_header_bytes);
  auto started = std::chrono::steady_clock::now();
  std::string trace_id = NewTraceId();
  if (!raw.ok()) {
    switch (raw.status().code()) {
      case common::StatusCode::kNotFound:
        break;  // closed or idle: end quietly
      case common::StatusCode::kResourceExhausted:
        SendError(conn, 431, "headers_too_large", raw.status().message(), trace_id);
        break;
      case common::StatusCode::kDeadlineExceeded:
        SendError(conn, 408, "timeout", "the request head did not arrive in time", trace_id);
        break;
      default:
        break;
    }
    return false;
  }
  HeadError head_error;
  auto head = ParseRequestHead(*raw, opt_.head_limits, &head_error);
  if (!head.ok()) {
    bool too_big = head_error == HeadError::kTooLarge || head_error == HeadError::kTooMany;
    SendError(conn, too_big ? 431 : 400, too_big ? "headers_too_large" : "malformed",
              head.status().message(), trace_id);
    return false;
  }
  ctx->parent_id.clear();
  if (auto tp = head->Header("traceparent")) {
    std::string id = TraceIdFromTraceparent(*tp);
    if (!id.empty()) {
      trace_id = id;
      ctx->parent_id = std::string(tp->substr(36, 16));
    }
  }
  ctx->trace_id = trace_id;
  ctx->body_limit_exceeded = false;
  auto framing = RequestFraming(*head);
  if (!framing.ok()) {
    bool coding = framing.status().code() == common::StatusCode::kFailedPrecondition;
    SendError(conn, coding ? 415 : 400, coding ? "unsupported_media_type" : "malformed",
              framing.status().message(), trace_id);
    return false;
  }
  bool streaming = opt_.is_streaming && opt_.is_streaming(*head);
  std::string input;
  uint64_t stream_budget = 0;
  if (streaming) {
    if (framing->kind == BodyFraming::kLength && framing->length > opt_.max_ingest_bytes) {
      SendError(conn, 413, "too_large",
                "upload of " + std::to_string(framing->length) + " bytes is over the limit of " +
                    std::to_string(opt_.max_ingest_bytes),
                trace_id);
      return false;
    }
    input = *raw;
    // Chunk framing adds a little to the raw size; the handler sees the flag when cut off.
    stream_budget = opt_.max_ingest_bytes + (opt_.max_ingest_bytes >> 6) + 4096;
  } else {
    std::string body;
    int error_status = 400;
    Status s = ReadBody(reader, *head, *framing, conn, &body, &error_status);
    if (!s.ok()) {
      SendError(conn, error_status,
                error_status == 413   ? "too_large"
                : error_status == 408 ? "timeout"
                                      : "malformed",
                s.message(), trace_id);
      return false;
    }
    input = RebuildHead(*head, body.size(), framing->kind != BodyFraming::kNone) + body;
  }
  if (!permits_.TryAcquireFor(std::chrono::milliseconds(opt_.read_timeout_ms))) {
    SendError(conn, 503, "overloaded", "the node is busy; retry shortly", trace_id);
    return false;
  }
  ReplayStream stream(conn, std::move(input), streaming ? reader : nullptr, stream_budget,
                      opt_.read_timeout_ms, opt_.write_timeout_ms, ctx);
  if (streaming && framing->kind == BodyFraming::kChunked) {
    stream.LimitChunkedBody(opt_.max_ingest_bytes);
  }
  bool closed = false;
  g_current = ctx;
  bool ok;
  {
    common::FairSemaphore::Held held(&permits_);
    ok = router_.Process(stream, stopping_.load(), closed);
  }
  g_current = nullptr;
  ok = stream.Flush() && ok;
  permits_.Release();
  metrics_->Observe(
      "verbind_http_request_seconds", "listener=\"" + opt_.name + "\"",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  // A streamed body the handler did not read to the end leaves the connection unusable.
  if (streaming) return false;
  return ok && !closed;
}

}  // namespace verbind::node
