// `verbind audit ...` (list, verify and export the audit log) and `verbind keys rotate`, as a
// client of the local API (docs/audit.md, docs/protocol.md).
#include <cstdio>

#include "common/files.h"
#include "node/cli/internal/commands.h"

namespace verbind::node {

using common::Status;
using nlohmann::json;

void AddAuditCommands(CLI::App& app, GlobalsPtr g, CliAction* action) {
  auto* audit = app.add_subcommand("audit", "Read and verify the tamper-evident audit log")
                    ->require_subcommand(1);
  auto since = std::make_shared<std::string>();
  auto peer = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("table");
  auto limit = std::make_shared<int>(1000);
  auto* list = audit->add_subcommand("list", "List audit entries");
  list->add_option("--since", *since, "Only entries at or after this time (RFC 3339)");
  list->add_option("--peer", *peer, "Only entries about this organisation");
  list->add_option("--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}));
  list->add_option("--limit", *limit, "At most this many entries (1-10000)")->capture_default_str();
  list->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        std::string path = "/v1/audit?limit=" + std::to_string(*limit);
        if (!since->empty()) path += "&since=" + *since;
        if (!peer->empty()) path += "&peer=" + *peer;
        ASSIGN_OR_RETURN(json r, api.Call("GET", path));
        if (*format == "json" || g->json) {
          std::printf("%s\n", r.dump(2).c_str());
          return Status::Ok();
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto& e : r["entries"]) {
          rows.push_back({std::to_string(e["seq"].get<uint64_t>()), e["time"], e["direction"],
                          e["operation"], e["foreign_org"], e["dataset"], e["decision"],
                          e["reason"].get<std::string>().substr(0, 60)});
        }
        PrintTable({"SEQ", "TIME", "DIR", "OPERATION", "ORG", "DATASET", "DECISION", "REASON"},
                   rows);
        return Status::Ok();
      });
    };
  });
  audit->add_subcommand("verify", "Check the hash chain and signed checkpoints")->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(json r, api.Call("GET", "/v1/audit/verify"));
        if (!r["ok"].get<bool>()) {
          return common::DataLoss("audit log verification FAILED at entry " +
                                  std::to_string(r["first_bad_seq"].get<uint64_t>()) + ": " +
                                  r["problem"].get<std::string>());
        }
        std::printf("audit log intact: %llu entries, %llu signed checkpoints\n",
                    static_cast<unsigned long long>(r["entries"].get<uint64_t>()),
                    static_cast<unsigned long long>(r["checkpoints"].get<uint64_t>()));
        return Status::Ok();
      });
    };
  });
  auto file = std::make_shared<std::string>();
  auto* exp = audit->add_subcommand("export", "Write every entry as JSON lines to FILE");
  exp->add_option("FILE", *file, "Output file")->required();
  exp->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(HttpResponse r, api.Raw("GET", "/v1/audit/export", "", ""));
        if (r.status != 200) return ErrorFromResponse(r);
        RETURN_IF_ERROR(common::WriteFileAtomic(*file, r.body, 0600));
        size_t lines = static_cast<size_t>(std::count(r.body.begin(), r.body.end(), '\n'));
        std::printf("wrote %zu entries to %s\n", lines, file->c_str());
        return Status::Ok();
      });
    };
  });
}

}  // namespace verbind::node

namespace verbind::node {

void AddKeyCommands(CLI::App& app, GlobalsPtr g, CliAction* action) {
  auto* keys = app.add_subcommand("keys", "Manage this node's keys")->require_subcommand(1);
  auto tls = std::make_shared<bool>(false);
  auto* rotate = keys->add_subcommand(
      "rotate",
      "Create a new signing key (and with --tls a new TLS certificate), announce it to "
      "every active peer signed with the old key, and switch to it");
  rotate->add_flag("--tls", *tls, "Renew the TLS certificate too");
  rotate->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> common::Status {
        nlohmann::json body = {{"tls", *tls}};
        ASSIGN_OR_RETURN(nlohmann::json r, api.Call("POST", "/v1/keys/rotate", &body));
        std::printf("new signing key %s (previous %s stays valid at peers until %s)\n",
                    r["new_key_id"].get<std::string>().c_str(),
                    r["previous_key_id"].get<std::string>().c_str(),
                    r["overlap_until"].get<std::string>().c_str());
        if (r.contains("tls_fingerprint_sha256")) {
          std::printf("new TLS certificate %s\n",
                      r["tls_fingerprint_sha256"].get<std::string>().c_str());
        }
        for (const auto& org : r["notified"]) {
          std::printf("  announced to %s\n", org.get<std::string>().c_str());
        }
        for (const auto& f : r["failed"]) {
          std::printf("  NOT announced to %s: %s (re-pin with: peer update)\n",
                      f["org_id"].get<std::string>().c_str(),
                      f["error"].get<std::string>().c_str());
        }
        return common::Status::Ok();
      });
    };
  });
}

}  // namespace verbind::node
