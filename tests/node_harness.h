// Test harness: real `verbind` node processes in temporary folders on free ports (port 0),
// driven through the CLI and the local API. Used by the end-to-end tests.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "crypto/signing.h"
#include "crypto/tls.h"
#include "node/net/http_client.h"
#include "testing/fresh_dir.h"
#include "testing/process.h"

namespace verbind::testing {

// FreshDir(name): a fresh empty folder in this test process's folder (testing/fresh_dir.h).

// Exit code (-N after signal N), standard output and standard error of a command.
using CliResult = CommandResult;
// Runs the verbind binary with `args` (and optional extra environment "K=V" entries).
CliResult RunVerbind(const std::vector<std::string>& args,
                     const std::vector<std::string>& env = {});

class TestNode {
 public:
  // `verbind init` in root/org with both listeners on 127.0.0.1:0.
  static std::unique_ptr<TestNode> Create(const std::string& root, const std::string& org);
  // A node folder that exists already (restored from a backup, say), not started.
  static std::unique_ptr<TestNode> Existing(const std::string& dir, const std::string& org);
  ~TestNode();

  // Starts `verbind serve` and waits until run/endpoints.json appears.
  common::Status Start(const std::vector<std::string>& env = {});
  // A command the node is started through, e.g. {"/bin/sh", "-c", "ulimit -f 1000; exec \"$0\"
  // \"$@\""} (the node's own argv follows).
  std::vector<std::string> launch_prefix;
  // Sends a signal and waits for exit; returns the exit status (or -signal), or -1 when the
  // node is not running.
  int Stop(int sig = 15);
  bool running() const { return process_.running(); }

  // `verbind --node DIR args...`
  CliResult Cli(const std::vector<std::string>& args) const;
  // A client of the local API (plain HTTP) and the CLI token.
  node::HttpClient Api() const;
  node::Headers Auth() const;
  // A JSON call on the local API with the CLI token; returns status and body.
  std::pair<int, std::string> Call(const std::string& method, const std::string& path,
                                   const std::string& body = "") const;
  // The same with another bearer token.
  std::pair<int, std::string> CallAs(const std::string& token, const std::string& method,
                                     const std::string& path, const std::string& body = "") const;
  // The owner's raw (unprotected, audited) answer to `sql` over this node's own data: POST
  // /v1/queries with the owner token.
  std::pair<int, std::string> RawQuery(const std::string& sql) const;
  // Marks `dataset` as holding no personal data (thresholds only), with a test reason.
  void MarkNonPersonal(const std::string& dataset) const;
  std::string IdentityJson() const;
  // Pins `other` in this node (peer add).
  void Pin(const TestNode& other, const std::vector<std::string>& groups = {}) const;
  // A TLS client context presenting this node's certificate.
  std::shared_ptr<const crypto::TlsContext> ClientTls() const;
  std::string TlsFingerprint() const;
  // This node's current Ed25519 signing key (read from its folder).
  std::shared_ptr<const crypto::SigningKey> SigningKey() const;
  // POSTs `body` to `target`'s peer listener over mutual TLS with this node's certificate.
  std::pair<int, std::string> PostToPeer(const TestNode& target, const std::string& path,
                                         const std::string& body,
                                         const std::string& content_type = "application/json",
                                         const node::Headers& extra = {}) const;

  const std::string& dir() const { return dir_; }
  const std::string& org() const { return org_; }
  int peer_port() const { return peer_port_; }
  int api_port() const { return api_port_; }
  pid_t pid() const { return process_.pid(); }
  std::string Log() const;
  std::string admin_token;
  std::string analyst_token;
  std::string owner_token;

 private:
  std::string dir_;
  std::string org_;
  Process process_;
  int peer_port_ = 0;
  int api_port_ = 0;
};

}  // namespace verbind::testing
