#include "common/strict_json.h"

#include <set>
#include <vector>

namespace verbind::common {

Result<nlohmann::json> ParseStrictJson(std::string_view text, std::string_view what) {
  std::vector<std::set<std::string>> keys;
  std::string problem;
  auto check = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (depth > 64 && problem.empty()) problem = "nested more than 64 levels";
    if (event == E::object_start) keys.emplace_back();
    if (event == E::object_end && !keys.empty()) keys.pop_back();
    if (event == E::key && !keys.empty() &&
        !keys.back().insert(parsed.get_ref<const std::string&>()).second && problem.empty()) {
      problem = "duplicate key \"" + parsed.get_ref<const std::string&>().substr(0, 40) + "\"";
    }
    return true;
  };
  nlohmann::json j = nlohmann::json::parse(text, check, false);
  if (j.is_discarded()) return InvalidArgument(std::string(what) + " is not valid JSON");
  if (!problem.empty()) return InvalidArgument(std::string(what) + ": " + problem);
  return j;
}

}  // namespace verbind::common
