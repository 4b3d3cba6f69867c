// Aggregate kernels: each folds the selected rows of one chunk at a time into per-group
// mergeable states (storage/aggregates.h), working on the packed frame-of-reference deltas.
// A kernel first accumulates a chunk exactly in integers where it can (counts, sums, sums of
// squares of deltas), then merges that chunk's partial state into the group's state with the
// same Merge rules that combine nodes, so the result is what one pass over all rows gives.
// Thread-compatible: one kernel per aggregate per scan.
#pragma once

#include <memory>
#include <vector>

#include "common/status.h"
#include "config/schema.h"
#include "storage/aggregates.h"
#include "storage/scan.h"
#include "storage/internal/scan_kernels.h"

namespace verbind::storage {

constexpr int kMaxHistogramBins = 100000;
constexpr size_t kMaxCoMomentColumns = 16;

class AggregateKernel {
 public:
  virtual ~AggregateKernel() = default;
  // Folds the selected rows of a chunk into states[g] (g >= 1; states[0] is unused).
  virtual void Add(const ChunkView& view, const ChunkSelection& rows,
                   std::vector<AggregateState>& states) = 0;
  // Called once after the last chunk.
  virtual void Finish(std::vector<AggregateState>& /*states*/) {}
};

// Refuses aggregates the store cannot compute: missing or identifier columns, bad options.
common::Status ValidateAggregate(const AggregateSpec& spec, const config::Schema& schema);
// The state of an empty cell for `spec`.
AggregateState InitialState(const AggregateSpec& spec);
std::unique_ptr<AggregateKernel> MakeAggregateKernel(const AggregateSpec& spec);

// Sums and moments (sum_kernel.cc).
std::unique_ptr<AggregateKernel> MakeSumKernel(const AggregateSpec& spec);
// Kernels for the distribution aggregates (distribution_kernels.cc).
std::unique_ptr<AggregateKernel> MakeHistogramKernel(const AggregateSpec& spec);
std::unique_ptr<AggregateKernel> MakeQuantileKernel(const AggregateSpec& spec);
std::unique_ptr<AggregateKernel> MakeCoMomentKernel(const AggregateSpec& spec);

}  // namespace verbind::storage
