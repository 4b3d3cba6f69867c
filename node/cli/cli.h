// The `verbind` command line (CLI11). Exit codes: 0 success, 1 runtime error, 2 usage error.
#pragma once

namespace verbind::node {
int RunCli(int argc, char** argv);
}  // namespace verbind::node
