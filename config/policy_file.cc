#include <toml++/toml.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "common/clock.h"
#include "common/strings.h"
#include "config/policy.h"

namespace verbind::config {

using common::Result;
using common::Status;

namespace {

const std::set<std::string> kFunctions = {"count",    "sum",    "avg",  "var",       "stddev",
                                          "histogram", "quantile", "median", "corr", "regression"};

class PolicyReader {
 public:
  explicit PolicyReader(std::string path) : path_(std::move(path)) {}

  Status Error(const toml::node& at, const std::string& what) const {
    return common::InvalidArgument(path_ + ":" + std::to_string(at.source().begin.line) + ": " +
                                   what);
  }

  Status CheckKeys(const toml::table& t, const std::set<std::string>& allowed,
                   const std::string& where) const {
    for (const auto& [k, v] : t) {
      if (!allowed.count(std::string(k.str()))) {
        return Error(v, "unknown key " + std::string(k.str()) + where +
                            " (check the spelling; keys are listed in docs/policies.md)");
      }
    }
    return Status::Ok();
  }

  Result<std::string> String(const toml::table& t, const char* key, bool required) const {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) return common::InvalidArgument(path_ + ": missing required key " + key);
      return std::string();
    }
    auto v = n->value<std::string>();
    if (!v) return Error(*n, std::string(key) + " must be a string");
    return *v;
  }

  Result<std::vector<std::string>> Strings(const toml::table& t, const char* key,
                                           bool required) const {
    const toml::node* n = t.get(key);
    std::vector<std::string> out;
    if (!n) {
      if (required) return common::InvalidArgument(path_ + ": missing required key " + key);
      return out;
    }
    const toml::array* arr = n->as_array();
    if (!arr) return Error(*n, std::string(key) + " must be a list of strings");
    for (const auto& e : *arr) {
      auto v = e.value<std::string>();
      if (!v) return Error(e, std::string(key) + " must hold strings");
      out.push_back(*v);
    }
    return out;
  }

  Result<int64_t> Int(const toml::table& t, const char* key, int64_t def, int64_t min,
                      int64_t max) const {
    const toml::node* n = t.get(key);
    if (!n) return def;
    auto v = n->value<int64_t>();
    if (!v || !n->is_integer()) return Error(*n, std::string(key) + " must be an integer");
    if (*v < min || *v > max) {
      return Error(*n, std::string(key) + " must be between " + std::to_string(min) + " and " +
                           std::to_string(max));
    }
    return *v;
  }

  Result<std::optional<int64_t>> Time(const toml::table& t, const char* key) const {
    const toml::node* n = t.get(key);
    if (!n) return std::optional<int64_t>();
    int64_t ms;
    auto v = n->value<std::string>();
    if (n->is_date()) {
      auto d = n->as_date()->get();
      v = std::to_string(d.year) + "-" + (d.month < 10 ? "0" : "") + std::to_string(d.month) +
          "-" + (d.day < 10 ? "0" : "") + std::to_string(d.day);
    }
    if (!v || !common::ParseRfc3339(*v, &ms)) {
      return Error(*n, std::string(key) + " must be a date (2026-01-01) or an RFC 3339 time");
    }
    return std::optional<int64_t>(ms);
  }

  Status Names(const toml::table& t, const char* key, const std::vector<std::string>& names,
               bool allow_group_prefix) const {
    for (const auto& name : names) {
      std::string_view n = name;
      if (allow_group_prefix && common::StartsWith(n, "group:")) n.remove_prefix(6);
      if (!common::IsValidName(n)) {
        return Error(*t.get(key), "\"" + name + "\" in " + key + " is not a valid name");
      }
    }
    return Status::Ok();
  }

