// Resource limits of both listeners against a real node process: oversized, endless,
// ambiguous and compressed bodies, oversized and too many headers, slow heads, idle and
// slow-dribbling connections at ten times the worker pool, more connections than allowed, and
// a peer over its request rate (scan bounds: query_limits_e2e_test.cc).
// Each case checks the status and code the node answers with, that the answer comes early (the
// node does not read what it refuses), and that the node keeps serving. Lines starting with
// "figure:" report measurements for docs/security.md.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/encoding.h"
#include "common/files.h"
#include "common/strings.h"
#include "federation/envelope.h"
#include "node/net/connection.h"
#include "tests/node_harness.h"

namespace verbind::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Under AddressSanitizer freed memory is quarantined on purpose, so resident memory is no
// measure of what the node keeps; the memory bound is checked in the other builds.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif
using nlohmann::json;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// What the node answered on a raw connection: status, error code, and how long it took.
struct Answer {
  int status = 0;
  std::string code;
  std::string text;
  double seconds = 0;
};

Answer Parse(const std::string& text, double seconds) {
  Answer a;
  a.text = text;
  a.seconds = seconds;
  if (common::StartsWith(text, "HTTP/1.1 ") && text.size() >= 12) {
    a.status = std::atoi(text.substr(9, 3).c_str());
  }
  size_t body = text.find("\r\n\r\n");
  if (body != std::string::npos) {
    json j = json::parse(text.substr(body + 4), nullptr, false);
    if (j.is_object()) a.code = j.value("code", "");
  }
  return a;
}

// Reads until the node closes the connection, the head and body it announced are complete, or
// the deadline passes.
std::string ReadResponse(node::Connection& conn, int millis) {
  std::string got;
  node::Deadline deadline = node::After(millis);
  char buf[16384];
  for (;;) {
    auto n = conn.Read(buf, sizeof buf, deadline);
    if (!n.ok() || *n == 0) break;
    got.append(buf, *n);
    size_t end = got.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    size_t cl = common::ToLower(got.substr(0, end)).find("content-length:");
    if (cl != std::string::npos &&
        got.size() >= end + 4 + std::strtoul(got.c_str() + cl + 15, nullptr, 10)) {
      break;
    }
  }
  return got;
}

class Limits : public ::testing::Test {
 protected:
  void StartNode(std::vector<std::string> env) {
    std::signal(SIGPIPE, SIG_IGN);  // writes to connections the node has closed
    root_ = FreshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    client_ = TestNode::Create(root_, "org-client");
    node_ = TestNode::Create(root_, "org-node");
    ASSERT_TRUE(client_ && node_);
    ASSERT_TRUE(node_->Start(env).ok()) << node_->Log();
    node_->Pin(*client_);
  }

  // A connection to the API listener (plain HTTP) or the peer listener (mutual TLS with the
  // pinned client's certificate).
  std::unique_ptr<node::Connection> Open(bool peer) const {
    auto fd = node::ConnectTcp("127.0.0.1", peer ? node_->peer_port() : node_->api_port(),
                               node::After(5000));
    if (!fd.ok()) return nullptr;
    if (!peer) return node::MakePlainConnection(*fd);
    auto session = crypto::TlsSession::Connect(*client_->ClientTls(), *fd, "127.0.0.1",
                                               {node_->TlsFingerprint()}, node::After(5000));
    if (!session.ok()) {
      ::close(*fd);
      return nullptr;
    }
    return node::MakeTlsConnection(*fd, std::move(*session));
  }

  // Sends `bytes` on a new connection and reads the answer.
  Answer Exchange(bool peer, const std::string& bytes, int millis = 10000) {
    auto conn = Open(peer);
    if (!conn) return {};
    auto start = Clock::now();
    if (!conn->Write(bytes.data(), bytes.size(), node::After(5000)).ok()) return {};
    std::string text = ReadResponse(*conn, millis);
    return Parse(text, SecondsSince(start));
  }

  // GET /v1/peer/identity over mutual TLS on a new connection: the peer listener's status.
  int PeerIdentityStatus() const {
    node::HttpClient c(node::Endpoint{true, "127.0.0.1", node_->peer_port()}, client_->ClientTls(),
                       {node_->TlsFingerprint()});
    auto r = c.Request("GET", "/v1/peer/identity", {}, "", node::After(20000));
    return r.ok() ? r->status : -1;
  }

