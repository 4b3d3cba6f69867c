// Small output helpers for CLI commands: aligned tables and errors. Thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace verbind::node {

// Prints rows as an aligned table with a header row.
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);
// Prints "verbind: <message>" to standard error and returns 1 (or 0 when OK).
int Report(const common::Status& status);

}  // namespace verbind::node
