// Disclosure control for result tables (PartialTable), applied in place before a node signs
// its partial result and again by the requester over the combined table:
//  * primary suppression: a cell with fewer than min_cell_size records; within a shown cell,
//    a value based on fewer than min_cell_size records (nulls do not count for a value; with
//    missing_values_are_a_category, a small number of records WITHOUT a value is protected
//    too), a histogram with a small non-empty bin, a sum failing the (n, k) dominance rule,
//    min and max unless the policy releases them;
//  * quantile sketches are coarsened (a common bucket width per item) until every bucket
//    holds at least min_cell_size values, else withheld;
//  * secondary (complementary) suppression on every line of the table, so that no suppressed
//    cell or value can be recomputed from a line total and the shown cells.
// Nothing is dropped silently: a suppressed cell or value stays in the table with a reason.
// The rules, what they protect against and what they do not: docs/privacy.md. Pure functions
// over the table; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "common/status.h"
#include "federation/partial.h"

namespace verbind::federation {

// The policy's disclosure rules.
struct DisclosureRules {
  int min_cell_size = 10;                     // 1 .. 1000
  int dominance_n = 0;                        // 0: no dominance rule; else 1 .. 100
  int dominance_k = 0;                        // percent, 1 .. 100 (when dominance_n > 0)
  bool release_min_max = false;               // min and max only when a policy allows them
  bool missing_values_are_a_category = true;  // protect small counts of records without a value
  int sketch_max_doublings = 24;              // bucket-width doublings tried per quantile sketch
};

// Where a table is controlled.
enum class DisclosureStage {
  // One node's own table before it is signed: states are exact and local, sums carry their
  // largest contributions (SumState::top) so the dominance rule can be evaluated.
  kAnswering,
  // The requester's merge of node tables: cells or values a node withheld stay withheld
  // ("inherited"); the dominance rule cannot be evaluated (contributions never leave a node).
  kCombined,
};

struct DisclosureOptions {
  DisclosureStage stage = DisclosureStage::kAnswering;
  // Differential-privacy noise was applied (federation/dp.h). Every decision is then taken on
  // noisy values only (post-processing keeps the DP guarantee), so the dominance rule, which
  // needs the true contributions, is not evaluated.
  bool noisy = false;
};

// What disclosure control did. Cells and values suppressed by this run are "primary" or
// "secondary"; suppressions found in the input (made by a node) are "inherited".
struct DisclosureReport {
  int64_t cells_primary = 0;
  int64_t cells_secondary = 0;
  int64_t cells_inherited = 0;
  int64_t cells_incomplete = 0;  // combined cells that some node withheld its part of
  int64_t values_primary = 0;    // values suppressed in cells that are shown
  int64_t values_secondary = 0;
  int64_t values_inherited = 0;
  int64_t values_dominance = 0;  // of values_primary: by the dominance rule
  int64_t sketches_coarsened = 0;
  // Suppressed cells or values that the totals other answers release determine on their own
  // (hiding more of this table cannot change that; those answers protect them when given).
  int64_t determined_by_totals = 0;
  // The linear recomputation check was skipped (more than 1000 suppressed members on a layer).
  bool recomputation_check_skipped = false;
};

// InvalidArgument naming the bad rule.
common::Status ValidateDisclosureRules(const DisclosureRules& rules);

// How many of the largest contributions the scan must keep per sum for these rules
// (storage::AggregateSpec::track_top): dominance_n, or 0 when the rule is off.
int TopContributionsToTrack(const DisclosureRules& rules);

// Applies the rules to `table` in place: suppressed cells get suppressed = true, a reason,
// rows = 0 and no values; suppressed values lose their state and get a reason; sketches are
// coarsened. Fills table.disclosure (keeping keys already there, such as the policy name).
// InvalidArgument for bad rules; FailedPrecondition when the dominance rule is on at the
// answering stage but a sum lacks its largest contributions (the scan's track_top was too
// small) - the table is then unchanged and must not be released.
common::Result<DisclosureReport> ApplyDisclosureControl(PartialTable& table,
                                                        const DisclosureRules& rules,
                                                        const DisclosureOptions& options);

}  // namespace verbind::federation