  void ExpectServing() {
    auto health = node_->Call("GET", "/healthz");
    EXPECT_EQ(health.first, 200) << health.second;
    EXPECT_EQ(PeerIdentityStatus(), 200);
  }

  // The sum of the samples of a metric whose line starts with `series` (a name, or a name with
  // the start of its labels) in the node's /metrics.
  double Metric(const std::string& series) {
    auto metrics = node_->Call("GET", "/metrics");
    double sum = 0;
    for (auto line : common::Split(metrics.second, '\n')) {
      if (common::StartsWith(line, series)) {
        sum += std::atof(std::string(line.substr(line.rfind(' ') + 1)).c_str());
      }
    }
    return sum;
  }

  static const char* Name(bool peer) { return peer ? "peer" : "api"; }

  std::string root_;
  std::unique_ptr<TestNode> client_, node_;
};

TEST_F(Limits, MalformedFramingGetsItsStatusOnBothListeners) {
  StartNode({"VERBIND_LIMITS_READ_TIMEOUT_MS=1000"});
  struct Case {
    const char* what;
    std::string request;
    int status;
    const char* code;
  };
  std::string big_header = "X-Big: " + std::string(20000, 'a') + "\r\n";
  std::string many_headers;
  for (int i = 0; i < 70; ++i) many_headers += "X-H" + std::to_string(i) + ": v\r\n";
  std::vector<Case> cases = {
      {"Content-Length over max_body_bytes, body not sent",
       "POST /v1/peer/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
       "Content-Length: 104857600\r\n\r\n",
       413, "too_large"},
      {"a 20000-byte header line (limit 16384 for the head)",
       "GET /healthz HTTP/1.1\r\nHost: x\r\n" + big_header + "\r\n", 431, "headers_too_large"},
      {"70 headers (limit 64)", "GET /healthz HTTP/1.1\r\nHost: x\r\n" + many_headers + "\r\n", 431,
       "headers_too_large"},
      {"Content-Encoding: gzip",
       "POST /v1/peer/query HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\n"
       "Content-Length: 4\r\n\r\nabcd",
       415, "unsupported_media_type"},
      {"Content-Length and Transfer-Encoding together",
       "POST /v1/peer/query HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
       "Transfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n",
       400, "malformed"},
      {"two different Content-Lengths",
       "POST /v1/peer/query HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n"
       "abcd",
       400, "malformed"},
      {"Transfer-Encoding other than chunked",
       "POST /v1/peer/query HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 400,
       "malformed"},
      {"a chunk size that is not hex",
       "POST /v1/peer/query HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
       "malformed"},
      {"a chunk announcing more than max_body_bytes",
       "POST /v1/peer/query HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
       "fffffff\r\n",
       413, "too_large"},
      {"a request line that is not HTTP/1.x", "GET / SPDY/3\r\nHost: x\r\n\r\n", 400, "malformed"},
      {"a control character in a header value", "GET /healthz HTTP/1.1\r\nHost: x\x01y\r\n\r\n",
       400, "malformed"},
      {"a body shorter than its Content-Length (then silence)",
       "POST /v1/peer/query HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc", 408, "timeout"},
  };
  for (bool peer : {false, true}) {
    for (const Case& c : cases) {
      Answer a = Exchange(peer, c.request);
      EXPECT_EQ(a.status, c.status) << Name(peer) << ": " << c.what << "\n" << a.text;
      EXPECT_EQ(a.code, c.code) << Name(peer) << ": " << c.what;
      // Refused from the head alone, without waiting for a body that never comes (the short
      // body waits for the read timeout of 1 s by design).
      EXPECT_LT(a.seconds, 3.0) << Name(peer) << ": " << c.what;
      std::printf("figure: %s listener: %s -> %d %s in %.3f s\n", Name(peer), c.what, a.status,
                  a.code.c_str(), a.seconds);
    }
  }
  ExpectServing();
}

