// Benchmark harness: real `verbind` node processes in a temporary folder, on loopback ports
// chosen by the node (port 0), set up through the CLI exactly as an operator would (init,
// serve, peer add, dataset create and ingest, policy apply), plus what a benchmark needs around
// them: a client's TLS context and signing key, the node's resident memory, and latency
// percentiles. Used by peer_bench and load_test. Thread-compatible (one controlling thread);
// the read-only accessors may be used from many threads once a node runs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "crypto/signing.h"
#include "crypto/tls.h"
#include "testing/process.h"

namespace verbind::bench {

// The verbind binary: $VERBIND_BINARY if set, else the one built next to the benchmarks.
std::string VerbindBinary();

// A new private folder /tmp/<prefix>-XXXXXX (removed by RemoveTree).
common::Result<std::string> MakeTempDir(const std::string& prefix);
void RemoveTree(const std::string& dir);

using CommandResult = testing::CommandResult;
// Runs `verbind args...` to completion and captures its output.
CommandResult RunVerbind(const std::vector<std::string>& args);

class BenchNode {
 public:
  // `verbind init DIR/org` with both listeners on 127.0.0.1:0.
  static common::Result<std::unique_ptr<BenchNode>> Init(const std::string& root,
                                                         const std::string& org);
  ~BenchNode();

  // Starts `verbind serve` with extra environment entries ("K=V"); `prefix` runs the node
  // under a wrapper (for example valgrind). Waits for run/endpoints.json.
  common::Status Start(const std::vector<std::string>& env = {},
                       const std::vector<std::string>& prefix = {}, int wait_s = 30);
  // SIGTERM, then SIGKILL after `grace_s`.
  void Stop(int grace_s = 20);

  // `verbind --node DIR args...`; an error carries the command's stderr.
  common::Status Cli(const std::vector<std::string>& args, std::string* out = nullptr) const;
  // This node's identity document (`verbind identity DIR`).
  common::Result<std::string> Identity() const;
  // Pins `other` here (`peer add`), writing its identity under this node's folder.
  common::Status Pin(const BenchNode& other) const;

  // A client TLS context presenting this node's certificate, its fingerprint, its signing key.
  common::Result<std::shared_ptr<const crypto::TlsContext>> ClientTls() const;
  common::Result<std::string> TlsFingerprint() const;
  common::Result<std::shared_ptr<const crypto::SigningKey>> SigningKey() const;

  const std::string& dir() const { return dir_; }
  const std::string& org() const { return org_; }
  const std::string& analyst_token() const { return analyst_token_; }
  pid_t pid() const { return process_.pid(); }
  int api_port() const { return api_port_; }
  int peer_port() const { return peer_port_; }

 private:
  std::string dir_;
  std::string org_;
  std::string analyst_token_;
  testing::Process process_;
  int api_port_ = 0;
  int peer_port_ = 0;
};

// Resident memory of a process in MiB from /proc/PID/status ("VmRSS", or "VmHWM" for the
// peak); 0 when unreadable.
double ProcessMemoryMib(pid_t pid, const char* key = "VmRSS");

// CPU time (user + system) a process has used so far, in seconds; 0 when unreadable.
double ProcessCpuSeconds(pid_t pid);

// Percentile (0..100) of `sorted` (ascending), nearest rank; 0 when empty.
double Percentile(const std::vector<double>& sorted, double p);

}  // namespace verbind::bench
