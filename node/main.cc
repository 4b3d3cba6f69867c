// The verbind executable.
#include <csignal>

#include "node/cli/cli.h"

int main(int argc, char** argv) {
  // A peer that closes a connection must give an error, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  // Over a file-size limit a write must fail with EFBIG (reported as a full disk), not kill us.
  std::signal(SIGXFSZ, SIG_IGN);
  return verbind::node::RunCli(argc, argv);
}
