#include "config/node_config.h"

#include <gtest/gtest.h>

#include <map>

#include "common/files.h"

namespace verbind::config {
namespace {

class NodeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/verbind_config_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(common::MakeDir(dir_, 0700).ok());
    ASSERT_TRUE(common::MakeDir(dir_ + "/keys", 0700).ok());
    for (const char* f :
         {"keys/tls.crt", "keys/tls.key", "keys/signing.key", "keys/x25519.key", "tokens.toml"}) {
      ASSERT_TRUE(common::WriteFileAtomic(dir_ + "/" + f, "x", 0600).ok());
    }
    InitSettings init;
    init.org_id = "gemeente-a";
    init.name = "Gemeente A";
    init.peer_url = "https://localhost:7443";
    base_ = RenderNodeConfig(init);
  }

  common::Result<NodeConfig> Load(const std::string& text) {
    EXPECT_TRUE(common::WriteFileAtomic(dir_ + "/verbind.toml", text, 0644).ok());
    return LoadNodeConfig(dir_, [this](const char* name) -> const char* {
      auto it = env_.find(name);
      return it == env_.end() ? nullptr : it->second.c_str();
    });
  }

  std::string Replace(std::string from, std::string to) {
    std::string s = base_;
    auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    return s.replace(pos, from.size(), to);
  }

  std::string dir_, base_;
  std::map<std::string, std::string> env_;
};

TEST_F(NodeConfigTest, RenderedDefaultsLoad) {
  auto c = Load(base_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->org_id, "gemeente-a");
  EXPECT_EQ(c->name, "Gemeente A");
  EXPECT_EQ(c->peer_listen.port, 7443);
  EXPECT_EQ(c->api_listen.host, "127.0.0.1");
  EXPECT_EQ(c->limits.max_body_bytes, 1 << 20);
  EXPECT_EQ(c->protocol.clock_skew_s, 60);
  EXPECT_EQ(c->data_dir, dir_ + "/data");
  EXPECT_NE(c->Where("peer.listen").find("verbind.toml:"), std::string::npos);
  EXPECT_EQ(c->privacy.epsilon_micro, 2000000);
  EXPECT_EQ(c->privacy.window_days, 365);
  EXPECT_EQ(c->privacy.requester_share_micro, 500000);
}

TEST_F(NodeConfigTest, PrivacyDefaultsTakeNumbersWithSixDecimalsAtMost) {
  auto c = Load(Replace("epsilon = 2", "epsilon = 2.5"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->privacy.epsilon_micro, 2500000);
  EXPECT_EQ(Load(Replace("requester_share = 0.5", "requester_share = \"0.25\""))
                ->privacy.requester_share_micro,
            250000);
  for (const char* bad : {"epsilon = 0", "epsilon = -1", "epsilon = 0.0000001", "epsilon = 1001",
                          "epsilon = true"}) {
    auto r = Load(Replace("epsilon = 2", bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("[privacy] epsilon"), std::string::npos)
        << r.status().message();
  }
  EXPECT_FALSE(Load(Replace("requester_share = 0.5", "requester_share = 1.5")).ok());
  env_["VERBIND_PRIVACY_EPSILON"] = "1.25";
  EXPECT_EQ(Load(base_)->privacy.epsilon_micro, 1250000);
}

TEST_F(NodeConfigTest, UnknownKeyNamesFileAndLine) {
  auto c = Load(Replace("threads = 16", "threads = 16\nthreds = 4"));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("verbind.toml:"), std::string::npos);
  EXPECT_NE(c.status().message().find("unknown key threds in [limits]"), std::string::npos)
      << c.status().message();
}

TEST_F(NodeConfigTest, WrongTypeAndRange) {
  auto c = Load(Replace("threads = 16", "threads = \"eight\""));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("[limits] threads: expected an integer, found a string"),
            std::string::npos)
      << c.status().message();
  c = Load(Replace("threads = 16", "threads = 0"));
  EXPECT_NE(c.status().message().find("must be between 1 and 1024"), std::string::npos);
}

