// PeerClients: outgoing mutual-TLS connections to peers, kept alive and pooled per peer. The
// server must present a certificate pinned for that peer in the registry and valid now (a
// previous certificate only until its overlap ends); a change of the pinned set or the URL
// gives new connections. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "node/net/http_client.h"
#include "storage/peer_registry.h"

namespace verbind::node {

class PeerClients {
 public:
  // `clock` must outlive this object.
  PeerClients(std::shared_ptr<const crypto::TlsContext> tls, size_t max_response_bytes,
              const common::Clock* clock)
      : tls_(std::move(tls)), max_response_bytes_(max_response_bytes), clock_(clock) {}

  // Uses another client certificate from now on (after renewal); drops pooled connections.
  void SetTls(std::shared_ptr<const crypto::TlsContext> tls);
  // One request to `peer` on a pooled connection.
  common::Result<HttpResponse> Call(const storage::PeerRecord& peer, std::string_view method,
                                    std::string_view path, const Headers& headers,
                                    std::string_view body, Deadline deadline);

 private:
  static std::string PoolKey(const storage::PeerRecord& peer, const std::vector<std::string>& pins);
  std::shared_ptr<const crypto::TlsContext> tls_;
  size_t max_response_bytes_;
  const common::Clock* clock_;
  std::mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<HttpClient>>> idle_;
};

}  // namespace verbind::node
