// A child process for tests and benchmarks: started with posix_spawnp, with extra environment
// entries and its standard output and error sent to files, then polled, waited for, or
// killed. Test support only: production libraries never link verbind_testing.
// Thread-compatible: one Process is used by one thread at a time; distinct Processes may be
// used from distinct threads.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace verbind::testing {

// What to start.
struct ProcessSpec {
  // The program and its arguments; argv[0] is searched in PATH unless it holds a '/'.
  std::vector<std::string> argv;
  // "K=V" entries on top of this process's environment: an entry replaces an inherited one of
  // the same name, and a later entry an earlier one.
  std::vector<std::string> env;
  // Files for standard output and error (created, mode 0644); empty: inherited from this
  // process.
  std::string stdout_path;
  std::string stderr_path;
  // Append to the files instead of truncating them.
  bool append = false;
};

// A started child. Moving transfers it; destroying a Process whose child still runs, or
// assigning another over it, kills that child with SIGKILL and reaps it, so no child outlives
// its owner unnoticed.
class Process {
 public:
  // Starts `spec`; InvalidArgument when spec.argv is empty, Internal (with the reason) when
  // the program cannot be started or a file cannot be opened.
  static common::Result<Process> Start(const ProcessSpec& spec);

  Process() = default;  // no child
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  // The child's pid, or -1 when there is none (never started, or already reaped).
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

  // Without blocking: the exit status (as Wait returns it) once the child has ended, which
  // reaps it; nullopt while it runs or when there is no child.
  std::optional<int> Poll();
  // Blocks until the child ends and reaps it: its exit code, or -N when signal N ended it;
  // -1 when there is no child.
  int Wait();
  // Sends `sig` and waits as Wait does.
  int Kill(int sig);
  // SIGTERM, then SIGKILL when the child has not ended within `grace`; returns as Wait.
  int Stop(std::chrono::milliseconds grace);

 private:
  explicit Process(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

// The outcome of a command run to completion.
struct CommandResult {
  int exit_code = -1;  // as Process::Wait; -1 when it could not be started
  std::string out;     // standard output
  std::string err;     // standard error (or why it could not be started)
};

// Runs `argv` (with extra `env` entries, as in ProcessSpec) to completion. Its output is
// captured in the files <capture_prefix>-<pid>-<n>.out and .err (n counts the calls), which
// are removed afterwards; their folder must exist.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const std::string& capture_prefix);

}  // namespace verbind::testing
