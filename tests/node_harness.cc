#include "tests/node_harness.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/files.h"
#include "common/strings.h"
#include "crypto/certificate.h"
#include "node/api/node_keys.h"

namespace verbind::testing {

using nlohmann::json;

namespace {

// Writing to a socket a node closed must fail, not kill the test.
const bool kIgnoreSigpipe = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

std::string ReadAll(const std::string& path) {
  auto r = common::ReadFile(path, 64 << 20);
  return r.ok() ? *r : "";
}

}  // namespace

CliResult RunVerbind(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  std::vector<std::string> argv = {VERBIND_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, env, TestTempDir() + "/cli");
}

std::unique_ptr<TestNode> TestNode::Create(const std::string& root, const std::string& org) {
  auto node = std::make_unique<TestNode>();
  node->org_ = org;
  node->dir_ = root + "/" + org;
  CliResult r = RunVerbind({"init", node->dir_, "--org", org, "--name", "Organisation " + org,
                            "--peer-listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0"});
  if (r.exit_code != 0) return nullptr;
  for (auto line : common::Split(r.out, '\n')) {
    line = common::Trim(line);
    if (common::StartsWith(line, "owner:")) node->owner_token = common::Trim(line.substr(6));
    if (common::StartsWith(line, "admin:")) node->admin_token = common::Trim(line.substr(6));
    if (common::StartsWith(line, "analyst:")) node->analyst_token = common::Trim(line.substr(8));
  }
  return node;
}

std::unique_ptr<TestNode> TestNode::Existing(const std::string& dir, const std::string& org) {
  auto node = std::make_unique<TestNode>();
  node->org_ = org;
  node->dir_ = dir;
  return node;
}

TestNode::~TestNode() { Stop(SIGKILL); }

common::Status TestNode::Start(const std::vector<std::string>& env) {
  ::unlink((dir_ + "/run/endpoints.json").c_str());
  ProcessSpec spec{launch_prefix, env, dir_ + "/serve.out", dir_ + "/serve.log"};
  spec.argv.insert(spec.argv.end(), {VERBIND_BINARY, "serve", dir_});
  auto started = Process::Start(spec);
  if (!started.ok()) return common::Internal("spawn failed: " + started.status().ToString());
  process_ = std::move(started).value();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (process_.Poll()) {
      return common::Unavailable("node exited: " + Log());
    }
    auto text = common::ReadFile(dir_ + "/run/endpoints.json");
    if (text.ok()) {
      json j = json::parse(*text, nullptr, false);
      if (j.is_object()) {
        peer_port_ = j["peer_port"];
        api_port_ = j["api_port"];
        return common::Status::Ok();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return common::DeadlineExceeded("node did not start: " + Log());
}

int TestNode::Stop(int sig) { return process_.Kill(sig); }

CliResult TestNode::Cli(const std::vector<std::string>& args) const {
  std::vector<std::string> all = {"--node", dir_};
  all.insert(all.end(), args.begin(), args.end());
  return RunVerbind(all);
}

node::HttpClient TestNode::Api() const {
  return node::HttpClient(node::Endpoint{false, "127.0.0.1", api_port_}, nullptr, {});
}

node::Headers TestNode::Auth() const {
  std::string token(common::Trim(ReadAll(dir_ + "/run/cli.token")));
  return {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
}

std::pair<int, std::string> TestNode::Call(const std::string& method, const std::string& path,
                                           const std::string& body) const {
  node::HttpClient api = Api();
  auto r = api.Request(method, path, Auth(), body, node::After(30000));
  if (!r.ok()) return {-1, r.status().ToString()};
  return {r->status, r->body};
}

std::pair<int, std::string> TestNode::CallAs(const std::string& token, const std::string& method,
                                             const std::string& path,
                                             const std::string& body) const {
  node::HttpClient api = Api();
  node::Headers headers = {{"Authorization", "Bearer " + token},
                           {"Content-Type", "application/json"}};
  auto r = api.Request(method, path, headers, body, node::After(30000));
  if (!r.ok()) return {-1, r.status().ToString()};
  return {r->status, r->body};
}

std::pair<int, std::string> TestNode::RawQuery(const std::string& sql) const {
  return CallAs(owner_token, "POST", "/v1/queries",
                json{{"query", sql}, {"local", true}, {"raw", true}}.dump());
}

void TestNode::MarkNonPersonal(const std::string& dataset) const {
  CliResult r = Cli({"dataset", "privacy", dataset, "--non-personal", "--reason",
                     "generated test records", "--accept-higher-loss"});
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
}

std::string TestNode::IdentityJson() const {
  CliResult r = RunVerbind({"identity", dir_});
  return r.out;
}

void TestNode::Pin(const TestNode& other, const std::vector<std::string>& groups) const {
  json body = {{"identity", other.IdentityJson()}, {"groups", groups}};
  Call("POST", "/v1/peers", body.dump());
}

std::shared_ptr<const crypto::TlsContext> TestNode::ClientTls() const {
  std::string cert = ReadAll(dir_ + "/keys/tls.crt");
  std::string key = ReadAll(dir_ + "/keys/tls.key");
  auto ctx = crypto::TlsContext::Client(cert, key);
  return ctx.ok() ? std::shared_ptr<const crypto::TlsContext>(std::move(*ctx)) : nullptr;
}

std::string TestNode::TlsFingerprint() const {
  auto info = crypto::InspectCertificate(ReadAll(dir_ + "/keys/tls.crt"));
  return info.ok() ? info->fingerprint : "";
}

std::shared_ptr<const crypto::SigningKey> TestNode::SigningKey() const {
  auto seed = node::ReadKeyFile(dir_ + "/keys/signing.key", 32);
  if (!seed.ok()) return nullptr;
  auto key = crypto::SigningKey::FromSeed(seed->span());
  return key.ok() ? std::make_shared<const crypto::SigningKey>(std::move(*key)) : nullptr;
}

std::pair<int, std::string> TestNode::PostToPeer(const TestNode& target, const std::string& path,
                                                 const std::string& body,
                                                 const std::string& content_type,
                                                 const node::Headers& extra) const {
  node::HttpClient c(node::Endpoint{true, "127.0.0.1", target.peer_port()}, ClientTls(),
                     {target.TlsFingerprint()});
  node::Headers headers = {{"Content-Type", content_type}};
  headers.insert(headers.end(), extra.begin(), extra.end());
  auto r = c.Request("POST", path, headers, body, node::After(20000));
  if (!r.ok()) return {-1, r.status().ToString()};
  return {r->status, r->body};
}

std::string TestNode::Log() const { return ReadAll(dir_ + "/serve.log"); }

}  // namespace verbind::testing
