// AnswerPlan: everything about an answer that is decided before any record is read, from the
// query, the dataset's public schema, its privacy settings and the sharing policy only: how it
// is protected, which statistics are released for each select item, the public set of group
// keys (every key listed whatever its count), the sensitivity and noise scale of each noisy
// statistic, and every refusal. Nothing here depends on the data, so neither does a refusal
// (docs/privacy.md). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/policy.h"
#include "config/schema.h"
#include "federation/answer/dp_sampler.h"
#include "federation/bind.h"
#include "federation/partial.h"
#include "federation/query.h"

namespace verbind::federation {

enum class Protection {
  kDifferentialPrivacy,  // datasets about persons (the default)
  kThreshold,            // datasets marked non-personal: values below min_cell_size withheld
  kRaw,                  // the owner's audited raw answers; never sent to anyone
};
// "differential_privacy", "threshold", "raw".
std::string_view ProtectionName(Protection p);

// A statistic of a cell that gets its own noise: its L1 sensitivity under adding or removing
// one record (storage units; squared units for sums of squares) and its Laplace scale.
struct NoisyStatistic {
  std::string id;  // "rows", "nonnull(f)", "sum(f)", "csum(f)", "csumsq(f)", "histogram(...)",
                   // "grid(f)"
  Uint128 sensitivity = 1;
  LaplaceScale scale;
  size_t length = 1;  // values: 1, or a histogram's bins (+3 for below, above and nulls)
};

// The public values of one group-by field, in canonical (JSON) order.
struct KeyDomain {
  std::vector<nlohmann::json> values;
};

struct AnswerPlan {
  Protection protection = Protection::kDifferentialPrivacy;
  BoundQuery bound;                   // the scan to run (quantiles as grid histograms)
  std::vector<ItemDescriptor> items;  // group items, then one per aggregate column
  // The factors of the public key set (one per group-by field); every combination is a cell.
  // Protected answers always have one; raw answers when every group-by field declares its
  // values (public_keys), else they list the keys present.
  std::vector<KeyDomain> domains;
  bool public_keys = true;
  int64_t epsilon_micro = 0;              // differential privacy: what the answer costs
  std::vector<NoisyStatistic> statistics;  // differential privacy: per cell, in this order
  // For each item, the statistics its value is made of (indices into `statistics`): count:
  // rows; nonnull: nonnull(f); sum: sum(f); mean: nonnull(f), csum(f); variance: nonnull(f),
  // csum(f), csumsq(f); histogram: histogram(...); quantile: grid(f). Empty for group items.
  std::vector<std::vector<size_t>> item_statistics;
  int min_cell_size = 0;  // threshold

  // The number of cells of a protected answer (the product of the domain sizes).
  int64_t KeyCount() const;
  // The plan's noise parameters as text, for the release fingerprint.
  std::string NoiseParameters() const;
};

// What planning needs besides the query.
struct PlanContext {
  const config::Schema* schema = nullptr;
  CategoryCodeLookup codes;            // the dataset's dictionary, for filter labels
  CategoryLabelsLookup labels;         // its labels, for LIKE on fields without categories
  Protection protection = Protection::kDifferentialPrivacy;
  const config::Policy* policy = nullptr;  // epsilon, min_cell_size, max_cells (not for raw)
  int max_groups = 10000;                  // the node's limit on cells
};

// Plans `query`. InvalidArgument for a query that does not fit the schema (unknown fields,
// wrong types); PermissionDenied, saying why and what would work, for what the protection
// cannot release: min and max, a group-by field without a public set of values, a histogram
// or quantile off the field's grid, sums without bounds under differential privacy, more
// cells than the policy allows.
common::Result<AnswerPlan> PlanAnswer(const Query& query, const PlanContext& context);

}  // namespace verbind::federation
