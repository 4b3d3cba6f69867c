// Counting and min/max kernels, the factory and validation.
#include "storage/internal/aggregate_kernels.h"

#include <algorithm>
#include <cstring>

namespace verbind::storage {

using common::Status;
using Kind = AggregateSpec::Kind;

namespace {

class CountKernel final : public AggregateKernel {
 public:
  explicit CountKernel(int column) : column_(column) {}
  void Add(const ChunkView& view, const ChunkSelection& rows,
           std::vector<AggregateState>& states) override {
    if (column_ < 0) {  // count(*): the selected rows per group
      for (size_t g = 1; g < states.size(); ++g) {
        std::get<CountState>(states[g]).rows += rows.group_rows[g];
      }
      return;
    }
    valid_.resize(kChunkRows);
    const uint8_t* valid = NonNullRows(*view.columns[static_cast<size_t>(column_)], rows.sel,
                                       view.rows, valid_.data());
    if (!rows.groups) {
      std::get<CountState>(states[1]).rows += CountSelected(valid, view.rows);
      return;
    }
    counts_.assign(states.size(), 0);
    CountGroups(valid, rows.groups, view.rows, rows.group_count, counts_.data());
    for (size_t g = 1; g < states.size(); ++g) std::get<CountState>(states[g]).rows += counts_[g];
  }

 private:
  int column_;  // -1: count(*)
  std::vector<uint8_t> valid_;
  std::vector<int64_t> counts_;
};

template <typename T>
void MinMaxRows(const T* d, const uint8_t* valid, const uint32_t* groups, uint32_t n,
                std::vector<MinMaxState>& acc) {
  if (!groups) {
    T lo = static_cast<T>(~T{0}), hi = 0;
    int64_t cnt = 0;
    for (uint32_t i = 0; i < n; ++i) {
      T v = d[i];
      lo = valid[i] && v < lo ? v : lo;
      hi = valid[i] && v > hi ? v : hi;
      cnt += valid[i];
    }
    acc[1] = MinMaxState{cnt, static_cast<int64_t>(lo), static_cast<int64_t>(hi)};
    return;
  }
  for (uint32_t i = 0; i < n; ++i) {
    if (!valid[i]) continue;
    MinMaxState& a = acc[groups[i]];
    auto v = static_cast<int64_t>(d[i]);  // deltas of width 8 are compared below as unsigned
    if (a.n == 0 || static_cast<uint64_t>(v) < static_cast<uint64_t>(a.min)) a.min = v;
    if (a.n == 0 || static_cast<uint64_t>(v) > static_cast<uint64_t>(a.max)) a.max = v;
    ++a.n;
  }
}

class MinMaxKernel final : public AggregateKernel {
 public:
  explicit MinMaxKernel(int column) : column_(column) {}
  void Add(const ChunkView& view, const ChunkSelection& rows,
           std::vector<AggregateState>& states) override {
    const ColumnChunk& c = *view.columns[static_cast<size_t>(column_)];
    valid_.resize(kChunkRows);
    const uint8_t* valid = NonNullRows(c, rows.sel, view.rows, valid_.data());
    const uint32_t* groups = rows.groups;
    acc_.assign(states.size(), MinMaxState{});
    WithDeltas(c, [&](const auto* d) { MinMaxRows(d, valid, groups, view.rows, acc_); });
    for (size_t g = 1; g < states.size(); ++g) {
      const MinMaxState& a = acc_[g];
      if (a.n == 0) continue;
      // Delta (as unsigned) back to a value.
      auto value = [&](int64_t delta) {
        return static_cast<int64_t>(static_cast<uint64_t>(c.base) + static_cast<uint64_t>(delta));
      };
      AggregateState part = MinMaxState{a.n, value(a.min), value(a.max)};
      Merge(states[g], part).IgnoreError();
    }
  }

 private:
  int column_;
  std::vector<uint8_t> valid_;
  std::vector<MinMaxState> acc_;
};

Status CheckColumn(int column, const config::Schema& schema) {
  if (column < 0 || static_cast<size_t>(column) >= schema.fields.size()) {
    return common::InvalidArgument("aggregate column " + std::to_string(column) +
                                   " is not a field of the dataset");
  }
  if (schema.fields[static_cast<size_t>(column)].type == config::FieldType::kIdentifier) {
    return common::InvalidArgument("field " + schema.fields[static_cast<size_t>(column)].name +
                                   " is an identifier; identifiers are never aggregated");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateAggregate(const AggregateSpec& spec, const config::Schema& schema) {
  if (spec.kind == Kind::kCount) return Status::Ok();
  if (spec.columns.empty()) return common::InvalidArgument("the aggregate needs a column");
  if (spec.kind != Kind::kCoMoments && spec.columns.size() != 1) {
    return common::InvalidArgument("the aggregate takes one column");
  }
  for (int c : spec.columns) RETURN_IF_ERROR(CheckColumn(c, schema));
  if (spec.kind == Kind::kHistogram &&
      (spec.bins < 1 || spec.bins > kMaxHistogramBins || spec.hi <= spec.lo)) {
    return common::InvalidArgument("a histogram needs lo < hi and 1 to " +
                                   std::to_string(kMaxHistogramBins) + " bins");
  }
  if (spec.kind == Kind::kCoMoments) {
    if (spec.columns.size() > kMaxCoMomentColumns) {
      return common::InvalidArgument("co-moments take at most 16 columns");
    }
    if (!spec.unit_divisors.empty() && spec.unit_divisors.size() != spec.columns.size()) {
      return common::InvalidArgument("co-moments need one unit divisor per column");
    }
    for (double d : spec.unit_divisors) {
      if (!(d > 0)) return common::InvalidArgument("unit divisors must be positive");
    }
  }
  return Status::Ok();
}

AggregateState InitialState(const AggregateSpec& spec) {
  switch (spec.kind) {
    case Kind::kCount:
    case Kind::kNonNull: return CountState{};
    case Kind::kSum: return SumState{};
    case Kind::kMinMax: return MinMaxState{};
    case Kind::kHistogram:
      return HistogramState{spec.lo, spec.hi, std::vector<int64_t>(static_cast<size_t>(spec.bins)),
                            0, 0, 0};
    case Kind::kQuantile: return SketchState{};
    case Kind::kCoMoments: return CoMomentState{};
  }
  return CountState{};
}

std::unique_ptr<AggregateKernel> MakeAggregateKernel(const AggregateSpec& spec) {
  switch (spec.kind) {
    case Kind::kCount: return std::make_unique<CountKernel>(-1);
    case Kind::kNonNull: return std::make_unique<CountKernel>(spec.columns[0]);
    case Kind::kSum: return MakeSumKernel(spec);
    case Kind::kMinMax: return std::make_unique<MinMaxKernel>(spec.columns[0]);
    case Kind::kHistogram: return MakeHistogramKernel(spec);
    case Kind::kQuantile: return MakeQuantileKernel(spec);
    case Kind::kCoMoments: return MakeCoMomentKernel(spec);
  }
  return nullptr;
}

}  // namespace verbind::storage
