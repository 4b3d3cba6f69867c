// Histogram, quantile-sketch and co-moment kernels.
#include <algorithm>
#include <cstring>

#include "storage/internal/aggregate_kernels.h"

namespace verbind::storage {

namespace {

// Histogram slot of a value: 0 below lo, 1..bins inside, bins + 1 at or above hi.
// Bin b holds [lo + b * (hi - lo) / bins, lo + (b + 1) * (hi - lo) / bins), exactly.
uint32_t SlotOf(int64_t x, int64_t lo, int64_t hi, int bins) {
  if (x < lo) return 0;
  if (x >= hi) return static_cast<uint32_t>(bins) + 1;
  Int128 num = (static_cast<Int128>(x) - lo) * bins;
  return static_cast<uint32_t>(num / (static_cast<Int128>(hi) - lo)) + 1;
}

class HistogramKernel final : public AggregateKernel {
 public:
  explicit HistogramKernel(const AggregateSpec& spec)
      : column_(spec.columns[0]), lo_(spec.lo), hi_(spec.hi), bins_(spec.bins) {}

  void Add(const ChunkView& view, const ChunkSelection& rows,
           std::vector<AggregateState>& states) override {
    const uint8_t* sel = rows.sel;
    const uint32_t* groups = rows.groups;
    const ColumnChunk& c = *view.columns[static_cast<size_t>(column_)];
    std::vector<HistogramState*> h(states.size(), nullptr);
    for (size_t g = 1; g < states.size(); ++g) h[g] = &std::get<HistogramState>(states[g]);
    bool table = c.max_delta < (1u << 16);
    if (table) {
      slots_.resize(c.max_delta + 1);
      for (uint64_t d = 0; d <= c.max_delta; ++d) {
        slots_[d] = SlotOf(static_cast<int64_t>(static_cast<uint64_t>(c.base) + d), lo_, hi_, bins_);
      }
    }
    for (uint32_t i = 0; i < view.rows; ++i) {
      if (!sel[i]) continue;
      HistogramState& s = *h[groups ? groups[i] : 1];
      if (c.IsNull(i)) {
        ++s.nulls;
        continue;
      }
      uint32_t slot = table ? slots_[RawDelta(c, i)] : SlotOf(c.Value(i), lo_, hi_, bins_);
      if (slot == 0) {
        ++s.below;
      } else if (slot > static_cast<uint32_t>(bins_)) {
        ++s.above;
      } else {
        ++s.bins[slot - 1];
      }
    }
  }

 private:
  static uint64_t RawDelta(const ColumnChunk& c, uint32_t i) {
    return static_cast<uint64_t>(c.Value(i)) - static_cast<uint64_t>(c.base);
  }
  int column_;
  int64_t lo_, hi_;
  int bins_;
  std::vector<uint32_t> slots_;
};

// Adds ascending values to a sketch, one AddBucket per run of equal buckets.
void AddSorted(SketchState& s, const std::vector<int64_t>& xs) {
  for (size_t i = 0; i < xs.size();) {
    int64_t index = xs[i] >> s.shift;
    size_t j = i;
    while (j < xs.size() && (xs[j] >> s.shift) == index) ++j;
    s.AddBucket(index, static_cast<int64_t>(j - i));
    i = j;
  }
}

// Adds counted deltas (counts[d] values equal to base + d) to a sketch.
void AddCounted(SketchState& s, int64_t base, const std::vector<uint32_t>& counts) {
  int64_t run_index = 0, run = 0;
  for (uint64_t d = 0; d < counts.size(); ++d) {
    if (counts[d] == 0) continue;
    int64_t x = static_cast<int64_t>(static_cast<uint64_t>(base) + d);
    if (run > 0 && (x >> s.shift) != run_index) {
      s.AddBucket(run_index, run);
      run = 0;
    }
    if (run == 0) run_index = x >> s.shift;
    run += counts[d];
  }
  if (run > 0) s.AddBucket(run_index, run);
}

class QuantileKernel final : public AggregateKernel {
 public:
  explicit QuantileKernel(const AggregateSpec& spec) : column_(spec.columns[0]) {}

