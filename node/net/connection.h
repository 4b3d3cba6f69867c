// Byte streams over sockets with deadlines: plain TCP and TLS (through crypto::TlsSession).
// A Connection owns its socket and closes it when destroyed. Thread-compatible: one thread
// uses a connection at a time.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "crypto/tls.h"

namespace verbind::node {

using Deadline = std::chrono::steady_clock::time_point;
inline Deadline After(int millis) {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(millis);
}

class Connection {
 public:
  virtual ~Connection();
  // Up to `n` bytes; 0 when the peer closed; DeadlineExceeded when nothing came in time.
  virtual common::Result<size_t> Read(char* buf, size_t n, Deadline deadline) = 0;
  // All `n` bytes, or an error.
  virtual common::Status Write(const char* buf, size_t n, Deadline deadline) = 0;
  // Fingerprint of the peer's TLS certificate; empty for plain connections.
  virtual const std::string& peer_fingerprint() const;
  // Stops both directions now (another thread may be blocked in Read); safe from any thread.
  void Abort();
  // Half-closes (no more writes) and discards what the peer still sends, up to `max_bytes` or
  // `millis`, so a response already sent is not destroyed by a TCP reset when the peer is still
  // sending a body we refused.
  void LingerClose(size_t max_bytes, int millis);
  int fd() const { return fd_; }
  std::string RemoteAddress() const;

 protected:
  explicit Connection(int fd) : fd_(fd) {}
  int fd_;
};

// A plain TCP connection (the socket is set non-blocking).
std::unique_ptr<Connection> MakePlainConnection(int fd);
// A TLS connection whose handshake has completed.
std::unique_ptr<Connection> MakeTlsConnection(int fd, std::unique_ptr<crypto::TlsSession> session);

// Connects to host:port (numeric or a name) before the deadline; returns the socket.
common::Result<int> ConnectTcp(const std::string& host, int port, Deadline deadline);

// Reads from a connection through a buffer: heads up to a terminator, then exact byte counts.
class BufferedReader {
 public:
  explicit BufferedReader(Connection* conn) : conn_(conn) {}
  // Reads until a blank line ends an HTTP head. The first byte may take until `first_byte`;
  // the rest must arrive by `complete`. Returns the head (with its final CRLFCRLF). NotFound
  // when the peer closed or went idle before sending anything; ResourceExhausted when more
  // than `max_bytes` arrive without a terminator; DeadlineExceeded when the head is too slow.
  common::Result<std::string> ReadHead(Deadline first_byte, Deadline complete, size_t max_bytes);
  // Appends exactly `n` bytes to `out`.
  common::Status ReadExact(size_t n, std::string* out, Deadline deadline);
  // Some bytes (buffered first, else from the connection); 0 at end of stream.
  common::Result<size_t> ReadSome(char* buf, size_t n, Deadline deadline);
  size_t buffered() const { return buf_.size() - pos_; }
  // Puts bytes back in front of the buffer (read too far past the end of a message).
  void Unread(std::string_view bytes);

 private:
  common::Status Fill(Deadline deadline);
  Connection* conn_;
  std::string buf_;
  size_t pos_ = 0;
};

}  // namespace verbind::node
