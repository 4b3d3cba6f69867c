#include "node/net/peer_clients.h"

namespace verbind::node {

using common::Result;

namespace {
constexpr size_t kMaxIdlePerPeer = 16;
}

std::string PeerClients::PoolKey(const storage::PeerRecord& peer,
                                 const std::vector<std::string>& pins) {
  std::string key = peer.org_id + "|" + peer.peer_url;
  for (const auto& fp : pins) key += "|" + fp;
  return key;
}

void PeerClients::SetTls(std::shared_ptr<const crypto::TlsContext> tls) {
  std::lock_guard<std::mutex> lock(mu_);
  tls_ = std::move(tls);
  idle_.clear();
}

Result<HttpResponse> PeerClients::Call(const storage::PeerRecord& peer, std::string_view method,
                                       std::string_view path, const Headers& headers,
                                       std::string_view body, Deadline deadline) {
  // Certificates whose overlap after a renewal has ended are no longer accepted.
  std::vector<std::string> pins = peer.CertificatesAt(clock_->NowMillis());
  if (pins.empty()) {
    return common::PermissionDenied("no certificate of " + peer.org_id + " is pinned now");
  }
  std::string key = PoolKey(peer, pins);
  std::unique_ptr<HttpClient> client;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& idle = idle_[key];
    if (!idle.empty()) {
      client = std::move(idle.back());
      idle.pop_back();
    }
  }
  if (!client) {
    ASSIGN_OR_RETURN(Endpoint ep, ParseEndpoint(peer.peer_url));
    if (!ep.tls) return common::InvalidArgument("peer URL of " + peer.org_id + " is not https");
    std::shared_ptr<const crypto::TlsContext> tls;
    {
      std::lock_guard<std::mutex> lock(mu_);
      tls = tls_;
    }
    client = std::make_unique<HttpClient>(ep, tls, pins, max_response_bytes_);
  }
  auto res = client->Request(method, path, headers, body, deadline);
  if (res.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& idle = idle_[key];
    if (idle.size() < kMaxIdlePerPeer) idle.push_back(std::move(client));
  }
  return res;
}

}  // namespace verbind::node