  void Add(const ChunkView& view, const ChunkSelection& rows,
           std::vector<AggregateState>& states) override {
    const uint8_t* sel = rows.sel;
    const uint32_t* groups = rows.groups;
    const ColumnChunk& c = *view.columns[static_cast<size_t>(column_)];
    valid_.resize(kChunkRows);
    const uint8_t* valid = NonNullRows(c, sel, view.rows, valid_.data());
    if (!groups && c.max_delta < (1u << 16)) {
      counts_.assign(c.max_delta + 1, 0);
      WithDeltas(c, [&](const auto* d) {
        for (uint32_t i = 0; i < view.rows; ++i) counts_[d[i]] += valid[i];
      });
      AddCounted(std::get<SketchState>(states[1]), c.base, counts_);
      return;
    }
    values_.resize(states.size());
    for (auto& v : values_) v.clear();
    for (uint32_t i = 0; i < view.rows; ++i) {
      if (valid[i]) values_[groups ? groups[i] : 1].push_back(c.Value(i));
    }
    for (size_t g = 1; g < states.size(); ++g) {
      if (values_[g].empty()) continue;
      std::sort(values_[g].begin(), values_[g].end());
      AddSorted(std::get<SketchState>(states[g]), values_[g]);
    }
  }

 private:
  int column_;
  std::vector<uint8_t> valid_;
  std::vector<uint32_t> counts_;
  std::vector<std::vector<int64_t>> values_;
};

class CoMomentKernel final : public AggregateKernel {
 public:
  explicit CoMomentKernel(const AggregateSpec& spec)
      : columns_(spec.columns), divisors_(spec.unit_divisors) {
    if (divisors_.empty()) divisors_.assign(columns_.size(), 1.0);
  }

  void Add(const ChunkView& view, const ChunkSelection& rows,
           std::vector<AggregateState>& states) override {
    const uint8_t* sel = rows.sel;
    const uint32_t* groups = rows.groups;
    size_t k = columns_.size();
    uint32_t n = view.rows;
    valid_.assign(sel, sel + n);
    x_.resize(k);
    for (size_t j = 0; j < k; ++j) {
      const ColumnChunk& c = *view.columns[static_cast<size_t>(columns_[j])];
      if (c.null_count > 0) ClearRows(c.nulls, n, valid_.data());
      x_[j].resize(n);
      for (uint32_t i = 0; i < n; ++i) x_[j][i] = static_cast<double>(c.Value(i)) / divisors_[j];
    }
    std::vector<CoMomentState> part(states.size());
    for (auto& p : part) p.mean.assign(k, 0), p.c.assign(k * k, 0);
    for (uint32_t i = 0; i < n; ++i) {
      if (!valid_[i]) continue;
      CoMomentState& p = part[groups ? groups[i] : 1];
      ++p.n;
      for (size_t j = 0; j < k; ++j) p.mean[j] += x_[j][i];
    }
    for (auto& p : part) {
      for (size_t j = 0; j < k && p.n > 0; ++j) p.mean[j] /= static_cast<double>(p.n);
    }
    std::vector<double> dev(k);
    for (uint32_t i = 0; i < n; ++i) {
      if (!valid_[i]) continue;
      CoMomentState& p = part[groups ? groups[i] : 1];
      for (size_t j = 0; j < k; ++j) dev[j] = x_[j][i] - p.mean[j];
      for (size_t a = 0; a < k; ++a) {
        for (size_t b = 0; b < k; ++b) p.c[a * k + b] += dev[a] * dev[b];
      }
    }
    for (size_t g = 1; g < states.size(); ++g) {
      if (part[g].n > 0) MergeCoMoments(std::get<CoMomentState>(states[g]), part[g]);
    }
  }

 private:
  std::vector<int> columns_;
  std::vector<double> divisors_;
  std::vector<uint8_t> valid_;
  std::vector<std::vector<double>> x_;
};

}  // namespace

std::unique_ptr<AggregateKernel> MakeHistogramKernel(const AggregateSpec& spec) {
  return std::make_unique<HistogramKernel>(spec);
}

std::unique_ptr<AggregateKernel> MakeQuantileKernel(const AggregateSpec& spec) {
  return std::make_unique<QuantileKernel>(spec);
}

std::unique_ptr<AggregateKernel> MakeCoMomentKernel(const AggregateSpec& spec) {
  return std::make_unique<CoMomentKernel>(spec);
}

}  // namespace verbind::storage
