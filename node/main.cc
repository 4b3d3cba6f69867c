// The verbind executable.
#include <csignal>

#include "node/cli.h"

int main(int argc, char** argv) {
  // A peer that closes a connection must give an error, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  return verbind::node::RunCli(argc, argv);
}
