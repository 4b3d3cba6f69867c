#include "config/tokens_file.h"

#include <toml++/toml.h>

#include <sstream>

#include "common/files.h"
#include "common/strings.h"

namespace verbind::config {

namespace {
common::Status Bad(const std::string& where, const std::string& what) {
  return common::InvalidArgument(where + ": " + what);
}
}  // namespace

common::Result<std::vector<TokenEntry>> ParseTokensFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, common::ReadFile(path, 1 << 20));
  std::vector<TokenEntry> out;
  try {
    toml::table root = toml::parse(text, path);
    for (const auto& [key, node] : root) {
      if (key.str() != "token" || !node.is_array_of_tables()) {
        return Bad(path + ":" + std::to_string(node.source().begin.line),
                   "only [[token]] entries are allowed");
      }
    }
    if (const toml::array* arr = root["token"].as_array()) {
      for (const auto& node : *arr) {
        const toml::table& t = *node.as_table();
        std::string where = path + ":" + std::to_string(t.source().begin.line);
        TokenEntry e;
        e.name = t["name"].value_or(std::string());
        e.role = t["role"].value_or(std::string());
        e.sha256 = t["sha256"].value_or(std::string());
        e.created = t["created"].value_or(std::string());
        if (e.name.empty()) return Bad(where, "token without a name");
        if (e.role != "admin" && e.role != "analyst" && e.role != "owner") {
          return Bad(where, "token " + e.name + ": role must be owner, admin or analyst");
        }
        if (e.sha256.size() != 64) return Bad(where, "token " + e.name + ": sha256 must be 64 hex");
        for (const auto& [k, v] : t) {
          std::string_view name = k.str();
          if (name != "name" && name != "role" && name != "sha256" && name != "created") {
            return Bad(path + ":" + std::to_string(v.source().begin.line),
                       "unknown key " + std::string(name) + " in [[token]]");
          }
        }
        out.push_back(std::move(e));
      }
    }
  } catch (const toml::parse_error& e) {
    return common::InvalidArgument(path + ":" + std::to_string(e.source().begin.line) + ": " +
                                   std::string(e.description()));
  }
  return out;
}

std::string RenderTokensFile(const std::vector<TokenEntry>& tokens) {
  std::ostringstream out;
  out << "# API tokens of this node, as SHA-256 hashes of the token text; the tokens themselves\n"
      << "# were shown once when created. Roles: owner (everything, raw answers too),\n# admin (everything but raw answers), analyst (queries).\n";
  for (const auto& t : tokens) {
    out << "\n[[token]]\nname = " << common::TomlQuote(t.name)
        << "\nrole = " << common::TomlQuote(t.role) << "\nsha256 = " << common::TomlQuote(t.sha256)
        << "\ncreated = " << common::TomlQuote(t.created) << "\n";
  }
  return out.str();
}

}  // namespace verbind::config
