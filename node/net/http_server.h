// HttpServer: one listener (the peer listener or the local API) built for hostile networks.
//
// The server owns the accept loop and every connection: a connection gets its own lightweight
// thread, so idle and slow clients only hold that thread, never a worker. With TLS, the
// handshake (and for the peer listener the pinned client certificate) completes before a single
// HTTP byte is read. Each request head must arrive within the read timeout and within the header
// limits (else 408 or 431); it is parsed once (node/net/http_wire.h), and its body is framed and
// limited (413, 415, 400, 408) before any handler runs, or, for streamed routes, handed to the
// handler as it arrives. Only a complete, checked request takes one of `threads` execution
// permits (503 when none comes within the read timeout) and goes to the router (router()).
//
// Thread-safe: Start/Stop from one controlling thread; handlers run concurrently.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
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
#include "node/net/http_request.h"
#include "node/net/http_wire.h"
#include "node/net/metrics_sink.h"
#include "node/net/router.h"

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
  uint64_t max_ingest_bytes = uint64_t{4} << 30;  // streamed bodies
  HttpLimits head_limits;
  int read_timeout_ms = 5000;
  int write_timeout_ms = 5000;
  int idle_timeout_ms = 30000;
  std::shared_ptr<TlsContextSlot> tls;  // null: plain HTTP
  // Called when a TLS handshake fails, with the client's address and the reason.
  std::function<void(const std::string& remote, const std::string& reason)> on_tls_refusal;
};

class HttpServer {
 public:
  // `metrics` must outlive the server.
  HttpServer(HttpServerOptions options, MetricsSink* metrics);
  ~HttpServer();

  // Add routes here before Start().
  Router& router() { return router_; }

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
  // One request on a connection, from its parsed head to its written reply.
  struct Exchange;

  void AcceptLoop();
  void Serve(int fd);
  std::unique_ptr<Connection> Handshake(int fd);
  bool ServeOne(Connection* conn, BufferedReader* reader, bool first, RequestContext* ctx);
  // Reads and checks the head (and its trace context); answers what it refuses. False when the
  // connection is done.
  bool ReadHeadOf(Exchange& x);
  // The head, then the body unless the route streams it; answers what it refuses.
  bool ReadRequest(Exchange& x);
  // Runs the route under an execution permit and writes its reply. False when the connection
  // is done.
  bool Answer(Exchange& x);
  common::Status ReadBody(BufferedReader* reader, const HttpHead& head, const BodyFraming& f,
                          Connection* conn, std::string* body, int* error_status);
  bool WriteReply(Connection* conn, const HttpReply& reply, bool head_only, bool keep_alive);
  void SendError(Connection* conn, int status, std::string_view code, std::string_view message,
                 const std::string& trace_id);
  void CountAnswer(int status);
  void Track(Connection* conn, bool add);

  HttpServerOptions opt_;
  MetricsSink* metrics_;
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

}  // namespace verbind::node
