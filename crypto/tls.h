// TLS for both listeners and for outgoing peer connections (OpenSSL). Only TLS 1.2 and 1.3,
// forward-secret AEAD cipher suites, no renegotiation, no compression, no session resumption
// (so every connection is checked against the current trust store).
//
// Peers are pinned: a certificate is accepted when the SHA-256 fingerprint of its DER encoding
// is accepted by the caller's PinCheck, whatever its issuer. A TlsContext is thread-safe and
// shared; a TlsSession belongs to one thread at a time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

struct ssl_ctx_st;
struct ssl_st;

namespace verbind::crypto {

using Deadline = std::chrono::steady_clock::time_point;
// Decides whether a certificate fingerprint (lower-case hex) belongs to an admitted peer.
// Called during handshakes, from many threads at once.
using PinCheck = std::function<bool(std::string_view fingerprint)>;

class TlsContext {
 public:
  // A server context with this certificate chain and key. With `client_pins`, a client
  // certificate is required and must pass the check; without, none is requested.
  static common::Result<std::unique_ptr<TlsContext>> Server(std::string_view cert_pem,
                                                            std::string_view key_pem,
                                                            PinCheck client_pins);
  // A client context presenting this certificate and key (mutual TLS); with an empty
  // certificate it presents none.
  static common::Result<std::unique_ptr<TlsContext>> Client(std::string_view cert_pem,
                                                            std::string_view key_pem);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  ssl_ctx_st* native() const { return ctx_; }
  const PinCheck& pins() const { return pins_; }

 private:
  TlsContext(ssl_ctx_st* ctx, PinCheck pins) : ctx_(ctx), pins_(std::move(pins)) {}
  ssl_ctx_st* ctx_;
  PinCheck pins_;
};

// One TLS connection over a connected socket that the caller owns and closes. The socket is
// switched to non-blocking mode; every call waits at most until its deadline.
class TlsSession {
 public:
  // Server side handshake. Fails (and the client gets an alert) when the client presents no
  // certificate or one the context's PinCheck refuses.
  static common::Result<std::unique_ptr<TlsSession>> Accept(const TlsContext& ctx, int fd,
                                                            Deadline deadline);
  // Client side handshake; succeeds only when the server's certificate fingerprint is one of
  // `expected_fingerprints` (two during a certificate renewal overlap).
  static common::Result<std::unique_ptr<TlsSession>> Connect(
      const TlsContext& ctx, int fd, std::string_view server_name,
      const std::vector<std::string>& expected_fingerprints, Deadline deadline);
  ~TlsSession();

  // Reads up to `n` bytes: the count, 0 when the peer closed, DeadlineExceeded, or Unavailable.
  common::Result<size_t> Read(char* buf, size_t n, Deadline deadline);
  // Writes all `n` bytes before the deadline.
  common::Status Write(const char* buf, size_t n, Deadline deadline);
  // True when decrypted bytes are buffered (a poll on the socket would miss them).
  bool HasBufferedData() const;
  // Sends close_notify, best effort, without waiting.
  void Close();

  // Fingerprint of the peer's leaf certificate; empty when it sent none.
  const std::string& peer_fingerprint() const { return peer_fingerprint_; }
  // "TLSv1.3" and the cipher suite, for logs and tests.
  std::string ProtocolVersion() const;
  std::string CipherName() const;

 private:
  TlsSession(ssl_st* ssl, int fd) : ssl_(ssl), fd_(fd) {}
  common::Status Handshake(bool server, Deadline deadline);
  ssl_st* ssl_;
  int fd_;
  std::string peer_fingerprint_;
};

}  // namespace verbind::crypto
