// `verbind dataset publish | adopt | definitions`: shared dataset definitions, as a client of
// the local API (docs/datasets.md, "Shared definitions").
#include <cstdio>

#include "common/files.h"
#include "common/strings.h"
#include "config/schema.h"
#include "node/cli/internal/commands.h"

namespace verbind::node {

using common::Result;
using common::Status;
using nlohmann::json;

namespace {

std::string Label(const json& d) {
  return d["publisher"].get<std::string>() + "/" + d["name"].get<std::string>() + "@" +
         d["version"].dump();
}

// "ORG/NAME" or "ORG/NAME@VERSION"; version 0 when none is given.
struct DefinitionName {
  std::string org, name;
  int64_t version = 0;
};

Result<DefinitionName> ParseDefinitionName(const std::string& text) {
  DefinitionName out;
  size_t slash = text.find('/');
  size_t at = text.find('@');
  out.org = text.substr(0, slash);
  out.name = slash == std::string::npos ? "" : text.substr(slash + 1, at - slash - 1);
  bool version_ok = at == std::string::npos ||
                    (common::ParseInt64(text.substr(at + 1), &out.version) && out.version > 0);
  if (!common::IsValidName(out.org) || !common::IsValidName(out.name) || !version_ok) {
    return common::InvalidArgument("\"" + text +
                                   "\": name a definition as ORGANISATION/NAME or "
                                   "ORGANISATION/NAME@VERSION, e.g. 00000001234567890000/benefits@2");
  }
  return out;
}

void PrintChanges(const json& changes) {
  for (const auto& c : changes) {
    std::string field = c["field"].get<std::string>();
    std::printf("  %s%s (%s)\n", field.empty() ? "" : ("field " + field + ": ").c_str(),
                c["change"].get<std::string>().c_str(),
                !c["compatible"].get<bool>() ? "incompatible"
                : c["in_place"].get<bool>()  ? "compatible"
                                             : "compatible, records loaded again");
  }
}

Status WriteDocument(const std::string& path, const json& d) {
  RETURN_IF_ERROR(common::WriteFileAtomic(path, d["document"].dump(2) + "\n", 0644));
  std::fprintf(stderr, "Wrote the signed definition %s to %s\n", Label(d).c_str(), path.c_str());
  return Status::Ok();
}

void AddPublish(CLI::App& dataset, GlobalsPtr g, CliAction* action) {
  auto name = std::make_shared<std::string>();
  auto as = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto schema = std::make_shared<std::string>();
  auto* cmd = dataset.add_subcommand(
      "publish", "Publish the dataset's schema as a signed definition that peers can adopt");
  cmd->add_option("NAME", *name, "Dataset")->required();
  cmd->add_option("--as", *as, "Name of the definition (default: the dataset's name)");
  cmd->add_option("--out", *out, "Also write the signed definition to this file");
  cmd->add_option("--schema", *schema,
                  "A new version's schema (TOML); the dataset moves to it in place (categories "
                  "added, bounds widened, descriptions and units)");
  cmd->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        json body = {{"dataset", *name}};
        if (!schema->empty()) {
          ASSIGN_OR_RETURN(std::string text, common::ReadFile(*schema, 1 << 20));
          body["schema"] = text;
        }
        if (!as->empty()) body["name"] = *as;
        ASSIGN_OR_RETURN(json d, api.Call("POST", "/v1/definitions", &body));
        if (g->json) {
          std::printf("%s\n", d.dump(2).c_str());
        } else if (d["published"].get<bool>()) {
          std::printf("Published %s (hash %s): %s fields; dataset %s conforms to it\n",
                      Label(d).c_str(), d["hash"].get<std::string>().c_str(),
                      d["fields"].dump().c_str(), name->c_str());
          if (!d["changes"].empty()) {
            std::printf("Changes since version %lld (%s):\n",
                        static_cast<long long>(d["version"].get<int64_t>() - 1),
                        d["compatible_with_previous"].get<bool>()
                            ? "compatible"
                            : "incompatible: nodes on the earlier version answer apart");
            PrintChanges(d["changes"]);
          }
        } else {
          std::printf("Unchanged: dataset %s conforms to %s (hash %s)\n", name->c_str(),
                      Label(d).c_str(), d["hash"].get<std::string>().c_str());
        }
        if (!out->empty()) RETURN_IF_ERROR(WriteDocument(*out, d));
        return Status::Ok();
      });
    };
  });
}

