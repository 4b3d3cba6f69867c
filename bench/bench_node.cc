#include "bench/bench_node.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/files.h"
#include "common/strings.h"
#include "crypto/certificate.h"
#include "node/api/node_keys.h"

namespace verbind::bench {

using common::Result;
using common::Status;

namespace {

std::string ReadAll(const std::string& path) {
  auto r = common::ReadFile(path, 64u << 20);
  return r.ok() ? *r : "";
}

}  // namespace

std::string VerbindBinary() {
  const char* v = std::getenv("VERBIND_BINARY");
  return v && *v ? v : VERBIND_BUILT_BINARY;
}

Result<std::string> MakeTempDir(const std::string& prefix) {
  std::string pattern = "/tmp/" + prefix + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return common::Internal("cannot create a folder " + pattern);
  }
  return pattern;
}

void RemoveTree(const std::string& dir) {
  if (dir.rfind("/tmp/", 0) != 0) return;  // only what MakeTempDir made
  auto rm = testing::Process::Start({{"rm", "-rf", dir}, {}, "/dev/null", "/dev/null"});
  if (rm.ok()) rm->Wait();
}

CommandResult RunVerbind(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {VerbindBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::RunCommand(argv, {}, "/tmp/verbind-bench-cli");
}

Result<std::unique_ptr<BenchNode>> BenchNode::Init(const std::string& root,
                                                   const std::string& org) {
  auto node = std::make_unique<BenchNode>();
  node->org_ = org;
  node->dir_ = root + "/" + org;
  CommandResult r = RunVerbind({"init", node->dir_, "--org", org, "--name", "Organisation " + org,
                                "--peer-listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0"});
  if (r.exit_code != 0) return common::Internal("verbind init " + org + ": " + r.err);
  for (auto line : common::Split(r.out, '\n')) {
    line = common::Trim(line);
    if (common::StartsWith(line, "analyst:")) {
      node->analyst_token_ = std::string(common::Trim(line.substr(8)));
    }
  }
  return node;
}

BenchNode::~BenchNode() { Stop(5); }

Status BenchNode::Start(const std::vector<std::string>& env, const std::vector<std::string>& prefix,
                        int wait_s) {
  ::unlink((dir_ + "/run/endpoints.json").c_str());
  testing::ProcessSpec spec{prefix, env, dir_ + "/serve.out", dir_ + "/serve.log"};
  spec.argv.insert(spec.argv.end(), {VerbindBinary(), "serve", dir_});
  auto started = testing::Process::Start(spec);
  if (!started.ok()) {
    return common::Internal("cannot start verbind serve: " + started.status().ToString());
  }
  process_ = std::move(started).value();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (process_.Poll()) {
      return common::Unavailable(org_ + " exited: " + ReadAll(dir_ + "/serve.log"));
    }
    nlohmann::json j = nlohmann::json::parse(ReadAll(dir_ + "/run/endpoints.json"), nullptr, false);
    if (j.is_object()) {
      peer_port_ = j.value("peer_port", 0);
      api_port_ = j.value("api_port", 0);
      return Status::Ok();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return common::DeadlineExceeded(org_ + " did not start: " + ReadAll(dir_ + "/serve.log"));
}

void BenchNode::Stop(int grace_s) { process_.Stop(std::chrono::seconds(grace_s)); }

Status BenchNode::Cli(const std::vector<std::string>& args, std::string* out) const {
  std::vector<std::string> all = {"--node", dir_};
  all.insert(all.end(), args.begin(), args.end());
  CommandResult r = RunVerbind(all);
  if (out) *out = r.out;
  if (r.exit_code != 0) {
    return common::Internal("verbind " + (args.empty() ? "" : args[0]) + " on " + org_ + ": " +
                            r.err + r.out);
  }
  return Status::Ok();
}

Result<std::string> BenchNode::Identity() const {
  CommandResult r = RunVerbind({"identity", dir_});
  if (r.exit_code != 0) return common::Internal("verbind identity: " + r.err);
  return r.out;
}

Status BenchNode::Pin(const BenchNode& other) const {
  ASSIGN_OR_RETURN(std::string identity, other.Identity());
  std::string path = dir_ + "/" + other.org() + ".identity.json";
  RETURN_IF_ERROR(common::WriteFileAtomic(path, identity, 0644));
  return Cli({"peer", "add", path});
}

Result<std::shared_ptr<const crypto::TlsContext>> BenchNode::ClientTls() const {
  ASSIGN_OR_RETURN(std::string cert, common::ReadFile(dir_ + "/keys/tls.crt"));
  ASSIGN_OR_RETURN(std::string key, common::ReadFile(dir_ + "/keys/tls.key"));
  ASSIGN_OR_RETURN(auto ctx, crypto::TlsContext::Client(cert, key));
  return std::shared_ptr<const crypto::TlsContext>(std::move(ctx));
}

Result<std::string> BenchNode::TlsFingerprint() const {
  ASSIGN_OR_RETURN(std::string cert, common::ReadFile(dir_ + "/keys/tls.crt"));
  ASSIGN_OR_RETURN(crypto::CertificateInfo info, crypto::InspectCertificate(cert));
  return info.fingerprint;
}

Result<std::shared_ptr<const crypto::SigningKey>> BenchNode::SigningKey() const {
  ASSIGN_OR_RETURN(auto seed, node::ReadKeyFile(dir_ + "/keys/signing.key", 32));
  ASSIGN_OR_RETURN(crypto::SigningKey key, crypto::SigningKey::FromSeed(seed.span()));
  return std::make_shared<const crypto::SigningKey>(std::move(key));
}

double ProcessMemoryMib(pid_t pid, const char* key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  std::string want = std::string(key) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(want, 0) == 0) {
      std::istringstream fields(line.substr(want.size()));
      double kib = 0;
      fields >> kib;
      return kib / 1024.0;
    }
  }
  return 0;
}

double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  // Fields after the command: state is field 3; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

}  // namespace verbind::bench
