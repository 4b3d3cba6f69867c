// Sharing policies: who may learn what from which dataset, for which purposes, under which
// disclosure rules. Parsed from TOML policy files (docs/policies.md) with file:line errors and
// stored as JSON. Deny by default: a query is answered only when a policy allows all of it.
// Thread-safe (values and pure functions).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace verbind::config {

// One [[allow]] rule: these aggregate functions over these fields. An aggregate over fields F
// is allowed when a rule lists its function and every field of F (count(*) needs a rule
// listing "count"; its `fields` may be empty).
struct AllowRule {
  std::vector<std::string> aggregates;
  std::vector<std::string> fields;
};

struct DifferentialPrivacy {
  double epsilon_per_query = 0;  // spent by one answer (split over its statistics)
  double budget = 0;             // per requester and period
  std::string period = "month";  // "day", "week", "month" or "year"
  // The sensitivity of a released sum comes from its field's min and max in the dataset's
  // schema (which ingest enforces); a summed field without both is refused.
};

struct Policy {
  std::string id;  // 1-64 of a-z 0-9 . _ -
  std::string description;
  std::string dataset;
  std::vector<std::string> grantees;     // organisation ids, or "group:NAME"
  std::vector<std::string> purposes;     // processing activity ids accepted
  std::vector<std::string> legal_bases;  // legal bases accepted (exact text)
  std::optional<int64_t> valid_from_ms;
  std::optional<int64_t> valid_until_ms;
  std::vector<AllowRule> allow;
  std::vector<std::string> group_by;       // fields allowed in GROUP BY
  std::vector<std::string> filter_fields;  // fields allowed in WHERE (besides group_by)
  int min_cell_size = 10;
  int dominance_n = 0;  // 0: no dominance rule
  int dominance_k = 0;  // percent
  int max_cells = 1000;
  int rate_limit_per_hour = 0;  // per requester; 0: no policy limit
  std::optional<DifferentialPrivacy> dp;
};

// Parses a policy file. Every key is checked (unknown keys, wrong types, impossible values);
// errors are "path:line: what".
common::Result<Policy> ParsePolicyToml(std::string_view text, const std::string& path);
std::string PolicyToJson(const Policy& p);
common::Result<Policy> PolicyFromJson(std::string_view json);

}  // namespace verbind::config
