// The primary rules of disclosure control on one value (federation/disclosure_internal.h).

#include <algorithm>
#include <string>

#include "federation/disclosure_internal.h"

namespace verbind::federation::disclosure_internal {

using common::Result;
using storage::AggregateState;
using storage::Int128;

namespace {

std::string Min(const Work& w) { return std::to_string(w.rules.min_cell_size); }

bool SmallButNotEmpty(int64_t count, int min) { return count > 0 && count < min; }

std::string HistogramReason(const Work& w, const storage::HistogramState& h) {
  const int min = w.rules.min_cell_size;
  bool small = SmallButNotEmpty(h.below, min) || SmallButNotEmpty(h.above, min) ||
               (w.rules.missing_values_are_a_category && SmallButNotEmpty(h.nulls, min));
  for (int64_t b : h.bins) {
    small = small || SmallButNotEmpty(b, min);
  }
  if (!small) {
    return "";
  }
  return "a histogram bin holds fewer than " + Min(w) + " records: use wider bins";
}

// The (n, k) rule: the n largest contributions must not exceed k% of the total, where the
// total is |exact sum|. For non-negative data that is the usual rule; with negative values
// |sum| <= sum of |x|, so the rule only gets stricter (cancelling sums are suppressed).
Result<std::string> DominanceReason(const Work& w, const storage::SumState& s) {
  if (s.n == 0) {
    return std::string();
  }
  size_t need = static_cast<size_t>(std::min<int64_t>(w.rules.dominance_n, s.n));
  if (s.top.size() < need) {
    return common::FailedPrecondition(
        "the dominance rule needs the " + std::to_string(w.rules.dominance_n) +
        " largest contributions of every sum; scan with track_top >= " +
        std::to_string(w.rules.dominance_n));
  }
  Int128 top = 0;
  for (size_t j = 0; j < need; ++j) {
    top += s.top[j];  // absolute values, descending
  }
  Int128 total = s.sum < 0 ? -s.sum : s.sum;
  if (top * 100 <= total * w.rules.dominance_k) {
    return std::string();
  }
  return "dominance rule (" + std::to_string(w.rules.dominance_n) + ", " +
         std::to_string(w.rules.dominance_k) + "): the " + std::to_string(w.rules.dominance_n) +
         " largest contributions exceed " + std::to_string(w.rules.dominance_k) + "% of the total";
}

bool BucketsAtLeast(const storage::SketchState& s, int min) {
  return std::all_of(s.buckets.begin(), s.buckets.end(),
                     [min](const auto& b) { return b.second >= min; });
}

std::string SketchReason(const Work& w, size_t i, const storage::SketchState& s) {
  storage::SketchState aligned = s;
  aligned.AlignTo(std::max(0, w.sketch_shift[i]));
  if (BucketsAtLeast(aligned, w.rules.min_cell_size)) {
    return "";
  }
  return "quantile buckets would hold fewer than " + Min(w) + " values";
}

}  // namespace

const AggregateState* StateOf(const PartialTable& t, size_t c, size_t i) {
  const PartialCell& cell = t.cells[c];
  if (i >= cell.values.size() || !cell.values[i].state) {
    return nullptr;
  }
  return &*cell.values[i].state;
}

int64_t ValueCount(const AggregateState& state) {
  if (auto* c = std::get_if<storage::CountState>(&state)) {
    return c->rows;
  }
  if (auto* s = std::get_if<storage::SumState>(&state)) {
    return s->n;
  }
  if (auto* m = std::get_if<storage::MinMaxState>(&state)) {
    return m->n;
  }
  if (auto* h = std::get_if<storage::HistogramState>(&state)) {
    int64_t n = h->below + h->above;
    for (int64_t b : h->bins) {
      n += b;
    }
    return n;
  }
  if (auto* q = std::get_if<storage::SketchState>(&state)) {
    return q->n;
  }
  return std::get<storage::CoMomentState>(state).n;
}

bool JudgedByValue(const ItemDescriptor& item) {
  return item.kind != "group" && item.kind != "count";
}

Result<std::string> ValueRuleReason(const Work& w, size_t i, const AggregateState& state,
                                    int64_t rows) {
  const ItemDescriptor& item = w.table->items[i];
  const int min = w.rules.min_cell_size;
  if (item.kind == "minmax" && !w.rules.release_min_max) {
    return std::string("min and max are released only when the sharing policy allows them");
  }
  if (auto* h = std::get_if<storage::HistogramState>(&state)) {
    return HistogramReason(w, *h);
  }
  int64_t n = ValueCount(state);
  if (n < min) {
    return "fewer than " + Min(w) + " records with a value";
  }
  if (w.rules.missing_values_are_a_category && SmallButNotEmpty(rows - n, min)) {
    return "fewer than " + Min(w) + " records without a value (missing values are a category)";
  }
  if (auto* s = std::get_if<storage::SumState>(&state); s && w.evaluate_dominance) {
    return DominanceReason(w, *s);
  }
  if (auto* q = std::get_if<storage::SketchState>(&state)) {
    return SketchReason(w, i, *q);
  }
  return std::string();
}

void ProtectSketches(PartialTable& table, size_t i, Work& w) {
  const int min = w.rules.min_cell_size;
  int common = -1;
  std::vector<size_t> shown;
  for (size_t c = 0; c < table.cells.size(); ++c) {
    const AggregateState* state = StateOf(table, c, i);
    if (w.ValueHidden(c, i) || state == nullptr) {
      continue;
    }
    storage::SketchState trial = std::get<storage::SketchState>(*state);
    if (trial.n < min) {
      continue;  // the count rule withholds it
    }
    for (int d = 0;
         d < w.rules.sketch_max_doublings && trial.shift < 62 && !BucketsAtLeast(trial, min); ++d) {
      trial.AlignTo(trial.shift + 1);
    }
    if (!BucketsAtLeast(trial, min)) {
      w.value[c][i] = Mark::kPrimary;
      w.value_reason[c][i] = "quantile withheld: even " +
                             std::to_string(w.rules.sketch_max_doublings) +
                             " doublings of the bucket width leave buckets of fewer than " +
                             std::to_string(min) + " values";
      continue;
    }
    common = std::max(common, trial.shift);
    shown.push_back(c);
  }
  w.sketch_shift[i] = common;
  for (size_t c : shown) {
    auto& s = std::get<storage::SketchState>(*table.cells[c].values[i].state);
    if (s.shift < common) {
      s.AlignTo(common);
      ++w.sketches_coarsened;
    }
  }
}

}  // namespace verbind::federation::disclosure_internal