TEST_F(NodeConfigTest, SyntaxErrorHasLineAndColumn) {
  auto c = Load(base_ + "\n[broken\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("verbind.toml:"), std::string::npos);
}

TEST_F(NodeConfigTest, MissingKeyFileIsReported) {
  ::unlink((dir_ + "/keys/signing.key").c_str());
  auto c = Load(base_);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("[keys] signing_key: cannot read"), std::string::npos)
      << c.status().message();
  EXPECT_NE(c.status().message().find("/verbind.toml:"), std::string::npos)
      << "the message starts with the file name: " << c.status().message();
}

TEST_F(NodeConfigTest, ParsesTextWithoutTouchingFiles) {
  // No key files exist under this folder: the text alone is parsed and validated.
  auto c = ParseNodeConfig(base_, "/nonexistent/node", nullptr);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->org_id, "gemeente-a");
  EXPECT_EQ(c->signing_key_path, "/nonexistent/node/keys/signing.key");
  auto bad = ParseNodeConfig(Replace("threads = 16", "threads = 0"), "/nonexistent/node", nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("/nonexistent/node/verbind.toml:"), std::string::npos)
      << bad.status().message();
}

TEST_F(NodeConfigTest, EnvironmentOverrides) {
  env_["VERBIND_PEER_LISTEN"] = "127.0.0.1:0";
  env_["VERBIND_LIMITS_THREADS"] = "3";
  auto c = Load(base_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->peer_listen.port, 0);
  EXPECT_EQ(c->limits.threads, 3);
  EXPECT_EQ(c->Where("limits.threads"), "environment VERBIND_LIMITS_THREADS");
  env_["VERBIND_LIMITS_THREADS"] = "many";
  c = Load(base_);
  EXPECT_NE(c.status().message().find("environment VERBIND_LIMITS_THREADS"), std::string::npos);
}

TEST_F(NodeConfigTest, InvalidValues) {
  EXPECT_FALSE(Load(Replace("org_id = \"gemeente-a\"", "org_id = \"Gemeente A\"")).ok());
  EXPECT_FALSE(Load(Replace("url = \"https://localhost:7443\"", "url = \"http://x\"")).ok());
  EXPECT_FALSE(Load(Replace("listen = \"0.0.0.0:7443\"", "listen = \"nowhere\"")).ok());
  EXPECT_FALSE(Load(Replace("level = \"info\"", "level = \"loud\"")).ok());
  EXPECT_FALSE(Load(Replace("[peer]", "peer = 1\n[peer2]")).ok());
}

TEST_F(NodeConfigTest, ApiOffLoopbackNeedsTls) {
  for (const char* host : {"127.0.0.1", "127.3.4.5", "localhost", "[::1]"}) {
    env_["VERBIND_API_LISTEN"] = std::string(host) + ":7080";
    auto c = Load(base_);
    EXPECT_TRUE(c.ok()) << host << ": " << c.status().ToString();
  }
  for (const char* host : {"0.0.0.0", "10.1.2.3", "[::]", "api.example"}) {
    env_["VERBIND_API_LISTEN"] = std::string(host) + ":7080";
    env_.erase("VERBIND_API_TLS");
    auto c = Load(base_);
    ASSERT_FALSE(c.ok()) << host;
    EXPECT_NE(c.status().message().find("environment VERBIND_API_LISTEN: [api] listen: "),
              std::string::npos)
        << c.status().message();
    EXPECT_NE(c.status().message().find("needs api.tls = true"), std::string::npos);
    env_["VERBIND_API_TLS"] = "true";
    c = Load(base_);
    EXPECT_TRUE(c.ok()) << host << ": " << c.status().ToString();
  }
}

TEST(ConfigReference, ListsEveryKeyWithItsVariable) {
  std::string md = RenderConfigReference();
  EXPECT_NE(md.find("`VERBIND_PEER_LISTEN`"), std::string::npos);
  EXPECT_NE(md.find("`limits.max_body_bytes`"), std::string::npos);
}

}  // namespace
}  // namespace verbind::config

namespace verbind::config {
namespace {
// docs/configuration.md embeds the generated table; this keeps the two from drifting apart.
TEST(ConfigReference, DocumentationIsCurrent) {
  auto doc = common::ReadFile(std::string(VERBIND_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_TRUE(doc.ok());
  EXPECT_NE(doc->find(RenderConfigReference()), std::string::npos)
      << "regenerate the table in docs/configuration.md from RenderConfigReference()";
}
}  // namespace
}  // namespace verbind::config
