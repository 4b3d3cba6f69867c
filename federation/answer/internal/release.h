// From a scan to what leaves the node, following an AnswerPlan: the exact statistics of every
// cell of the public key set (cells without records included, keys outside the set dropped),
// then the protection: discrete Laplace noise on every statistic (differential privacy) or
// withholding values based on fewer records than the minimum (threshold). Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/status.h"
#include "federation/answer/plan.h"
#include "federation/partial.h"
#include "federation/result.h"
#include "storage/dataset_store.h"

namespace verbind::federation {

// The plan's items with exact values: one cell per key of the public key set, in key order
// (raw plans over fields without declared values: one cell per key present). Under a threshold, values based
// on 1 to min_cell_size - 1 records are withheld (counts judged by their count, sums, means
// and variances by their number of values, histograms and quantile grids by every bin,
// co-moments by their rows). `labels` turns categorical codes into labels.
common::Result<PartialTable> ExactRelease(const AnswerPlan& plan, const storage::ScanResult& scan,
                                          const CategoryLabelLookup& labels);

// Adds noise to every statistic of every cell (differential privacy), seeded by `secret` and
// `fingerprint` (federation/answer/noise.h). The table must come from ExactRelease(plan).
common::Status AddNoise(PartialTable& table, const AnswerPlan& plan,
                        std::span<const uint8_t> secret, const std::string& fingerprint);

}  // namespace verbind::federation
