// Differential privacy for a node's answer: integer noise from the discrete Laplace
// distribution (federation/dp_sampler.h) on every released count and sum of a PartialTable,
// applied by the answering node BEFORE disclosure control (so that suppression decisions are
// taken on noisy values only and leak nothing beyond the noise). The noise is deterministic:
// it is drawn from a stream seeded by a keyed hash of the node's secret noise key and
// (dataset, dataset generation, requester, canonical query, cell key, statistic, scale), so
// the same question on the same data always gets the same answer - repeating a query cannot
// average the noise away - while new data gives new noise. Mechanism, sensitivity,
// composition and what is refused: docs/privacy.md. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "federation/partial.h"
#include "storage/privacy_ledger.h"

namespace verbind::federation {

// The range of a field's values in storage units (inclusive). Sums need it: one record
// changes a sum by at most max(|min|, |max|). It must hold for every stored value - use the
// schema's min and max, which ingest enforces - or the guarantee does not hold.
struct FieldBounds {
  int64_t min = 0;
  int64_t max = 0;
};

// The largest epsilon one query may cost, in micro-epsilon (epsilon 100).
inline constexpr int64_t kMaxQueryEpsilonMicro = 100'000'000;

// The policy's differential-privacy settings for one query.
struct DpSettings {
  int64_t epsilon_micro = 0;  // epsilon per query in millionths: 1 .. kMaxQueryEpsilonMicro
  std::map<std::string, FieldBounds, std::less<>> bounds;  // by field name
};

// What makes the noise of one answer reproducible.
struct NoiseContext {
  std::span<const uint8_t> node_secret;  // the node's noise key, 32 to 64 random bytes
  std::string canonical_query;           // the query's canonical text (SQL or JSON form)
  std::string dataset;
  uint64_t dataset_generation = 0;  // changes whenever the dataset's records change
  std::string requester;            // the organisation asking
};

struct DpReport {
  int64_t epsilon_micro = 0;    // what the answer costs (charge it to the ledger)
  int statistics_per_cell = 0;  // epsilon is split evenly over these
  int64_t cells = 0;
  // SHA-256 (hex) of everything that determines the noise except the secret and the data:
  // the query fingerprint for PrivacyLedger::Charge (an equal fingerprint is an exact repeat).
  std::string fingerprint;
};

// Whether these items can be answered under differential privacy with these settings,
// without looking at data (call before scanning). PermissionDenied naming the item for
// var, stddev, min, max, quantiles, corr and regression, and for sum/avg of a field without
// bounds; InvalidArgument for an epsilon out of range or bounds with min > max.
common::Status CheckDifferentialPrivacy(const std::vector<ItemDescriptor>& items,
                                        const DpSettings& settings);

// Adds noise to `table` (a node's own exact table, before disclosure control): each cell's
// rows (and count(*) values, the same noisy number), count(field) and the n of moments over
// the same field (one noisy number), exact sums, and histogram counts; means are recomputed
// from the noisy sum and n, m2 is set to 0, the largest contributions are dropped, counts are
// clamped at 0 and sums to [n * min, n * max]; rows_scanned becomes 0. Fills table.privacy.
// Errors as CheckDifferentialPrivacy, InvalidArgument for a bad secret or a table that is
// already suppressed; the table is unchanged on error.
common::Result<DpReport> ApplyDifferentialPrivacy(PartialTable& table, const DpSettings& settings,
                                                  const NoiseContext& context);

// Adds the budget state after charging ("period", "spent", "budget", "remaining", "charged",
// "repeat"; epsilon as decimal text) to table.privacy.
void AttachBudgetReport(PartialTable& table, const storage::BudgetReport& budget);

}  // namespace verbind::federation
