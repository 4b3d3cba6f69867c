// Sharing policies: who may learn what from which dataset, for which purposes, at which
// privacy cost per answer. Parsed from TOML policy files (docs/policies.md) with file:line errors and
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

// The privacy cost of one answer when none is set: epsilon 0.1.
inline constexpr int64_t kDefaultEpsilonPerQueryMicro = 100'000;

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
  // Datasets about persons: what one answer costs of the dataset's privacy budget, in
  // micro-epsilon, split over the statistics of each cell (docs/privacy.md).
  int64_t epsilon_per_query_micro = kDefaultEpsilonPerQueryMicro;
  // Datasets marked non-personal: fewer records than this behind a value withhold it.
  int min_cell_size = 10;
  int max_cells = 1000;         // most cells (all keys of the group-by fields) in one answer
  int rate_limit_per_hour = 0;  // per requester; 0: no policy limit
};

// Parses a policy file. Every key is checked (unknown keys, wrong types, impossible values);
// errors are "path:line: what".
common::Result<Policy> ParsePolicyToml(std::string_view text, const std::string& path);
std::string PolicyToJson(const Policy& p);
common::Result<Policy> PolicyFromJson(std::string_view json);

}  // namespace verbind::config
