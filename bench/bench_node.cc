#include "bench/bench_node.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
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

extern char** environ;

namespace verbind::bench {

using common::Result;
using common::Status;

namespace {

std::string ReadAll(const std::string& path) {
  auto r = common::ReadFile(path, 64u << 20);
  return r.ok() ? *r : "";
}

// Spawns argv with extra environment entries; stdout and stderr go to the given files.
pid_t Spawn(const std::vector<std::string>& args, const std::vector<std::string>& extra_env,
            const std::string& out_path, const std::string& err_path) {
  std::vector<std::string> argv_s = args;
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) env_s.push_back(*e);
  env_s.insert(env_s.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
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
  pid_t pid = Spawn({"rm", "-rf", dir}, {}, "/dev/null", "/dev/null");
  int status = 0;
  if (pid > 0) ::waitpid(pid, &status, 0);
}

CommandResult RunVerbind(const std::vector<std::string>& args) {
  static int counter = 0;
  std::string base =
      "/tmp/verbind-bench-cli-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  std::vector<std::string> argv = {VerbindBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult r;
  pid_t pid = Spawn(argv, {}, base + ".out", base + ".err");
  int status = 0;
  if (pid > 0 && ::waitpid(pid, &status, 0) == pid) {
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  r.out = ReadAll(base + ".out");
  r.err = ReadAll(base + ".err");
  ::unlink((base + ".out").c_str());
  ::unlink((base + ".err").c_str());
  return r;
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
  std::vector<std::string> argv = prefix;
  argv.push_back(VerbindBinary());
  argv.push_back("serve");
  argv.push_back(dir_);
  pid_ = Spawn(argv, env, dir_ + "/serve.out", dir_ + "/serve.log");
  if (pid_ <= 0) return common::Internal("cannot start verbind serve");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
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

void BenchNode::Stop(int grace_s) {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < grace_s * 50; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

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