void AddAdopt(CLI::App& dataset, GlobalsPtr g, CliAction* action) {
  auto which = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  auto as = std::make_shared<std::string>();
  auto* cmd = dataset.add_subcommand(
      "adopt", "Adopt a published definition: create the dataset from it, or check that an "
               "existing dataset conforms");
  cmd->add_option("DEFINITION", *which,
                  "ORGANISATION/NAME[@VERSION], fetched from that peer (default: its latest)");
  cmd->add_option("--file", *file, "Read the signed definition from this file instead");
  cmd->add_option("--as", *as, "Local dataset name (default: the definition's name)");
  cmd->callback([=] {
    *action = [=] {
      json body = json::object();
      if (which->empty() == file->empty()) {
        std::fprintf(stderr, "error: give ORGANISATION/NAME[@VERSION] or --file FILE\n");
        return 2;
      }
      if (!file->empty()) {
        auto text = common::ReadFile(*file, 1 << 20);
        auto doc = text.ok() ? json::parse(*text, nullptr, false) : json();
        if (!text.ok() || !doc.is_object()) {
          std::fprintf(stderr, "error: %s: %s\n", file->c_str(),
                       text.ok() ? "not a signed definition (a JSON object)"
                                 : text.status().message().c_str());
          return 1;
        }
        body["document"] = doc;
      } else {
        auto parsed = ParseDefinitionName(*which);
        if (!parsed.ok()) {
          std::fprintf(stderr, "error: %s\n", parsed.status().message().c_str());
          return 2;
        }
        body["from"] = parsed->org;
        body["name"] = parsed->name;
        if (parsed->version > 0) body["version"] = parsed->version;
      }
      if (!as->empty()) body["dataset"] = *as;
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        ASSIGN_OR_RETURN(json d, api.Call("POST", "/v1/definitions/adopt", &body));
        if (g->json) {
          std::printf("%s\n", d.dump(2).c_str());
          return Status::Ok();
        }
        std::string action_text = d["action"];
        std::string ds = d["dataset"];
        std::printf("Adopted %s (hash %s): %s\n", Label(d).c_str(),
                    d["hash"].get<std::string>().c_str(),
                    action_text == "created"   ? ("created dataset " + ds).c_str()
                    : action_text == "unchanged" ? ("dataset " + ds + " already conforms").c_str()
                                                 : ("dataset " + ds + " now conforms").c_str());
        PrintChanges(d["changes"]);
        return Status::Ok();
      });
    };
  });
}

void AddList(CLI::App& dataset, GlobalsPtr g, CliAction* action) {
  auto which = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto* cmd = dataset.add_subcommand(
      "definitions", "List the definitions this node published or adopted, or show one");
  cmd->add_option("DEFINITION", *which, "ORGANISATION/NAME[@VERSION]: show this one");
  cmd->add_option("--out", *out, "Write the signed definition to this file");
  cmd->callback([=] {
    *action = [=] {
      return WithApi(*g, [&](ApiCaller& api) -> Status {
        if (which->empty()) {
          ASSIGN_OR_RETURN(json r, api.Call("GET", "/v1/definitions"));
          if (g->json) {
            std::printf("%s\n", r.dump(2).c_str());
            return Status::Ok();
          }
          std::vector<std::vector<std::string>> rows;
          for (const auto& d : r["definitions"]) {
            std::string datasets;
            for (const auto& n : d["datasets"]) datasets += (datasets.empty() ? "" : ", ") + n.get<std::string>();
            rows.push_back({d["publisher"], d["name"], d["version"].dump(),
                            d["hash"].get<std::string>().substr(0, 16), d["published_at"],
                            datasets.empty() ? "-" : datasets});
          }
          PrintTable({"PUBLISHER", "NAME", "VERSION", "HASH", "PUBLISHED", "DATASETS"}, rows);
          return Status::Ok();
        }
        ASSIGN_OR_RETURN(DefinitionName n, ParseDefinitionName(*which));
        std::string version = n.version > 0 ? std::to_string(n.version) : "latest";
        ASSIGN_OR_RETURN(json d,
                         api.Call("GET", "/v1/definitions/" + n.org + "/" + n.name + "/" + version));
        if (!out->empty()) return WriteDocument(*out, d);
        if (g->json) {
          std::printf("%s\n", d.dump(2).c_str());
          return Status::Ok();
        }
        ASSIGN_OR_RETURN(config::Schema s, config::SchemaFromJson(d["schema"].dump()));
        std::printf("# %s, hash %s, published %s\n%s", Label(d).c_str(),
                    d["hash"].get<std::string>().c_str(),
                    d["published_at"].get<std::string>().c_str(),
                    config::RenderSchemaToml(s).c_str());
        return Status::Ok();
      });
    };
  });
}

}  // namespace

void AddDefinitionCommands(CLI::App& dataset, GlobalsPtr g, CliAction* action) {
  AddPublish(dataset, g, action);
  AddAdopt(dataset, g, action);
  AddList(dataset, g, action);
}

}  // namespace verbind::node
