#include "node/cli/cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "common/clock.h"
#include "config/node_config.h"
#include "crypto/system_random.h"
#include "node/cli/internal/commands.h"
#include "node/init.h"
#include "node/node.h"
#include "storage/data_format.h"
#include "node/node.h"

namespace verbind::node {

namespace {

void AddInit(CLI::App& app, std::function<int()>* action) {
  auto* cmd = app.add_subcommand("init",
                                 "Create a node folder: configuration, keys, TLS "
                                 "certificate and the first API tokens");
  auto settings = std::make_shared<config::InitSettings>();
  auto dir = std::make_shared<std::string>();
  cmd->add_option("DIR", *dir, "Folder to create (must not hold a node)")->required();
  cmd->add_option("--org", settings->org_id, "Organisation id: a-z 0-9 . _ -")->required();
  cmd->add_option("--name", settings->name, "Display name of the organisation")->required();
  cmd->add_option("--peer-listen", settings->peer_listen, "Peer listener HOST:PORT")
      ->capture_default_str();
  cmd->add_option("--api-listen", settings->api_listen, "Local API HOST:PORT")
      ->capture_default_str();
  cmd->add_option("--peer-url", settings->peer_url,
                  "URL peers use to reach this node (default: from --peer-listen)");
  cmd->callback([=] {
    *action = [=] {
      auto r = InitNode(*dir, *settings, crypto::SystemRandom::Get(),
                        common::RealClock::Get().NowMillis());
      if (!r.ok()) return Report(r.status());
      std::printf(
          "Created node %s in %s\n"
          "  signing key id:        %s\n"
          "  TLS fingerprint:       %s\n\n"
          "API tokens (shown once; only their hashes are stored in tokens.toml):\n"
          "  owner:   %s\n"
          "  admin:   %s\n"
          "  analyst: %s\n\n"
          "Next: verbind serve %s   and share: verbind identity %s > %s.identity.json\n",
          settings->org_id.c_str(), dir->c_str(), r->signing_key_id.c_str(),
          r->tls_fingerprint.c_str(), r->owner_token.c_str(), r->admin_token.c_str(),
          r->analyst_token.c_str(), dir->c_str(), dir->c_str(), settings->org_id.c_str());
      return 0;
    };
  });
}

void AddServe(CLI::App& app, std::function<int()>* action) {
  auto* cmd = app.add_subcommand("serve", "Run the node until SIGINT or SIGTERM");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("DIR", *dir, "Node folder")->required();
  cmd->callback([=] { *action = [=] { return ServeMain(*dir); }; });
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{
      "Verbind: a federated, secure data-sharing node for government bodies.\n"
      "Nodes answer signed, policy-checked aggregate queries from peer organisations;\n"
      "no raw record leaves its owner. See README.md and docs/."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("verbind ") + kReleaseVersion + " (data format " +
                                       std::to_string(storage::kDataFormat) +
                                       ", peer protocol 2)");
  auto globals = std::make_shared<CliGlobals>();
  app.add_option("--node", globals->node_dir, "Node folder of the node to talk to")
      ->envname("VERBIND_NODE");
  app.add_option("--api", globals->api_url, "Local API URL (default: from the node folder)")
      ->envname("VERBIND_API");
  app.add_option("--token", globals->token, "API token (default: the node's run/cli.token)")
      ->envname("VERBIND_TOKEN");
  app.add_flag("--json", globals->json, "Print JSON instead of tables");
  std::function<int()> action;
  AddInit(app, &action);
  AddServe(app, &action);
  AddIdentityCommand(app, globals, &action);
  AddPeerCommands(app, globals, &action);
  AddTokenCommands(app, globals, &action);
  AddStatusCommand(app, globals, &action);
  AddAuditCommands(app, globals, &action);
  AddKeyCommands(app, globals, &action);
  AddPolicyCommands(app, globals, &action);
  AddQueryCommands(app, globals, &action);
  AddDatasetCommands(app, globals, &action);
  AddTransparencyCommands(app, globals, &action);
  AddBackupCommands(app, globals, &action);
  AddDoctorCommand(app, globals, &action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  if (!action) return 2;
  return action();
}

}  // namespace verbind::node
