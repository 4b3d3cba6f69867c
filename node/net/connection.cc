#include "node/net/connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "node/net/http_wire.h"

namespace verbind::node {

using common::Result;
using common::Status;

namespace {

Status WaitFd(int fd, short events, Deadline deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return common::DeadlineExceeded("timed out");
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1 << 30)));
    if (r > 0) return Status::Ok();
    if (r < 0 && errno != EINTR) return common::Unavailable(std::strerror(errno));
  }
}

class PlainConnection final : public Connection {
 public:
  explicit PlainConnection(int fd) : Connection(fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  Result<size_t> Read(char* buf, size_t n, Deadline deadline) override {
    for (;;) {
      ssize_t r = ::recv(fd_, buf, n, 0);
      if (r >= 0) return static_cast<size_t>(r);
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        return common::Unavailable(std::string("read failed: ") + std::strerror(errno));
      }
      RETURN_IF_ERROR(WaitFd(fd_, POLLIN, deadline));
    }
  }
  Status Write(const char* buf, size_t n, Deadline deadline) override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::send(fd_, buf + done, n - done, MSG_NOSIGNAL);
      if (r > 0) {
        done += static_cast<size_t>(r);
        continue;
      }
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        return common::Unavailable(std::string("write failed: ") + std::strerror(errno));
      }
      RETURN_IF_ERROR(WaitFd(fd_, POLLOUT, deadline));
    }
    return Status::Ok();
  }
};

class TlsConnection final : public Connection {
 public:
  TlsConnection(int fd, std::unique_ptr<crypto::TlsSession> s) : Connection(fd), s_(std::move(s)) {}
  ~TlsConnection() override { s_->Close(); }
  Result<size_t> Read(char* buf, size_t n, Deadline deadline) override {
    return s_->Read(buf, n, deadline);
  }
  Status Write(const char* buf, size_t n, Deadline deadline) override {
    return s_->Write(buf, n, deadline);
  }
  const std::string& peer_fingerprint() const override { return s_->peer_fingerprint(); }

 private:
  std::unique_ptr<crypto::TlsSession> s_;
};

}  // namespace

Connection::~Connection() { ::close(fd_); }

const std::string& Connection::peer_fingerprint() const {
  static const std::string kNone;
  return kNone;
}

void Connection::Abort() { ::shutdown(fd_, SHUT_RDWR); }

void Connection::LingerClose(size_t max_bytes, int millis) {
  ::shutdown(fd_, SHUT_WR);
  Deadline deadline = After(millis);
  char buf[16384];
  size_t drained = 0;
  while (drained < max_bytes && WaitFd(fd_, POLLIN, deadline).ok()) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR))) break;
    if (n > 0) drained += static_cast<size_t>(n);
  }
}

std::string Connection::RemoteAddress() const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "";
  char host[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&addr)->sin_addr, host, sizeof host);
  } else if (addr.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&addr)->sin6_addr, host, sizeof host);
  }
  return host;
}

std::unique_ptr<Connection> MakePlainConnection(int fd) {
  return std::make_unique<PlainConnection>(fd);
}

std::unique_ptr<Connection> MakeTlsConnection(int fd, std::unique_ptr<crypto::TlsSession> s) {
  return std::make_unique<TlsConnection>(fd, std::move(s));
}

Result<int> ConnectTcp(const std::string& host, int port, Deadline deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  int gai = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
  if (gai != 0) return common::Unavailable("cannot resolve " + host + ": " + gai_strerror(gai));
  Status last = common::Unavailable("no address for " + host);
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
      Status s = WaitFd(fd, POLLOUT, deadline);
      int err = 0;
      socklen_t len = sizeof err;
      if (s.ok() && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
        ::freeaddrinfo(res);
        return fd;
      }
      last = s.ok()
                 ? common::Unavailable("cannot connect to " + host + ":" + service + ": " +
                                       std::strerror(err))
                 : common::DeadlineExceeded("connecting to " + host + ":" + service + " timed out");
    } else {
      last = common::Unavailable("cannot connect to " + host + ":" + service + ": " +
                                 std::strerror(errno));
    }
    ::close(fd);
  }
  ::freeaddrinfo(res);
  return last;
}

Status BufferedReader::Fill(Deadline deadline) {
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  char tmp[16384];
  ASSIGN_OR_RETURN(size_t n, conn_->Read(tmp, sizeof tmp, deadline));
  if (n == 0) return common::NotFound("connection closed by peer");
  buf_.append(tmp, n);
  return Status::Ok();
}

Result<std::string> BufferedReader::ReadHead(Deadline first_byte, Deadline complete,
                                             size_t max_bytes) {
  if (buffered() == 0) {
    Status s = Fill(first_byte);
    if (!s.ok()) {
      return s.code() == common::StatusCode::kDeadlineExceeded ? common::NotFound("idle") : s;
    }
  }
  for (;;) {
    std::string_view view(buf_.data() + pos_, buf_.size() - pos_);
    size_t end = FindHeadEnd(view);
    if (end != std::string_view::npos) {
      if (end > max_bytes) return common::ResourceExhausted("request head too large");
      std::string head(view.substr(0, end));
      pos_ += end;
      return head;
    }
    if (view.size() > max_bytes) return common::ResourceExhausted("request head too large");
    Status s = Fill(complete);
    if (!s.ok()) {
      return s.code() == common::StatusCode::kNotFound
                 ? common::InvalidArgument("connection closed inside a request head")
                 : s;
    }
  }
}

Status BufferedReader::ReadExact(size_t n, std::string* out, Deadline deadline) {
  while (n > 0) {
    if (buffered() == 0) {
      Status s = Fill(deadline);
      if (!s.ok()) return s;
    }
    size_t take = std::min(n, buffered());
    out->append(buf_.data() + pos_, take);
    pos_ += take;
    n -= take;
  }
  return Status::Ok();
}

void BufferedReader::Unread(std::string_view bytes) {
  buf_ = std::string(bytes) + buf_.substr(pos_);
  pos_ = 0;
}

Result<size_t> BufferedReader::ReadSome(char* buf, size_t n, Deadline deadline) {
  if (buffered() > 0) {
    size_t take = std::min(n, buffered());
    std::memcpy(buf, buf_.data() + pos_, take);
    pos_ += take;
    return take;
  }
  return conn_->Read(buf, n, deadline);
}

}  // namespace verbind::node
