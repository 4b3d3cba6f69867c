// The verbind executable.
#include "node/cli.h"

int main(int argc, char** argv) { return verbind::node::RunCli(argc, argv); }
