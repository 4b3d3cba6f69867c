// `verbind transparency export | verify`: the monthly transparency register, written for
// publication and checked offline (docs/transparency.md).
#include <cstdio>

#include "common/files.h"
#include "federation/identity.h"
#include "federation/transparency.h"
#include "node/cli/internal/commands.h"

namespace verbind::node {

using common::Status;
using nlohmann::json;

namespace {

void PrintTotals(const json& reg) {
  std::printf("register of %s for %s: %zu rows; answered %s, refused by policy %s, failed %s\n",
              reg["organisation"].get<std::string>().c_str(),
              reg["month"].get<std::string>().c_str(), reg["rows"].size(),
              reg["totals"]["answered"].dump().c_str(),
              reg["totals"]["refused_by_policy"].dump().c_str(),
              reg["totals"]["failed"].dump().c_str());
}

}  // namespace

void AddTransparencyCommands(CLI::App& app, GlobalsPtr g, CliAction* action) {
  auto* t = app.add_subcommand("transparency", "The monthly transparency register")
                ->require_subcommand(1);
  auto month = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>(".");
  auto* exp = t->add_subcommand(
      "export", "Write the signed register (JSON) and its CSV for publication");
  exp->add_option("--month", *month, "YYYY-MM (UTC)")->required();
  exp->add_option("--out", *out, "Folder to write to (default: the current folder)");
  exp->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(json r, api.Call("GET", "/v1/transparency/" + *month));
        const json& reg = r["register"];
        std::string base = *out + "/transparency-" + reg["organisation"].get<std::string>() +
                           "-" + *month;
        RETURN_IF_ERROR(common::WriteFileAtomic(base + ".json", r["file"].get<std::string>(),
                                                0644, /*overwrite=*/false));
        RETURN_IF_ERROR(common::WriteFileAtomic(base + ".csv", r["csv"].get<std::string>(), 0644,
                                                /*overwrite=*/false));
        if (g->json) {
          std::printf("%s\n", reg.dump(2).c_str());
        } else {
          PrintTotals(reg);
          std::printf("wrote %s.json (signed) and %s.csv\n", base.c_str(), base.c_str());
        }
        return Status::Ok();
      });
    };
  });
  auto file = std::make_shared<std::string>();
  auto identity = std::make_shared<std::string>();
  auto* verify = t->add_subcommand("verify", "Check a published register offline");
  verify->add_option("FILE", *file, "The register file (transparency-ORG-YYYY-MM.json)")
      ->required();
  verify->add_option("--identity", *identity, "The organisation's identity document")
      ->required();
  verify->callback([=] {
    *action = [=] {
      auto text = common::ReadFile(*file, 256u << 20);
      if (!text.ok()) return Report(text.status());
      auto id_text = common::ReadFile(*identity, 1 << 20);
      if (!id_text.ok()) return Report(id_text.status());
      auto id = federation::ParseIdentityDocument(*id_text);
      if (!id.ok()) return Report(id.status().WithContext(*identity));
      auto reg = federation::VerifyRegister(*text, *id);
      if (!reg.ok()) {
        std::fprintf(stderr, "verbind: register INVALID: %s\n", reg.status().message().c_str());
        return 1;
      }
      PrintTotals(*reg);
      std::printf("signed by %s with key %s: valid\n", id->org_id.c_str(),
                  id->signing_key_id.c_str());
      return 0;
    };
  });
}

}  // namespace verbind::node
