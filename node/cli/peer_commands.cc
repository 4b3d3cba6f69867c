// `verbind identity` (this node's identity document, read from its folder) and `verbind peer
// ...`, `verbind token ...` and `verbind status`, as clients of the local API.
#include <cstdio>
#include <cstdlib>

#include "common/files.h"
#include "node/api/identity.h"
#include "node/api/node_keys.h"
#include "node/cli/internal/commands.h"

namespace verbind::node {

using common::Status;
using nlohmann::json;

namespace {

void PrintPeers(const json& peers) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : peers) {
    std::string groups;
    for (const auto& gr : p["groups"])
      groups += (groups.empty() ? "" : ",") + gr.get<std::string>();
    std::string fp = p["tls_certificates"].empty()
                         ? ""
                         : p["tls_certificates"][0]["fingerprint_sha256"].get<std::string>();
    rows.push_back({p["org_id"], p["status"], groups, p["peer_url"], fp.substr(0, 16)});
  }
  PrintTable({"ORG", "STATUS", "GROUPS", "PEER URL", "TLS FINGERPRINT"}, rows);
}

Status ShowPeer(const json& p, bool as_json) {
  if (as_json) {
    std::printf("%s\n", p.dump(2).c_str());
    return Status::Ok();
  }
  PrintPeers(json::array({p}));
  return Status::Ok();
}

}  // namespace

void AddIdentityCommand(CLI::App& app, GlobalsPtr g, CliAction* action) {
  auto* cmd = app.add_subcommand("identity",
                                 "Print this node's public identity document (JSON) "
                                 "to give to peer administrators");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("DIR", *dir, "Node folder (default: --node)");
  cmd->callback([=] {
    *action = [=] {
      std::string node_dir = dir->empty() ? g->node_dir : *dir;
      if (node_dir.empty()) return Report(common::InvalidArgument("give the node folder: DIR"));
      auto config = config::LoadNodeConfig(node_dir, [](const char* n) { return std::getenv(n); });
      if (!config.ok()) return Report(config.status());
      auto keys = LoadNodeKeys(*config);
      if (!keys.ok()) return Report(keys.status());
      std::string peer_url = config->peer_url;
      // A running node knows its bound port.
      auto endpoints = common::ReadFile(node_dir + "/run/endpoints.json", 1 << 16);
      if (endpoints.ok()) {
        json j = json::parse(*endpoints, nullptr, false);
        if (j.is_object() && j.contains("peer_url")) peer_url = j["peer_url"];
      }
      auto doc = IdentityDocumentJson(config->org_id, config->name, peer_url, *keys);
      if (!doc.ok()) return Report(doc.status());
      std::printf("%s", doc->c_str());
      return 0;
    };
  });
}