// Streams chunks of 64 KiB until the node answers or stops reading; returns the answer and how
// many bytes were sent.
std::pair<Answer, uint64_t> EndlessChunkedBody(node::Connection& conn) {
  std::string head =
      "POST /v1/peer/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  std::string chunk = "10000\r\n" + std::string(65536, 'x') + "\r\n";
  auto start = Clock::now();
  uint64_t sent = 0;
  std::string got;
  if (!conn.Write(head.data(), head.size(), node::After(5000)).ok()) return {};
  constexpr uint64_t kGiveUp = uint64_t{1} << 30;
  while (sent < kGiveUp && got.find("\r\n\r\n") == std::string::npos) {
    if (!conn.Write(chunk.data(), chunk.size(), node::After(3000)).ok()) break;
    sent += chunk.size();
    char buf[4096];
    auto n = conn.Read(buf, sizeof buf, node::After(1));
    if (n.ok() && *n > 0) got.append(buf, *n);
  }
  got += ReadResponse(conn, 5000);
  return {Parse(got, SecondsSince(start)), sent};
}

TEST_F(Limits, EndlessChunkedBodyIsCutOffAndMemoryStaysFlat) {
  StartNode({"VERBIND_LIMITS_READ_TIMEOUT_MS=2000"});
  double start = Metric("verbind_resident_memory_bytes");
  double before = 0;
  uint64_t total_sent = 0;
  constexpr int kRounds = 6;
  for (int round = 0; round < kRounds; ++round) {
    // The first round warms up (thread stacks, allocator arenas); memory is compared after it.
    if (round == 1) before = Metric("verbind_resident_memory_bytes");
    for (bool peer : {false, true}) {
      auto conn = Open(peer);
      ASSERT_TRUE(conn);
      auto [answer, sent] = EndlessChunkedBody(*conn);
      if (round > 0) total_sent += sent;
      EXPECT_EQ(answer.status, 413) << Name(peer) << "\n" << answer.text;
      EXPECT_EQ(answer.code, "too_large") << Name(peer);
      // The limit is 1 MiB; the node reads a little past it and drains at most 8 MiB more so the
      // 413 reaches the client, then closes.
      EXPECT_LT(sent, uint64_t{64} << 20) << Name(peer);
      std::printf(
          "figure: %s listener: endless chunked body -> %d %s after %.1f MiB sent, "
          "%.3f s\n",
          Name(peer), answer.status, answer.code.c_str(), static_cast<double>(sent) / (1 << 20),
          answer.seconds);
    }
  }
  double after = Metric("verbind_resident_memory_bytes");
  ASSERT_GT(before, 0);
  std::printf(
      "figure: resident memory at start %.1f MiB, after the first two endless bodies "
      "%.1f MiB, after %d more (%.0f MiB sent) %.1f MiB\n",
      start / (1 << 20), before / (1 << 20), 2 * (kRounds - 1),
      static_cast<double>(total_sent) / (1 << 20), after / (1 << 20));
  // Generous (allocator arenas of the connection threads), but below what buffering the
  // bodies the clients sent would take.
  if (!kAddressSanitizer) {
    EXPECT_LT(after - before, 32.0 * (1 << 20));
  }
  ExpectServing();
}

TEST_F(Limits, SlowHeadsGet408WithinTheReadTimeout) {
  StartNode({"VERBIND_LIMITS_READ_TIMEOUT_MS=1000"});
  for (bool peer : {false, true}) {
    auto conn = Open(peer);
    ASSERT_TRUE(conn);
    auto start = Clock::now();
    // One header line every 200 ms: each byte is on time, the head as a whole is not.
    std::string first = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    ASSERT_TRUE(conn->Write(first.data(), first.size(), node::After(2000)).ok());
    std::string got;
    for (int i = 0; i < 50 && got.empty(); ++i) {
      std::string line = "X-Slow-" + std::to_string(i) + ": y\r\n";
      if (!conn->Write(line.data(), line.size(), node::After(2000)).ok()) break;
      char buf[4096];
      auto n = conn->Read(buf, sizeof buf, node::After(200));
      if (n.ok() && *n > 0) got.append(buf, *n);
    }
    got += ReadResponse(*conn, 3000);
    Answer a = Parse(got, SecondsSince(start));
    EXPECT_EQ(a.status, 408) << Name(peer) << "\n" << got;
    EXPECT_EQ(a.code, "timeout") << Name(peer);
    EXPECT_LT(a.seconds, 1.0 + 2.0) << Name(peer);
    std::printf(
        "figure: %s listener: head dribbled one line per 200 ms -> %d %s after %.3f s "
        "(read timeout 1 s)\n",
        Name(peer), a.status, a.code.c_str(), a.seconds);
  }
  ExpectServing();
}

