#include "crypto/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <poll.h>

#include "crypto/internal/openssl_util.h"

namespace verbind::crypto {

using common::Result;
using common::Status;

namespace {

constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";
constexpr char kTls13Suites[] =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

int PinsIndex() {
  static const int idx = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return idx;
}

// Accepts the peer's chain when its leaf is pinned; the chain's issuers do not matter because
// trust comes from the pin, and the handshake proves possession of the leaf's key.
int VerifyPinned(int preverify_ok, X509_STORE_CTX* store) {
  (void)preverify_ok;
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  X509* leaf = X509_STORE_CTX_get_current_cert(store);
  SSL* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* pins = static_cast<const PinCheck*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), PinsIndex()));
  if (!leaf || !pins || !*pins) return 0;
  if (X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0) return 0;  // expired
  return (*pins)(internal::FingerprintOf(leaf)) ? 1 : 0;
}

Status Harden(SSL_CTX* ctx) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1 ||
      SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") != 1) {
    return internal::OpenSslError("configuring TLS ciphers");
  }
  return Status::Ok();
}

Status UseChainAndKey(SSL_CTX* ctx, std::string_view cert_pem, std::string_view key_pem) {
  internal::BioPtr bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  internal::X509Ptr leaf(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!leaf || SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
    return internal::OpenSslError("TLS certificate is not a usable PEM certificate");
  }
  while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    SSL_CTX_add0_chain_cert(ctx, extra);
  }
  ERR_clear_error();  // the loop above ends on a "no start line" error
  ASSIGN_OR_RETURN(internal::PkeyPtr key, internal::ParsePrivateKeyPem(key_pem));
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return internal::OpenSslError("TLS private key does not match the certificate");
  }
  return Status::Ok();
}

Status WaitFor(int fd, short events, Deadline deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return common::DeadlineExceeded("TLS peer too slow");
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1 << 30)));
    if (r > 0) return Status::Ok();
    if (r < 0 && errno != EINTR) return common::Unavailable("poll failed");
  }
}

}  // namespace

Result<std::unique_ptr<TlsContext>> TlsContext::Server(std::string_view cert_pem,
                                                       std::string_view key_pem,
                                                       PinCheck client_pins) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return internal::OpenSslError("creating TLS server context");
  std::unique_ptr<TlsContext> out(new TlsContext(ctx, std::move(client_pins)));
  RETURN_IF_ERROR(Harden(ctx));
  RETURN_IF_ERROR(UseChainAndKey(ctx, cert_pem, key_pem));
  if (out->pins_) {
    SSL_CTX_set_ex_data(ctx, PinsIndex(), &out->pins_);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, VerifyPinned);
  }
  return out;
}

Result<std::unique_ptr<TlsContext>> TlsContext::Client(std::string_view cert_pem,
                                                       std::string_view key_pem) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) return internal::OpenSslError("creating TLS client context");
  std::unique_ptr<TlsContext> out(new TlsContext(ctx, nullptr));
  RETURN_IF_ERROR(Harden(ctx));
  if (!cert_pem.empty()) RETURN_IF_ERROR(UseChainAndKey(ctx, cert_pem, key_pem));
  // The server's certificate is checked against the expected pin after the handshake.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
  return out;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

Result<std::unique_ptr<TlsSession>> TlsSession::Accept(const TlsContext& ctx, int fd,
                                                       Deadline deadline) {
  SSL* ssl = SSL_new(ctx.native());
  if (!ssl) return internal::OpenSslError("creating TLS session");
  std::unique_ptr<TlsSession> s(new TlsSession(ssl, fd));
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  SSL_set_fd(ssl, fd);
  RETURN_IF_ERROR(s->Handshake(true, deadline));
  return s;
}

Result<std::unique_ptr<TlsSession>> TlsSession::Connect(const TlsContext& ctx, int fd,
                                                        std::string_view server_name,
                                                        const std::vector<std::string>& expected,
                                                        Deadline deadline) {
  SSL* ssl = SSL_new(ctx.native());
  if (!ssl) return internal::OpenSslError("creating TLS session");
  std::unique_ptr<TlsSession> s(new TlsSession(ssl, fd));
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  SSL_set_fd(ssl, fd);
  std::string sni(server_name);
  if (!sni.empty()) SSL_set_tlsext_host_name(ssl, sni.c_str());
  RETURN_IF_ERROR(s->Handshake(false, deadline));
  if (std::find(expected.begin(), expected.end(), s->peer_fingerprint_) == expected.end()) {
    return common::PermissionDenied("peer TLS certificate " + s->peer_fingerprint_ +
                                    " is not the pinned one");
  }
  return s;
}

Status TlsSession::Handshake(bool server, Deadline deadline) {
  for (;;) {
    ERR_clear_error();
    int r = server ? SSL_accept(ssl_) : SSL_connect(ssl_);
    if (r == 1) break;
    int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_WANT_READ) {
      RETURN_IF_ERROR(WaitFor(fd_, POLLIN, deadline));
    } else if (err == SSL_ERROR_WANT_WRITE) {
      RETURN_IF_ERROR(WaitFor(fd_, POLLOUT, deadline));
    } else {
      Status e = internal::OpenSslError("TLS handshake failed");
      return common::Unauthenticated(e.message());
    }
  }
  if (X509* peer = SSL_get0_peer_certificate(ssl_)) {
    peer_fingerprint_ = internal::FingerprintOf(peer);
  }
  return Status::Ok();
}

Result<size_t> TlsSession::Read(char* buf, size_t n, Deadline deadline) {
  for (;;) {
    ERR_clear_error();
    size_t got = 0;
    int r = SSL_read_ex(ssl_, buf, n, &got);
    if (r == 1) return got;
    int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_WANT_READ) {
      RETURN_IF_ERROR(WaitFor(fd_, POLLIN, deadline));
    } else if (err == SSL_ERROR_WANT_WRITE) {
      RETURN_IF_ERROR(WaitFor(fd_, POLLOUT, deadline));
    } else if (err == SSL_ERROR_ZERO_RETURN) {
      return size_t{0};
    } else {
      return common::Unavailable(internal::OpenSslError("TLS read failed").message());
    }
  }
}

Status TlsSession::Write(const char* buf, size_t n, Deadline deadline) {
  size_t done = 0;
  while (done < n) {
    ERR_clear_error();
    size_t wrote = 0;
    int r = SSL_write_ex(ssl_, buf + done, n - done, &wrote);
    if (r == 1) {
      done += wrote;
      continue;
    }
    int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_WANT_WRITE) {
      RETURN_IF_ERROR(WaitFor(fd_, POLLOUT, deadline));
    } else if (err == SSL_ERROR_WANT_READ) {
      RETURN_IF_ERROR(WaitFor(fd_, POLLIN, deadline));
    } else {
      return common::Unavailable(internal::OpenSslError("TLS write failed").message());
    }
  }
  return Status::Ok();
}

bool TlsSession::HasBufferedData() const { return SSL_pending(ssl_) > 0; }

void TlsSession::Close() {
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

std::string TlsSession::ProtocolVersion() const { return SSL_get_version(ssl_); }

std::string TlsSession::CipherName() const {
  const char* name = SSL_get_cipher_name(ssl_);
  return name ? name : "";
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

}  // namespace verbind::crypto
