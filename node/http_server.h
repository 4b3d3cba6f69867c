// HttpServer: one listener (the peer listener or the local API) built for hostile networks.
//
// The server owns the accept loop and every connection: a connection gets its own lightweight
// thread, so idle and slow clients only hold that thread, never a worker. Each request head
// must arrive within the read timeout and within the header limits (else 408 or 431); bodies
// are framed and limited here (413, 415, 400) before any handler runs; only a complete,
// checked request takes one of `threads` execution permits and is handed to cpp-httplib's
// router (registered through routes()). With TLS, the handshake (and for the peer listener the
// pinned client certificate) completes before a single HTTP byte is read.
//
// Thread-safe: Start/Stop from one controlling thread; handlers run concurrently.
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/fair_semaphore.h"
#include "common/status.h"
#include "crypto/tls.h"
#include "node/net/connection.h"
#include "node/net/http_wire.h"
#include "node/metrics.h"

namespace verbind::node {

// The TLS context a listener uses, replaceable while it runs (certificate renewal): every new
// connection takes the current one. Thread-safe.
class TlsContextSlot {
 public:
  explicit TlsContextSlot(std::shared_ptr<const crypto::TlsContext> ctx) : ctx_(std::move(ctx)) {}
  std::shared_ptr<const crypto::TlsContext> get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ctx_;
  }
  void set(std::shared_ptr<const crypto::TlsContext> ctx) {
    std::lock_guard<std::mutex> lock(mu_);
    ctx_ = std::move(ctx);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const crypto::TlsContext> ctx_;
};

struct HttpServerOptions {
  std::string name;  // "peer" or "api": metric label and log component
  std::string host;
  int port = 0;
  int threads = 16;
  int max_connections = 512;
  size_t max_body_bytes = 1 << 20;
  uint64_t max_ingest_bytes = uint64_t{4} << 30;
  HttpLimits head_limits;
  int read_timeout_ms = 5000;
  int write_timeout_ms = 5000;
  int idle_timeout_ms = 30000;
  std::shared_ptr<TlsContextSlot> tls;  // null: plain HTTP
  // Requests whose body is streamed to the handler (record uploads) instead of buffered.
  std::function<bool(const HttpHead&)> is_streaming;
  // Called when a TLS handshake fails, with the client's certificate fingerprint if it sent
  // one (for auditing refused known peers).
  std::function<void(const std::string& remote, const std::string& reason)> on_tls_refusal;
};

// What a handler may learn about the connection and request it is serving. Valid only on the
// thread running the handler, for the duration of the call.
struct RequestContext {
  std::string listener;
  std::string remote_address;
  std::string peer_fingerprint;      // TLS client certificate (peer listener)
  std::string trace_id;              // 32 hex: from `traceparent` or new
  std::string parent_id;             // 16 hex: the caller's span id from `traceparent`, if any
  bool body_limit_exceeded = false;  // a streamed body passed max_ingest_bytes
};
const RequestContext& CurrentRequest();

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, Metrics* metrics);
  ~HttpServer();

  // Register handlers here before Start().
  httplib::Server& routes() { return router_; }

  // Binds and listens. The error names the address and says when it is already in use.
  common::Status Bind();
  // The bound port (after Bind).
  int port() const { return port_; }
  // Starts accepting on a background thread.
  void Start();
  // Stops accepting, aborts open connections, waits for handlers to finish.
  void Stop();

  int active_connections() const { return active_.load(); }

 private:
  class Router : public httplib::Server {
   public:
    bool Process(httplib::Stream& strm, bool close, bool& closed) {
      return process_request(strm, close, closed, nullptr);
    }
  };
  struct Request;

  void AcceptLoop();
  void Serve(int fd);
  bool ServeOne(Connection* conn, BufferedReader* reader, bool first, RequestContext* ctx);
  common::Status ReadBody(BufferedReader* reader, const HttpHead& head, const BodyFraming& f,
                          Connection* conn, std::string* body, int* error_status);
  void SendError(Connection* conn, int status, std::string_view code, std::string_view message,
                 const std::string& trace_id);
  void Track(Connection* conn, bool add);

  HttpServerOptions opt_;
  Metrics* metrics_;
  Router router_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread accept_thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> active_{0};
  common::FairSemaphore permits_;
  std::mutex mu_;
  std::condition_variable idle_cv_;
  std::set<Connection*> open_;
};

// A new W3C trace id (32 lower-case hex).
std::string NewTraceId();
// The trace id of a valid `traceparent` header value, or empty.
std::string TraceIdFromTraceparent(std::string_view value);
// A `traceparent` header value for this trace and a span id (16 hex).
std::string MakeTraceparent(std::string_view trace_id, std::string_view span_id);

}  // namespace verbind::node