  Status ReadAllow(const toml::table& root, Policy* p) const {
    const toml::node* n = root.get("allow");
    if (!n) return common::InvalidArgument(path_ + ": at least one [[allow]] rule is needed");
    const toml::array* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables()) return Error(*n, "allow must be [[allow]] tables");
    for (const auto& e : *arr) {
      const toml::table& t = *e.as_table();
      RETURN_IF_ERROR(CheckKeys(t, {"aggregates", "fields"}, " in [[allow]]"));
      AllowRule rule;
      ASSIGN_OR_RETURN(rule.aggregates, Strings(t, "aggregates", true));
      ASSIGN_OR_RETURN(rule.fields, Strings(t, "fields", false));
      for (const auto& a : rule.aggregates) {
        if (a == "min" || a == "max") {
          return Error(t, a + " cannot be allowed: the smallest and largest values are single "
                              "records' values and are never released (docs/privacy.md); a "
                              "quantile on the field's grid gives a protected range");
        }
        if (!kFunctions.count(a)) {
          return Error(t, "unknown aggregate \"" + a + "\" in [[allow]] (known: count, sum, avg, "
                          "var, stddev, histogram, quantile, median, corr, regression)");
        }
      }
      RETURN_IF_ERROR(Names(t, "fields", rule.fields, false));
      p->allow.push_back(std::move(rule));
    }
    return Status::Ok();
  }

  // epsilon_per_query: a number with at most six decimals, 0.000001 to 100.
  Status ReadEpsilon(const toml::table& root, Policy* p) const {
    const toml::node* n = root.get("epsilon_per_query");
    if (!n) return Status::Ok();
    auto v = n->value<double>();
    double micro = v ? *v * 1e6 : 0;
    if (!v || !(n->is_floating_point() || n->is_integer()) || !(micro >= 1 && micro <= 1e8) ||
        std::fabs(micro - std::round(micro)) > 1e-6 * micro) {
      return Error(*n, "epsilon_per_query must be a number from 0.000001 to 100 with at most six "
                       "decimals");
    }
    p->epsilon_per_query_micro = std::llround(micro);
    return Status::Ok();
  }

  // Keys of earlier versions, refused with what replaces them.
  Status RefuseRetired(const toml::table& root) const {
    if (const toml::node* n = root.get("differential_privacy")) {
      return Error(*n, "[differential_privacy] is retired: set epsilon_per_query in the policy; "
                       "the budget belongs to the dataset (verbind dataset privacy NAME "
                       "--epsilon E --window DAYS), see docs/privacy.md");
    }
    if (const toml::node* n = root.get("dominance")) {
      return Error(*n, "[dominance] is retired: datasets about persons are answered under "
                       "differential privacy, non-personal ones with min_cell_size only "
                       "(docs/privacy.md)");
    }
    return Status::Ok();
  }

  Result<Policy> Read(const toml::table& root) const {
    RETURN_IF_ERROR(RefuseRetired(root));
    RETURN_IF_ERROR(CheckKeys(root,
                              {"id", "description", "dataset", "grantees", "purposes",
                               "legal_bases", "valid_from", "valid_until", "allow", "group_by",
                               "filter_fields", "epsilon_per_query", "min_cell_size",
                               "max_cells", "rate_limit_per_hour"},
                              ""));
    Policy p;
    ASSIGN_OR_RETURN(p.id, String(root, "id", true));
    if (!common::IsValidName(p.id)) return Error(*root.get("id"), "id is not a valid name");
    ASSIGN_OR_RETURN(p.description, String(root, "description", false));
    ASSIGN_OR_RETURN(p.dataset, String(root, "dataset", true));
    if (!common::IsValidName(p.dataset)) return Error(*root.get("dataset"), "bad dataset name");
    ASSIGN_OR_RETURN(p.grantees, Strings(root, "grantees", true));
    if (p.grantees.empty()) return Error(*root.get("grantees"), "grantees must not be empty");
    RETURN_IF_ERROR(Names(root, "grantees", p.grantees, true));
    ASSIGN_OR_RETURN(p.purposes, Strings(root, "purposes", true));
    ASSIGN_OR_RETURN(p.legal_bases, Strings(root, "legal_bases", true));
    if (p.purposes.empty() || p.legal_bases.empty()) {
      return common::InvalidArgument(path_ + ": purposes and legal_bases must not be empty");
    }
    ASSIGN_OR_RETURN(p.valid_from_ms, Time(root, "valid_from"));
    ASSIGN_OR_RETURN(p.valid_until_ms, Time(root, "valid_until"));
    if (p.valid_from_ms && p.valid_until_ms && *p.valid_from_ms >= *p.valid_until_ms) {
      return Error(*root.get("valid_until"), "valid_until must be after valid_from");
    }
    RETURN_IF_ERROR(ReadAllow(root, &p));
    ASSIGN_OR_RETURN(p.group_by, Strings(root, "group_by", false));
    ASSIGN_OR_RETURN(p.filter_fields, Strings(root, "filter_fields", false));
    RETURN_IF_ERROR(Names(root, "group_by", p.group_by, false));
    RETURN_IF_ERROR(Names(root, "filter_fields", p.filter_fields, false));
    ASSIGN_OR_RETURN(int64_t min_cell, Int(root, "min_cell_size", 10, 1, 100000));
    p.min_cell_size = static_cast<int>(min_cell);
    RETURN_IF_ERROR(ReadEpsilon(root, &p));
    ASSIGN_OR_RETURN(int64_t max_cells, Int(root, "max_cells", 1000, 1, 1000000));
    p.max_cells = static_cast<int>(max_cells);
    ASSIGN_OR_RETURN(int64_t rate, Int(root, "rate_limit_per_hour", 0, 0, 100000000));
    p.rate_limit_per_hour = static_cast<int>(rate);
    return p;
  }

 private:
  std::string path_;
};

}  // namespace

