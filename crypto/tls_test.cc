#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <thread>

#include "crypto/certificate.h"
#include "crypto/tls.h"

namespace verbind::crypto {
namespace {

// Writing to a socket the peer closed must fail, not kill the test.
const bool kIgnoreSigpipe = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

Deadline Soon() { return std::chrono::steady_clock::now() + std::chrono::seconds(5); }

TlsKeyAndCertificate MakeCert(const std::string& org) {
  CertificateRequest req;
  req.org_id = org;
  req.org_name = "Org " + org;
  req.dns = {"localhost"};
  req.ips = {"127.0.0.1"};
  auto kc = GenerateSelfSignedCertificate(req);
  EXPECT_TRUE(kc.ok()) << kc.status().ToString();
  return *kc;
}

struct Outcome {
  common::Status server;
  common::Status client;
  std::string server_saw;  // fingerprint the server saw
  std::string echoed;
};

Outcome Exchange(const TlsContext& server_ctx, const TlsContext* client_ctx,
                 const std::string& expected_server_fp) {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  Outcome out;
  std::thread server([&] {
    auto s = TlsSession::Accept(server_ctx, fds[0], Soon());
    out.server = s.status();
    if (s.ok()) {
      out.server_saw = (*s)->peer_fingerprint();
      char buf[16];
      auto n = (*s)->Read(buf, sizeof buf, Soon());
      if (n.ok() && *n > 0) (*s)->Write(buf, *n, Soon()).IgnoreError();
    }
    ::shutdown(fds[0], SHUT_RDWR);
  });
  auto c = TlsSession::Connect(*client_ctx, fds[1], "localhost", {expected_server_fp}, Soon());
  out.client = c.status();
  if (!c.ok()) ::shutdown(fds[1], SHUT_RDWR);
  if (c.ok()) {
    if ((*c)->Write("ping", 4, Soon()).ok()) {
      char buf[16];
      auto n = (*c)->Read(buf, sizeof buf, Soon());
      if (n.ok()) out.echoed.assign(buf, *n);
    }
  }
  server.join();
  ::close(fds[0]);
  ::close(fds[1]);
  return out;
}

TEST(Certificate, SelfSignedNamesTheOrganisation) {
  auto kc = MakeCert("gemeente-a");
  auto info = InspectCertificate(kc.cert_pem);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->subject_cn, "gemeente-a");
  EXPECT_EQ(info->subject_o, "Org gemeente-a");
  EXPECT_EQ(info->fingerprint.size(), 64u);
  EXPECT_LT(info->not_before_ms, info->not_after_ms);
  EXPECT_TRUE(CheckKeyMatchesCertificate(kc.key_pem, kc.cert_pem).ok());
  EXPECT_FALSE(CheckKeyMatchesCertificate(MakeCert("x").key_pem, kc.cert_pem).ok());
  EXPECT_FALSE(InspectCertificate("not a certificate").ok());
}

class MutualTls : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = MakeCert("server");
    client_ = MakeCert("client");
    server_fp_ = InspectCertificate(server_.cert_pem)->fingerprint;
    client_fp_ = InspectCertificate(client_.cert_pem)->fingerprint;
    auto ctx = TlsContext::Server(server_.cert_pem, server_.key_pem,
                                  [this](std::string_view fp) { return fp == client_fp_; });
    ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
    server_ctx_ = std::move(*ctx);
  }
  TlsKeyAndCertificate server_, client_;
  std::string server_fp_, client_fp_;
  std::unique_ptr<TlsContext> server_ctx_;
};

TEST_F(MutualTls, PinnedClientIsAccepted) {
  auto client_ctx = TlsContext::Client(client_.cert_pem, client_.key_pem);
  ASSERT_TRUE(client_ctx.ok());
  Outcome o = Exchange(*server_ctx_, client_ctx->get(), server_fp_);
  EXPECT_TRUE(o.server.ok()) << o.server.ToString();
  EXPECT_TRUE(o.client.ok()) << o.client.ToString();
  EXPECT_EQ(o.server_saw, client_fp_);
  EXPECT_EQ(o.echoed, "ping");
}

TEST_F(MutualTls, UnpinnedClientIsRefused) {
  auto stranger = MakeCert("stranger");
  auto client_ctx = TlsContext::Client(stranger.cert_pem, stranger.key_pem);
  ASSERT_TRUE(client_ctx.ok());
  Outcome o = Exchange(*server_ctx_, client_ctx->get(), server_fp_);
  EXPECT_FALSE(o.server.ok());
  EXPECT_EQ(o.echoed, "");
}

TEST_F(MutualTls, ClientRefusesUnexpectedServer) {
  auto client_ctx = TlsContext::Client(client_.cert_pem, client_.key_pem);
  ASSERT_TRUE(client_ctx.ok());
  Outcome o = Exchange(*server_ctx_, client_ctx->get(), std::string(64, '0'));
  EXPECT_EQ(o.client.code(), common::StatusCode::kPermissionDenied);
  EXPECT_EQ(o.echoed, "");
}

}  // namespace
}  // namespace verbind::crypto
