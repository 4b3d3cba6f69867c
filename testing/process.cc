#include "testing/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include "common/files.h"

extern char** environ;

namespace verbind::testing {

namespace {

// This process's environment with `extra` entries replacing those of the same name.
std::vector<std::string> MergedEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    env.emplace_back(*e);
  }
  for (const std::string& entry : extra) {
    std::string name = entry.substr(0, entry.find('=') + 1);  // "K=", or the whole entry
    std::erase_if(env, [&](const std::string& e) { return e.compare(0, name.size(), name) == 0; });
    env.push_back(entry);
  }
  return env;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

// Exit code, or -N for signal N.
int Decode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status); }

std::string ReadAll(const std::string& path) {
  auto r = common::ReadFile(path, 64u << 20);
  return r.ok() ? *r : "";
}

}  // namespace

common::Result<Process> Process::Start(const ProcessSpec& spec) {
  if (spec.argv.empty()) {
    return common::InvalidArgument("no program to start");
  }
  std::vector<std::string> argv_s = spec.argv;
  std::vector<std::string> env_s = MergedEnvironment(spec.env);
  std::vector<char*> argv = Pointers(argv_s);
  std::vector<char*> envp = Pointers(env_s);
  int flags = O_WRONLY | O_CREAT | (spec.append ? O_APPEND : O_TRUNC);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!spec.stdout_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, spec.stdout_path.c_str(), flags, 0644);
  }
  if (!spec.stderr_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, 2, spec.stderr_path.c_str(), flags, 0644);
  }
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return common::Internal("cannot start " + spec.argv[0] + ": " + std::strerror(rc));
  }
  return Process(pid);
}

Process::Process(Process&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    Kill(SIGKILL);
    pid_ = std::exchange(other.pid_, -1);
  }
  return *this;
}

Process::~Process() { Kill(SIGKILL); }

std::optional<int> Process::Poll() {
  if (pid_ <= 0) {
    return std::nullopt;
  }
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0 || (r < 0 && errno == EINTR)) {
    return std::nullopt;
  }
  pid_ = -1;
  return r < 0 ? -1 : Decode(status);
}

int Process::Wait() {
  if (pid_ <= 0) {
    return -1;
  }
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  pid_ = -1;
  return r < 0 ? -1 : Decode(status);
}

int Process::Kill(int sig) {
  if (pid_ <= 0) {
    return -1;
  }
  ::kill(pid_, sig);
  return Wait();
}

int Process::Stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) {
    return -1;
  }
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::optional<int> code = Poll()) {
      return *code;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Kill(SIGKILL);
}

CommandResult RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const std::string& capture_prefix) {
  static std::atomic<int> counter{0};
  std::string base =
      capture_prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  ProcessSpec spec{argv, env, base + ".out", base + ".err"};
  CommandResult r;
  auto process = Process::Start(spec);
  if (!process.ok()) {
    r.err = process.status().ToString();
    return r;
  }
  r.exit_code = process->Wait();
  r.out = ReadAll(spec.stdout_path);
  r.err = ReadAll(spec.stderr_path);
  ::unlink(spec.stdout_path.c_str());
  ::unlink(spec.stderr_path.c_str());
  return r;
}

}  // namespace verbind::testing
