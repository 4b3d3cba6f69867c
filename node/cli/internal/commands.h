// Registration of CLI command groups. Each Add* function adds subcommands to `app` whose
// callbacks set `action`, run after parsing. Thread-compatible.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>

#include "node/cli/internal/api_caller.h"
#include "node/cli/internal/output.h"

namespace verbind::node {

using CliAction = std::function<int()>;
using GlobalsPtr = std::shared_ptr<CliGlobals>;

void AddIdentityCommand(CLI::App& app, GlobalsPtr g, CliAction* action);
void AddPeerCommands(CLI::App& app, GlobalsPtr g, CliAction* action);
void AddTokenCommands(CLI::App& app, GlobalsPtr g, CliAction* action);
void AddStatusCommand(CLI::App& app, GlobalsPtr g, CliAction* action);
void AddAuditCommands(CLI::App& app, GlobalsPtr g, CliAction* action);
void AddKeyCommands(CLI::App& app, GlobalsPtr g, CliAction* action);
void AddPolicyCommands(CLI::App& app, GlobalsPtr g, CliAction* action);
void AddQueryCommands(CLI::App& app, GlobalsPtr g, CliAction* action);
void AddDatasetCommands(CLI::App& app, GlobalsPtr g, CliAction* action);
void AddTransparencyCommands(CLI::App& app, GlobalsPtr g, CliAction* action);
// `backup` (with `backup key`, `backup verify`) and `restore`.
void AddBackupCommands(CLI::App& app, GlobalsPtr g, CliAction* action);
// `doctor`.
void AddDoctorCommand(CLI::App& app, GlobalsPtr g, CliAction* action);
// `dataset privacy`, added to the dataset command.
void AddPrivacyCommand(CLI::App& dataset, GlobalsPtr g, CliAction* action);
// `dataset publish`, `dataset adopt` and `dataset definitions`, added to the dataset command.
void AddDefinitionCommands(CLI::App& dataset, GlobalsPtr g, CliAction* action);

// Connects to the node and runs `fn`; prints errors; returns the exit code.
int WithApi(const CliGlobals& g, const std::function<common::Status(ApiCaller&)>& fn);

}  // namespace verbind::node
