// The node exists: init, serve, identity, pinning, mutual TLS and configuration errors, with
// real processes.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/files.h"
#include "crypto/certificate.h"
#include "node/net/connection.h"
#include "tests/node_harness.h"

namespace verbind::testing {
namespace {

using nlohmann::json;

class TwoNodes : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = FreshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    a_ = TestNode::Create(root_, "gemeente-a");
    b_ = TestNode::Create(root_, "uwv-b");
    ASSERT_TRUE(a_ && b_);
    ASSERT_TRUE(a_->Start().ok()) << a_->Log();
    ASSERT_TRUE(b_->Start().ok()) << b_->Log();
  }
  std::string root_;
  std::unique_ptr<TestNode> a_, b_;
};

// Opens a TLS connection to `port` with `tls` (may present no certificate) and GETs `path`.
common::Result<node::HttpResponse> PeerGet(int port, std::shared_ptr<const crypto::TlsContext> tls,
                                           const std::string& server_fp, const std::string& path) {
  node::HttpClient c(node::Endpoint{true, "127.0.0.1", port}, std::move(tls), {server_fp});
  return c.Request("GET", path, {}, "", node::After(5000));
}

TEST_F(TwoNodes, InitWritesSecretsWithMode0600AndTokensOnlyAsHashes) {
  for (const char* f : {"keys/signing.key", "keys/x25519.key", "keys/tls.key", "tokens.toml"}) {
    auto mode = common::FileMode(a_->dir() + "/" + f);
    ASSERT_TRUE(mode.ok()) << f;
    EXPECT_EQ(*mode, 0600u) << f;
  }
  auto tokens = common::ReadFile(a_->dir() + "/tokens.toml");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->find(a_->admin_token), std::string::npos);
  EXPECT_NE(tokens->find("sha256"), std::string::npos);
  auto cert = crypto::InspectCertificate(*common::ReadFile(a_->dir() + "/keys/tls.crt"));
  EXPECT_EQ(cert->subject_cn, "gemeente-a");
  EXPECT_EQ(cert->subject_o, "Organisation gemeente-a");
}

TEST_F(TwoNodes, PinnedPeersReachEachOtherOverMutualTls) {
  EXPECT_EQ(a_->Cli({"peer", "add", "/dev/stdin"}).exit_code, 1);  // empty identity
  std::string b_id = root_ + "/b.json", a_id = root_ + "/a.json";
  ASSERT_TRUE(common::WriteFileAtomic(b_id, b_->IdentityJson(), 0644).ok());
  ASSERT_TRUE(common::WriteFileAtomic(a_id, a_->IdentityJson(), 0644).ok());
  ASSERT_EQ(a_->Cli({"peer", "add", b_id, "--group", "uitvoering"}).exit_code, 0);
  ASSERT_EQ(b_->Cli({"peer", "add", a_id}).exit_code, 0);
  CliResult check = a_->Cli({"peer", "check", "uwv-b"});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("matches the pinned keys"), std::string::npos) << check.out;
  EXPECT_EQ(b_->Cli({"peer", "check", "gemeente-a"}).exit_code, 0);
  CliResult list = a_->Cli({"peer", "list"});
  EXPECT_NE(list.out.find("uwv-b  active  uitvoering"), std::string::npos) << list.out;
  // Health and readiness on the local API, over the CLI.
  CliResult status = a_->Cli({"status"});
  EXPECT_EQ(status.exit_code, 0);
  EXPECT_NE(status.out.find("ok, ready"), std::string::npos) << status.out;
  // The identity fetched over mTLS is b's.
  auto res = PeerGet(b_->peer_port(), a_->ClientTls(), b_->TlsFingerprint(), "/v1/peer/identity");
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["org_id"], "uwv-b");
}

TEST_F(TwoNodes, PeerListenerRefusesClientsWithoutPinnedCertificates) {
  b_->Pin(*a_);
  auto no_cert = crypto::TlsContext::Client("", "");
  ASSERT_TRUE(no_cert.ok());
  auto r1 = PeerGet(b_->peer_port(), std::move(*no_cert), b_->TlsFingerprint(), "/v1/peer/identity");
  EXPECT_FALSE(r1.ok()) << "a client without a certificate got an answer";
  crypto::CertificateRequest req{"stranger", "Stranger", {"localhost"}, {}, 10};
  auto stranger = crypto::GenerateSelfSignedCertificate(req);
  auto unpinned = crypto::TlsContext::Client(stranger->cert_pem, stranger->key_pem);
  auto r2 = PeerGet(b_->peer_port(), std::move(*unpinned), b_->TlsFingerprint(), "/v1/peer/identity");
  EXPECT_FALSE(r2.ok()) << "an unpinned certificate got an answer";
  auto r3 = PeerGet(b_->peer_port(), a_->ClientTls(), b_->TlsFingerprint(), "/v1/peer/identity");
  ASSERT_TRUE(r3.ok()) << r3.status().ToString();
  EXPECT_EQ(r3->status, 200);
  // Suspension takes effect without a restart.
  ASSERT_EQ(b_->Cli({"peer", "suspend", a_->org()}).exit_code, 0);
  auto r4 = PeerGet(b_->peer_port(), a_->ClientTls(), b_->TlsFingerprint(), "/v1/peer/identity");
  EXPECT_FALSE(r4.ok() && r4->status == 200);
}

