#include "node/net/peer_tls.h"

namespace verbind::node {

common::Result<std::shared_ptr<const crypto::TlsContext>> PeerListenerTls(
    const storage::PeerRegistry* peers, std::string_view cert_pem, std::string_view key_pem) {
  ASSIGN_OR_RETURN(auto ctx,
                   crypto::TlsContext::Server(cert_pem, key_pem, [peers](std::string_view fp) {
                     return peers->IsActiveFingerprint(fp);
                   }));
  return std::shared_ptr<const crypto::TlsContext>(std::move(ctx));
}

}  // namespace verbind::node