// Keeps `count` connections to a listener open that never send a byte, reconnecting when the
// node closes one, until `stop`.
void HoldIdle(int port, int count, const std::atomic<bool>& stop) {
  std::vector<int> fds(count, -1);
  while (!stop) {
    for (int& fd : fds) {
      char b;
      ssize_t n = fd >= 0 ? ::recv(fd, &b, 1, MSG_DONTWAIT | MSG_PEEK) : 0;
      if (fd >= 0 && (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))) {
        ::close(fd);
        fd = -1;
      }
      if (fd < 0) {
        auto c = node::ConnectTcp("127.0.0.1", port, node::After(2000));
        fd = c.ok() ? *c : -1;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
}

TEST_F(Limits, IdleAndSlowConnectionsAtTenTimesThePoolDoNotDelayRealRequests) {
  constexpr int kThreads = 2;
  constexpr int kReadTimeoutMs = 2000;
  constexpr int kEach = 10 * kThreads + 4;  // per listener: idle, and as many slow
  StartNode({"VERBIND_LIMITS_THREADS=" + std::to_string(kThreads),
             "VERBIND_LIMITS_READ_TIMEOUT_MS=" + std::to_string(kReadTimeoutMs)});
  std::atomic<bool> stop{false};
  std::vector<std::thread> attackers;
  for (bool peer : {false, true}) {
    int port = peer ? node_->peer_port() : node_->api_port();
    attackers.emplace_back([&, port] { HoldIdle(port, kEach, stop); });
    // Slow clients: a complete TLS handshake (peer) or connection (api), then one header byte
    // every 100 ms, reconnecting when the node cuts them off with 408.
    attackers.emplace_back([&, peer] {
      std::vector<std::unique_ptr<node::Connection>> slow(kEach);
      while (!stop) {
        for (auto& c : slow) {
          if (!c) c = Open(peer);
          if (c && !c->Write("G", 1, node::After(100)).ok()) c.reset();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  std::vector<double> api_ms, peer_ms;
  double most_open = 0;
  auto until = Clock::now() + std::chrono::milliseconds(3 * kReadTimeoutMs);
  while (Clock::now() < until) {
    most_open = std::max(most_open, Metric("verbind_open_connections"));
    auto start = Clock::now();
    auto health = node_->Call("GET", "/healthz");
    api_ms.push_back(SecondsSince(start) * 1000);
    EXPECT_EQ(health.first, 200) << health.second;
    start = Clock::now();
    int identity = PeerIdentityStatus();
    peer_ms.push_back(SecondsSince(start) * 1000);
    EXPECT_EQ(identity, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  stop = true;
  for (auto& t : attackers) t.join();
  double cut_off = Metric("verbind_http_early_refusals_total{listener=\"api\",code=\"408\"}") +
                   Metric("verbind_http_early_refusals_total{listener=\"peer\",code=\"408\"}");
  std::printf(
      "figure: during the attack up to %.0f connections were open; %.0f slow heads were "
      "cut off with 408\n",
      most_open, cut_off);
  EXPECT_GE(most_open, 2.0 * 10 * kThreads);
  EXPECT_GT(cut_off, 0);
  for (auto* v : {&api_ms, &peer_ms}) {
    std::sort(v->begin(), v->end());
    ASSERT_FALSE(v->empty());
    // The bound is the configured read timeout, not a tight figure: the machine is shared.
    EXPECT_LT(v->back(), kReadTimeoutMs) << (v == &api_ms ? "api" : "peer");
    std::printf(
        "figure: %s listener with %d idle + %d slow connections (pool of %d): %zu "
        "requests, median %.1f ms, max %.1f ms (read timeout %d ms)\n",
        v == &api_ms ? "api" : "peer", kEach, kEach, kThreads, v->size(), (*v)[v->size() / 2],
        v->back(), kReadTimeoutMs);
  }
  ExpectServing();
}

TEST_F(Limits, ConnectionsOverTheLimitAreRefusedAtOnce) {
  constexpr int kMax = 8;
  constexpr int kOpened = kMax + 4;
  // A long read timeout: a connection that is answered or closed within half of it was refused
  // on arrival, not dropped for idling. No bound on time is asserted beyond that.
  constexpr int kReadTimeoutMs = 30000;
  StartNode({"VERBIND_LIMITS_MAX_CONNECTIONS=" + std::to_string(kMax),
             "VERBIND_LIMITS_READ_TIMEOUT_MS=" + std::to_string(kReadTimeoutMs)});
  for (bool peer : {false, true}) {
    int port = peer ? node_->peer_port() : node_->api_port();
    // Idle connections, one after the other. The node counts connections when it accepts them,
    // so a connection of an earlier request still closing can take a slot for a moment, and
    // which of the new connections are refused is not fixed: at most kMax stay open and at
    // least kOpened - kMax are refused.
    std::vector<int> fds;
    auto start = Clock::now();
    for (int i = 0; i < kOpened; ++i) {
      auto fd = node::ConnectTcp("127.0.0.1", port, node::After(2000));
      ASSERT_TRUE(fd.ok()) << fd.status().ToString();
      fds.push_back(*fd);
    }
    // A connection is refused once the node has written to it or closed it.
    auto readable = [](int fd) {
      char b;
      ssize_t n = ::recv(fd, &b, 1, MSG_DONTWAIT | MSG_PEEK);
      return !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
    };
    std::vector<bool> refused_fd(fds.size(), false);
    int refused = 0;
    while (refused < kOpened - kMax && SecondsSince(start) * 1000 < kReadTimeoutMs / 2) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      refused = 0;
      for (size_t i = 0; i < fds.size(); ++i) {
        refused_fd[i] = readable(fds[i]);
        refused += refused_fd[i] ? 1 : 0;
      }
    }
    double seconds = SecondsSince(start);
    int held = kOpened - refused;
    EXPECT_GE(refused, kOpened - kMax) << Name(peer) << ": refused connections were not answered "
                                       << "before half the read timeout";
    EXPECT_LE(held, kMax) << Name(peer);
    for (size_t i = 0; i < fds.size(); ++i) {
      if (!refused_fd[i]) continue;
      auto conn = node::MakePlainConnection(::dup(fds[i]));
      std::string got = ReadResponse(*conn, 2000);
      if (!peer) {
        Answer a = Parse(got, 0);
        EXPECT_EQ(a.status, 503) << got;
        EXPECT_EQ(a.code, "overloaded") << got;
      } else {
        EXPECT_EQ(got, "") << "no HTTP before TLS";
      }
    }
    std::printf(
        "figure: %s listener: %d idle connections with max_connections %d -> %d held, "
        "%d refused (%s) within %.3f s (read timeout %d ms)\n",
        Name(peer), kOpened, kMax, held, refused,
        peer ? "closed before TLS" : "HTTP 503 overloaded", seconds, kReadTimeoutMs);
    for (int fd : fds) ::close(fd);
  }
  // Once the held connections are gone the node serves again.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ExpectServing();
}

TEST_F(Limits, APeerOverItsRateGetsSignedRefusals) {
  // Five requests a minute, refilled at one per 12 s: a burst of 12 gets at most 6 through.
  StartNode({"VERBIND_LIMITS_PEER_RATE_PER_MINUTE=5"});
  constexpr int kSent = 12;
  int passed = 0, limited = 0;
  for (int i = 0; i < kSent; ++i) {
    // A body the rate check comes before: without the limit it would be refused as malformed.
    auto [status, body] = client_->PostToPeer(*node_, "/v1/peer/query", "{}");
    json j = json::parse(body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << status << " " << body;
    if (status == 400) {
      EXPECT_EQ(j.value("code", ""), "malformed");
      EXPECT_EQ(limited, 0) << "a request got through after the first 429";
      ++passed;
      continue;
    }
    EXPECT_EQ(status, 429) << body;
    EXPECT_EQ(j.value("code", ""), "rate_limited");
    // The refusal is signed by the node.
    auto env = federation::DecodeEnvelope(j["refusal"].dump());
    ASSERT_TRUE(env.ok()) << body;
    EXPECT_EQ(env->type, "refusal");
    EXPECT_EQ(env->signer, "org-node");
    EXPECT_TRUE(federation::VerifyEnvelopeSignature(
        *env, std::string(common::AsChars(node_->SigningKey()->public_key()))));
    ++limited;
  }
  EXPECT_GE(passed, 5);
  EXPECT_LE(passed, 6);
  EXPECT_EQ(passed + limited, kSent);
  std::printf(
      "figure: peer_rate_per_minute 5, a burst of %d peer queries -> %d checked, %d "
      "refused 429 rate_limited (signed)\n",
      kSent, passed, limited);
  // The peer's identity endpoint and the local API are not rate limited.
  ExpectServing();
}

}  // namespace
}  // namespace verbind::testing