TEST_F(TwoNodes, OpensslClientWithoutCertificateGetsNoResponse) {
  if (::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl binary";
  std::string out = root_ + "/s_client.out";
  std::string cmd = "(printf 'GET /v1/peer/identity HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'; sleep 1) | "
                    "timeout 10 openssl s_client -connect 127.0.0.1:" +
                    std::to_string(b_->peer_port()) + " -quiet > " + out + " 2>&1";
  ::system(cmd.c_str());
  std::string text = *common::ReadFile(out);
  EXPECT_EQ(text.find("HTTP/1.1"), std::string::npos) << text;
  EXPECT_NE(text.find("certificate required"), std::string::npos) << text;
}

TEST_F(TwoNodes, ApiNeedsTokensWithTheRightRole) {
  node::HttpClient api = a_->Api();
  auto anon = api.Request("GET", "/v1/peers", {}, "", node::After(5000));
  ASSERT_TRUE(anon.ok());
  EXPECT_EQ(anon->status, 401);
  EXPECT_EQ(json::parse(anon->body)["code"], "unauthenticated");
  auto analyst = api.Request("GET", "/v1/peers",
                             {{"Authorization", "Bearer " + a_->analyst_token}}, "",
                             node::After(5000));
  EXPECT_EQ(analyst->status, 403);
  auto admin = api.Request("GET", "/v1/peers", {{"Authorization", "Bearer " + a_->admin_token}},
                           "", node::After(5000));
  EXPECT_EQ(admin->status, 200);
  auto health = api.Request("GET", "/healthz", {}, "", node::After(5000));
  EXPECT_EQ(health->status, 200);
  auto metrics = api.Request("GET", "/metrics", {}, "", node::After(5000));
  EXPECT_NE(metrics->body.find("verbind_http_requests_total"), std::string::npos);
}

TEST_F(TwoNodes, SigtermStopsCleanly) {
  EXPECT_EQ(a_->Stop(SIGTERM), 0);
  EXPECT_FALSE(common::PathExists(a_->dir() + "/run/endpoints.json"));
  EXPECT_EQ(b_->Stop(SIGINT), 0);
  ASSERT_TRUE(a_->Start().ok());  // the data folder reopens
}

TEST(NodeConfig, SecondInitIsRefused) {
  std::string root = FreshDir("second_init");
  auto node = TestNode::Create(root, "org-x");
  ASSERT_TRUE(node);
  CliResult again = RunVerbind({"init", node->dir(), "--org", "org-x", "--name", "X"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already holds a node"), std::string::npos) << again.err;
}

TEST(NodeConfig, UsageErrorsExitWithTwo) {
  EXPECT_EQ(RunVerbind({}).exit_code, 2);
  EXPECT_EQ(RunVerbind({"init"}).exit_code, 2);
  EXPECT_EQ(RunVerbind({"no-such-command"}).exit_code, 2);
  EXPECT_EQ(RunVerbind({"--help"}).exit_code, 0);
  EXPECT_EQ(RunVerbind({"init", "--help"}).exit_code, 0);
  EXPECT_EQ(RunVerbind({"init", "x", "--org", "Bad Org", "--name", "x"}).exit_code, 1);
}

TEST(NodeConfig, BadConfigurationStopsTheNodeWithFileAndLine) {
  std::string root = FreshDir("bad_config");
  auto node = TestNode::Create(root, "org-y");
  ASSERT_TRUE(node);
  std::string path = node->dir() + "/verbind.toml";
  std::string good = *common::ReadFile(path);
  auto with = [&](const std::string& text) {
    EXPECT_TRUE(common::WriteFileAtomic(path, text, 0640).ok());
    return RunVerbind({"serve", node->dir()});
  };
  CliResult r = with(good + "\n[limits]\nthreds = 4\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("verbind.toml:"), std::string::npos) << r.err;
  std::string wrong_type = good;
  wrong_type.replace(wrong_type.find("threads = 16"), 12, "threads = \"16\"");
  r = with(wrong_type);
  EXPECT_NE(r.err.find("[limits] threads: expected an integer"), std::string::npos) << r.err;
  std::string missing_key = good;
  missing_key.replace(missing_key.find("keys/signing.key"), 16, "keys/missing.key");
  r = with(missing_key);
  EXPECT_NE(r.err.find("[keys] signing_key: cannot read"), std::string::npos) << r.err;
  // A port already in use.
  ASSERT_TRUE(common::WriteFileAtomic(path, good, 0640).ok());
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  r = RunVerbind({"serve", node->dir()},
                 {"VERBIND_API_LISTEN=127.0.0.1:" + std::to_string(ntohs(addr.sin_port))});
  ::close(fd);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("already in use"), std::string::npos) << r.err << r.out;
  EXPECT_NE(r.err.find("VERBIND_API_LISTEN"), std::string::npos) << r.err;
  // A secret file readable by others.
  ASSERT_TRUE(common::WriteFileAtomic(path, good, 0640).ok());
  ::chmod((node->dir() + "/keys/signing.key").c_str(), 0644);
  r = RunVerbind({"serve", node->dir()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace verbind::testing
