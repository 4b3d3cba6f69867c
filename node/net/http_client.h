// HttpClient: HTTP/1.1 over one kept-alive connection, plain or TLS with a pinned server
// certificate (and a client certificate for mutual TLS). Every call has a deadline that covers
// connecting, sending and receiving, and responses are size-limited. Used by the CLI to reach
// the local API and by the coordinator to reach peers. Thread-compatible: one request at a time.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "crypto/tls.h"
#include "node/net/connection.h"
#include "node/net/http_wire.h"

namespace verbind::node {

struct Endpoint {
  bool tls = false;
  std::string host;
  int port = 0;
  std::string ToString() const;
};
// Parses "http://host:port" or "https://host:port" (a path is ignored).
common::Result<Endpoint> ParseEndpoint(std::string_view url);

struct HttpResponse {
  int status = 0;
  HttpHead head;
  std::string body;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  // For https, `tls` supplies the client certificate (may be a context without one) and the
  // server must present a certificate with one of the `pinned` fingerprints.
  HttpClient(Endpoint endpoint, std::shared_ptr<const crypto::TlsContext> tls,
             std::vector<std::string> pinned, size_t max_response_bytes = 64u << 20);
  ~HttpClient();

  common::Result<HttpResponse> Request(std::string_view method, std::string_view path,
                                       const Headers& headers, std::string_view body,
                                       Deadline deadline);
  // Sends a body of `length` bytes pulled from `source` (which returns 0 at the end).
  using BodySource = std::function<common::Result<size_t>(char* buf, size_t n)>;
  common::Result<HttpResponse> Upload(std::string_view method, std::string_view path,
                                      const Headers& headers, uint64_t length,
                                      const BodySource& source, Deadline deadline);
  // Drops the kept-alive connection.
  void Reset();
  const Endpoint& endpoint() const { return endpoint_; }

 private:
  common::Status Connect(Deadline deadline);
  common::Result<HttpResponse> ReadResponse(std::string_view method, Deadline deadline);
  common::Status ReadBody(const HttpHead& head, std::string* body, Deadline deadline);
  std::string HeadText(std::string_view method, std::string_view path, const Headers& headers,
                       uint64_t length, bool has_body) const;

  Endpoint endpoint_;
  std::shared_ptr<const crypto::TlsContext> tls_;
  std::vector<std::string> pinned_;
  size_t max_response_bytes_;
  std::unique_ptr<Connection> conn_;
  std::unique_ptr<BufferedReader> reader_;
  std::chrono::steady_clock::time_point last_used_;
};

}  // namespace verbind::node