Result<Policy> ParsePolicyToml(std::string_view text, const std::string& path) {
  if (text.size() > (1 << 20)) return common::InvalidArgument(path + ": larger than 1 MiB");
  try {
    toml::table root = toml::parse(text, path);
    return PolicyReader(path).Read(root);
  } catch (const toml::parse_error& e) {
    return common::InvalidArgument(path + ":" + std::to_string(e.source().begin.line) + ":" +
                                   std::to_string(e.source().begin.column) + ": " +
                                   std::string(e.description()));
  }
}

std::string PolicyToJson(const Policy& p) {
  nlohmann::json allow = nlohmann::json::array();
  for (const auto& r : p.allow) allow.push_back({{"aggregates", r.aggregates}, {"fields", r.fields}});
  nlohmann::json j = {{"id", p.id},
                      {"description", p.description},
                      {"dataset", p.dataset},
                      {"grantees", p.grantees},
                      {"purposes", p.purposes},
                      {"legal_bases", p.legal_bases},
                      {"valid_from_ms", p.valid_from_ms ? nlohmann::json(*p.valid_from_ms) : nullptr},
                      {"valid_until_ms",
                       p.valid_until_ms ? nlohmann::json(*p.valid_until_ms) : nullptr},
                      {"allow", allow},
                      {"group_by", p.group_by},
                      {"filter_fields", p.filter_fields},
                      {"epsilon_per_query_micro", p.epsilon_per_query_micro},
                      {"min_cell_size", p.min_cell_size},
                      {"max_cells", p.max_cells},
                      {"rate_limit_per_hour", p.rate_limit_per_hour}};
  return j.dump();
}

Result<Policy> PolicyFromJson(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return common::DataLoss("stored policy is not JSON");
  try {
    Policy p;
    p.id = j.at("id");
    p.description = j.at("description");
    p.dataset = j.at("dataset");
    p.grantees = j.at("grantees").get<std::vector<std::string>>();
    p.purposes = j.at("purposes").get<std::vector<std::string>>();
    p.legal_bases = j.at("legal_bases").get<std::vector<std::string>>();
    if (!j.at("valid_from_ms").is_null()) p.valid_from_ms = j["valid_from_ms"].get<int64_t>();
    if (!j.at("valid_until_ms").is_null()) p.valid_until_ms = j["valid_until_ms"].get<int64_t>();
    for (const auto& r : j.at("allow")) {
      p.allow.push_back({r.at("aggregates").get<std::vector<std::string>>(),
                         r.at("fields").get<std::vector<std::string>>()});
    }
    p.group_by = j.at("group_by").get<std::vector<std::string>>();
    p.filter_fields = j.at("filter_fields").get<std::vector<std::string>>();
    p.min_cell_size = j.at("min_cell_size");
    // Policies stored before epsilon_per_query was a policy key cost the default.
    p.epsilon_per_query_micro = j.value("epsilon_per_query_micro", kDefaultEpsilonPerQueryMicro);
    p.max_cells = j.at("max_cells");
    p.rate_limit_per_hour = j.at("rate_limit_per_hour");
    return p;
  } catch (const nlohmann::json::exception& e) {
    return common::DataLoss(std::string("stored policy is damaged: ") + e.what());
  }
}

}  // namespace verbind::config