void AddPeerCommands(CLI::App& app, GlobalsPtr g, CliAction* action) {
  auto* peer = app.add_subcommand("peer",
                                  "Manage the trust store: which peer organisations "
                                  "may connect, with which keys")
                   ->require_subcommand(1);
  auto* add = peer->add_subcommand("add", "Pin a peer from its identity document");
  auto file = std::make_shared<std::string>();
  auto groups = std::make_shared<std::vector<std::string>>();
  add->add_option("IDENTITY", *file, "Identity document (JSON file from verbind identity)")
      ->required();
  add->add_option("--group", *groups, "Group to put the peer in (repeatable)");
  add->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(std::string text, common::ReadFile(*file, 1 << 20));
        json body = {{"identity", text}, {"groups", *groups}};
        ASSIGN_OR_RETURN(json p, api.Call("POST", "/v1/peers", &body));
        std::printf("Pinned %s (%s): key %s, TLS fingerprint %s\n",
                    p["org_id"].get<std::string>().c_str(), p["name"].get<std::string>().c_str(),
                    p["signing_keys"][0]["key_id"].get<std::string>().c_str(),
                    p["tls_certificates"][0]["fingerprint_sha256"].get<std::string>().c_str());
        return Status::Ok();
      });
    };
  });
  peer->add_subcommand("list", "List known peers")->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(json r, api.Call("GET", "/v1/peers"));
        if (g->json) {
          std::printf("%s\n", r.dump(2).c_str());
        } else {
          PrintPeers(r["peers"]);
        }
        return Status::Ok();
      });
    };
  });
  auto org = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>();
  auto* show = peer->add_subcommand("show", "Show one peer");
  show->add_option("ORG", *org, "Organisation id")->required();
  show->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(json p, api.Call("GET", "/v1/peers/" + *org));
        return ShowPeer(p, true);
      });
    };
  });
  for (const char* verb : {"suspend", "resume", "revoke"}) {
    std::string v = verb;
    auto* cmd = peer->add_subcommand(
        v, v == "suspend"  ? "Stop accepting a peer until it is resumed"
           : v == "resume" ? "Accept a suspended peer again"
                           : "Stop accepting a peer for good (its keys stay pinned as revoked)");
    cmd->add_option("ORG", *org, "Organisation id")->required();
    if (v != "resume") cmd->add_option("--reason", *reason, "Why (kept in the registry)");
    cmd->callback([=] {
      *action = [=] {
        return WithApi(*g, [&](ApiCaller& api) -> Status {
          json body = {{"reason", *reason}};
          ASSIGN_OR_RETURN(json p, api.Call("POST", "/v1/peers/" + *org + "/" + v, &body));
          std::printf("%s is now %s\n", org->c_str(), p["status"].get<std::string>().c_str());
          return Status::Ok();
        });
      };
    });
  }
  auto* update = peer->add_subcommand(
      "update", "Re-pin a peer from a new identity document and/or set its groups");
  auto new_file = std::make_shared<std::string>();
  auto new_groups = std::make_shared<std::vector<std::string>>();
  update->add_option("ORG", *org, "Organisation id")->required();
  update->add_option("IDENTITY", *new_file, "New identity document (optional)");
  update->add_option("--group", *new_groups, "Replace the peer's groups (repeatable)");
  update->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        json body = json::object();
        if (!new_file->empty()) {
          ASSIGN_OR_RETURN(std::string text, common::ReadFile(*new_file, 1 << 20));
          body["identity"] = text;
        }
        if (!new_groups->empty()) body["groups"] = *new_groups;
        ASSIGN_OR_RETURN(json p, api.Call("PUT", "/v1/peers/" + *org, &body));
        return ShowPeer(p, g->json);
      });
    };
  });
  auto* check = peer->add_subcommand(
      "check", "Reach a peer over mutual TLS and compare its identity with the pinned one");
  check->add_option("ORG", *org, "Organisation id")->required();
  check->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(json r, api.Call("POST", "/v1/peers/" + *org + "/check"));
        if (g->json) {
          std::printf("%s\n", r.dump(2).c_str());
        } else if (!r.value("reachable", false)) {
          return common::Unavailable(*org + " is not reachable: " + r.value("error", ""));
        } else {
          std::printf("%s reachable over mutual TLS at %s in %.1f ms; identity %s\n", org->c_str(),
                      r["peer_url"].get<std::string>().c_str(), r["latency_ms"].get<double>(),
                      r.value("identity_matches_pinned", false) ? "matches the pinned keys"
                                                                : "DOES NOT MATCH the pinned keys");
        }
        if (!r.value("identity_matches_pinned", false)) {
          return common::FailedPrecondition(*org + ": identity does not match");
        }
        return Status::Ok();
      });
    };
  });
  auto* rm = peer->add_subcommand("remove", "Forget a peer entirely");
  rm->add_option("ORG", *org, "Organisation id")->required();
  rm->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(json r, api.Call("DELETE", "/v1/peers/" + *org));
        std::printf("Removed %s\n", org->c_str());
        return Status::Ok();
      });
    };
  });
}

void AddTokenCommands(CLI::App& app, GlobalsPtr g, CliAction* action) {
  auto* token = app.add_subcommand("token", "Manage API tokens")->require_subcommand(1);
  auto name = std::make_shared<std::string>();
  auto role = std::make_shared<std::string>("analyst");
  auto* create = token->add_subcommand("create", "Create a token (printed once)");
  create->add_option("NAME", *name, "Token name")->required();
  create->add_option("--role", *role, "owner (raw answers too), admin or analyst")
      ->capture_default_str();
  create->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        json body = {{"name", *name}, {"role", *role}};
        ASSIGN_OR_RETURN(json r, api.Call("POST", "/v1/tokens", &body));
        std::printf("%s\n", r["token"].get<std::string>().c_str());
        return Status::Ok();
      });
    };
  });
  token->add_subcommand("list", "List tokens (names and roles)")->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(json r, api.Call("GET", "/v1/tokens"));
        std::vector<std::vector<std::string>> rows;
        for (const auto& t : r["tokens"]) rows.push_back({t["name"], t["role"], t["created"]});
        PrintTable({"NAME", "ROLE", "CREATED"}, rows);
        return Status::Ok();
      });
    };
  });
  auto* revoke = token->add_subcommand("revoke", "Revoke a token");
  revoke->add_option("NAME", *name, "Token name")->required();
  revoke->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(json r, api.Call("DELETE", "/v1/tokens/" + *name));
        std::printf("Revoked %s\n", name->c_str());
        return Status::Ok();
      });
    };
  });
}

void AddStatusCommand(CLI::App& app, GlobalsPtr g, CliAction* action) {
  app.add_subcommand("status", "Check that the node is up and ready")->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(json health, api.Call("GET", "/healthz"));
        ASSIGN_OR_RETURN(json ready, api.Call("GET", "/readyz"));
        ASSIGN_OR_RETURN(json id, api.Call("GET", "/v1/identity"));
        std::printf(
            "%s (%s): %s, %s; peer URL %s\n", id["org_id"].get<std::string>().c_str(),
            id["name"].get<std::string>().c_str(), health["status"].get<std::string>().c_str(),
            ready["status"].get<std::string>().c_str(), id["peer_url"].get<std::string>().c_str());
        return Status::Ok();
      });
    };
  });
}

}  // namespace verbind::node
