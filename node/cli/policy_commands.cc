// `verbind policy ...`: apply, list, show, remove and explain sharing policies, as a client of
// the local API (docs/policies.md).
#include <cstdio>

#include "common/files.h"
#include "node/cli/internal/commands.h"

namespace verbind::node {

using common::Status;
using nlohmann::json;

namespace {

// A query argument: a file with SQL or JSON, or the text itself.
json QueryArgument(const std::string& arg) {
  std::string text = arg;
  if (auto file = common::ReadFile(arg, 1 << 20); file.ok()) text = *file;
  json j = json::parse(text, nullptr, false);
  return j.is_object() ? j : json(text);
}

}  // namespace

void AddPolicyCommands(CLI::App& app, GlobalsPtr g, CliAction* action) {
  auto* policy = app.add_subcommand("policy", "Manage sharing policies (deny by default)")
                     ->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto* apply = policy->add_subcommand(
      "apply",
      "Apply a policy file: a new version of its id (a file with an error changes "
      "nothing)");
  apply->add_option("FILE", *file, "Policy file (TOML, docs/policies.md)")->required();
  apply->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(std::string text, common::ReadFile(*file, 1 << 20));
        json body = {{"source", text}, {"file", *file}};
        ASSIGN_OR_RETURN(json p, api.Call("POST", "/v1/policies", &body));
        std::printf("applied policy %s version %lld for dataset %s\n",
                    p["id"].get<std::string>().c_str(),
                    static_cast<long long>(p["version"].get<int64_t>()),
                    p["dataset"].get<std::string>().c_str());
        return Status::Ok();
      });
    };
  });
  policy->add_subcommand("list", "List the policies in force")->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(json r, api.Call("GET", "/v1/policies"));
        if (g->json) {
          std::printf("%s\n", r.dump(2).c_str());
          return Status::Ok();
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto& p : r["policies"]) {
          std::string grantees;
          for (const auto& x : p["grantees"])
            grantees += (grantees.empty() ? "" : ",") + x.get<std::string>();
          rows.push_back({p["id"], std::to_string(p["version"].get<int64_t>()), p["dataset"],
                          grantees, p["applied_at"], p["applied_by"]});
        }
        PrintTable({"ID", "VERSION", "DATASET", "GRANTEES", "APPLIED", "BY"}, rows);
        return Status::Ok();
      });
    };
  });
  auto id = std::make_shared<std::string>();
  auto* show = policy->add_subcommand("show", "Show a policy with every version");
  show->add_option("ID", *id, "Policy id")->required();
  show->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(json r, api.Call("GET", "/v1/policies/" + *id));
        if (g->json) {
          std::printf("%s\n", r.dump(2).c_str());
          return Status::Ok();
        }
        for (const auto& v : r["versions"]) {
          std::printf("# version %lld%s, applied %s by %s\n",
                      static_cast<long long>(v["version"].get<int64_t>()),
                      v["removed"].get<bool>() ? " (removed)" : "",
                      v["applied_at"].get<std::string>().c_str(),
                      v["applied_by"].get<std::string>().c_str());
        }
        const json& last = r["versions"].back();
        std::printf("%s", last["source"].get<std::string>().c_str());
        return Status::Ok();
      });
    };
  });
  auto* rm = policy->add_subcommand("remove", "Withdraw a policy (kept as a removed version)");
  rm->add_option("ID", *id, "Policy id")->required();
  rm->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(json r, api.Call("DELETE", "/v1/policies/" + *id));
        std::printf("removed policy %s (version %lld)\n", id->c_str(),
                    static_cast<long long>(r["version"].get<int64_t>()));
        return Status::Ok();
      });
    };
  });
  auto query = std::make_shared<std::string>();
  auto peer = std::make_shared<std::string>();
  auto purpose = std::make_shared<std::string>();
  auto basis = std::make_shared<std::string>();
  auto* explain = policy->add_subcommand(
      "explain", "Show which policy allows a query from a peer, or why none does");
  explain->add_option("QUERY", *query, "SQL text, or a file with SQL or the JSON form")->required();
  explain->add_option("--peer", *peer, "The requesting organisation")->required();
  explain->add_option("--purpose", *purpose, "Purpose (processing activity); unchecked if absent");
  explain->add_option("--legal-basis", *basis, "Legal basis; unchecked if absent");
  explain->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        json body = {{"query", QueryArgument(*query)},
                     {"peer", *peer},
                     {"purpose", *purpose},
                     {"legal_basis", *basis}};
        ASSIGN_OR_RETURN(json r, api.Call("POST", "/v1/policies/explain", &body));
        if (g->json) {
          std::printf("%s\n", r.dump(2).c_str());
        } else {
          for (const auto& line : r["lines"]) std::printf("%s\n", line.get<std::string>().c_str());
        }
        return Status::Ok();
      });
    };
  });
}

}  // namespace verbind::node
