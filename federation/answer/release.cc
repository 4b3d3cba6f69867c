#include "federation/answer/internal/release.h"

#include <map>

#include "federation/answer/internal/noise.h"

namespace verbind::federation {

using common::Result;
using common::Status;
using nlohmann::json;

namespace {

// The value of an item in a cell without records.
ReleasedValue Zero(const ItemDescriptor& item) {
  const std::string& k = item.kind;
  if (k == kKindCount || k == kKindNonNull) return CountValue{};
  if (k == kKindSum) return SumValue{};
  if (k == kKindMean) return MeanValue{};
  if (k == kKindVariance) return VarianceValue{};
  if (k == kKindHistogram || k == kKindQuantile) {
    HistogramValue h;
    h.bins.assign(static_cast<size_t>(item.bins), 0);
    return h;
  }
  if (k == kKindCoMoments) {
    storage::CoMomentState c;
    c.mean.assign(item.fields.size(), 0);
    c.c.assign(item.fields.size() * item.fields.size(), 0);
    return c;
  }
  return MinMaxValue{};
}

// sum of (x - c)^2 from the exact sum of squares when it is exact, else from M2 in extended
// precision (values far from zero whose squares pass 127 bits).
Int128 CentredSquares(const storage::SumState& s, Int128 c, Int128 centred_sum) {
  Int128 two_c_sum, c2n, out;
  if (s.sumsq_exact && !__builtin_mul_overflow(c * 2, s.sum, &two_c_sum) &&
      !__builtin_mul_overflow(c * c, static_cast<Int128>(s.n), &c2n) &&
      !__builtin_sub_overflow(s.sumsq, two_c_sum, &out) &&
      !__builtin_add_overflow(out, c2n, &out)) {
    return out;
  }
  long double n = static_cast<long double>(s.n);
  long double d = static_cast<long double>(centred_sum);
  return static_cast<Int128>(static_cast<long double>(s.m2) + (n > 0 ? d * d / n : 0));
}

Result<ReleasedValue> FromState(const ItemDescriptor& item, const storage::AggregateState& state) {
  const std::string& k = item.kind;
  auto wrong = [&] { return common::Internal("the scan gave the wrong state for " + item.name); };
  if (k == kKindCount || k == kKindNonNull) {
    auto* s = std::get_if<storage::CountState>(&state);
    if (!s) return wrong();
    return ReleasedValue(CountValue{s->rows});
  }
  if (k == kKindSum || k == kKindMean || k == kKindVariance) {
    auto* s = std::get_if<storage::SumState>(&state);
    if (!s) return wrong();
    if (k == kKindSum) return ReleasedValue(SumValue{s->sum});
    Int128 c = Center(item);
    Int128 centred = s->sum - c * s->n;
    if (k == kKindMean) return ReleasedValue(MeanValue{s->n, centred});
    return ReleasedValue(VarianceValue{s->n, centred, CentredSquares(*s, c, centred)});
  }
  if (k == kKindHistogram || k == kKindQuantile) {
    auto* s = std::get_if<storage::HistogramState>(&state);
    if (!s || s->bins.size() != static_cast<size_t>(item.bins)) return wrong();
    if (k == kKindQuantile) return ReleasedValue(HistogramValue{s->bins, 0, 0, 0});
    return ReleasedValue(HistogramValue{s->bins, s->below, s->above, s->nulls});
  }
  if (k == kKindCoMoments) {
    auto* s = std::get_if<storage::CoMomentState>(&state);
    if (!s) return wrong();
    if (s->n == 0) return Zero(item);
    return ReleasedValue(*s);
  }
  auto* s = std::get_if<storage::MinMaxState>(&state);
  if (!s) return wrong();
  return ReleasedValue(MinMaxValue{s->n, s->min, s->max});
}

// Every key of the public key set, in order (each domain is sorted, so counting through them
// like an odometer gives keys in lexicographic order).
std::vector<std::vector<json>> AllKeys(const AnswerPlan& plan) {
  std::vector<std::vector<json>> keys;
  int64_t total = plan.KeyCount();
  keys.reserve(static_cast<size_t>(total));
  std::vector<size_t> at(plan.domains.size(), 0);
  for (int64_t n = 0; n < total; ++n) {
    std::vector<json> key;
    for (size_t f = 0; f < at.size(); ++f) key.push_back(plan.domains[f].values[at[f]]);
    keys.push_back(std::move(key));
    for (size_t f = at.size(); f-- > 0;) {
      if (++at[f] < plan.domains[f].values.size()) break;
      at[f] = 0;
    }
  }
  return keys;
}

PartialCell EmptyCell(const AnswerPlan& plan, std::vector<json> key) {
  PartialCell cell;
  cell.key = std::move(key);
  for (const auto& item : plan.items) {
    PartialValue v;
    if (item.kind != kKindGroup) v.value = Zero(item);
    cell.values.push_back(std::move(v));
  }
  return cell;
}

void AddTo(Int128& v, Int128 z) { v += z; }
void AddTo(int64_t& v, Int128 z) {
  Int128 sum = static_cast<Int128>(v) + z;
  v = static_cast<int64_t>(std::clamp<Int128>(sum, INT64_MIN, INT64_MAX));
}

// Adds the noise of statistics `stats` (item order) to one value.
void Perturb(ReleasedValue& value, const std::vector<const std::vector<Int128>*>& z) {
  std::visit(
      [&](auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, CountValue>) {
          AddTo(v.count, (*z[0])[0]);
        } else if constexpr (std::is_same_v<T, SumValue>) {
          AddTo(v.sum, (*z[0])[0]);
        } else if constexpr (std::is_same_v<T, MeanValue>) {
          AddTo(v.n, (*z[0])[0]);
          AddTo(v.sum, (*z[1])[0]);
        } else if constexpr (std::is_same_v<T, VarianceValue>) {
          AddTo(v.n, (*z[0])[0]);
          AddTo(v.sum, (*z[1])[0]);
          AddTo(v.sumsq, (*z[2])[0]);
        } else if constexpr (std::is_same_v<T, HistogramValue>) {
          const std::vector<Int128>& h = *z[0];
          for (size_t b = 0; b < v.bins.size(); ++b) AddTo(v.bins[b], h[b]);
          if (h.size() == v.bins.size() + 3) {
            AddTo(v.below, h[v.bins.size()]);
            AddTo(v.above, h[v.bins.size() + 1]);
            AddTo(v.nulls, h[v.bins.size() + 2]);
          }
        }
      },
      value);
}

bool Small(int64_t count, int min_cell_size) { return count > 0 && count < min_cell_size; }

// Threshold: whether the value of `item` is based on 1 to m - 1 records (judged on the exact
// state: counts by their count, sums, means and variances by their number of values,
// histograms and grids by every bin, co-moments by their rows).
bool BelowThreshold(const storage::AggregateState& state, int m) {
  return std::visit(
      [&](const auto& v) -> bool {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, storage::CountState>) {
          return Small(v.rows, m);
        } else if constexpr (std::is_same_v<T, storage::HistogramState>) {
          bool small = Small(v.below, m) || Small(v.above, m) || Small(v.nulls, m);
          for (int64_t b : v.bins) small = small || Small(b, m);
          return small;
        } else {
          return Small(v.n, m);
        }
      },
      state);
}

}  // namespace

Result<PartialTable> ExactRelease(const AnswerPlan& plan, const storage::ScanResult& scan,
                                  const CategoryLabelLookup& labels) {
  PartialTable t;
  t.items = plan.items;
  std::map<std::vector<json>, size_t> index;
  if (plan.public_keys) {
    for (auto& key : AllKeys(plan)) {
      index.emplace(key, t.cells.size());
      t.cells.push_back(EmptyCell(plan, std::move(key)));
    }
  }
  const size_t groups = plan.bound.group_by.size();
  for (const auto& cell : scan.cells) {
    ASSIGN_OR_RETURN(std::vector<json> key, DecodeGroupKey(cell.key, plan.bound, labels));
    auto it = index.find(key);
    if (it == index.end()) {
      // Outside the public key set (it cannot be, as ingest holds values to the schema): such
      // records are not part of the answer.
      if (plan.public_keys) continue;
      it = index.emplace(key, t.cells.size()).first;
      t.cells.push_back(EmptyCell(plan, key));
    }
    PartialCell& out = t.cells[it->second];
    for (size_t c = 0; c < plan.bound.columns.size(); ++c) {
      const ItemDescriptor& item = plan.items[groups + c];
      const storage::AggregateState& state = cell.aggregates.at(plan.bound.columns[c].aggregate);
      PartialValue& value = out.values[groups + c];
      if (plan.protection == Protection::kThreshold &&
          BelowThreshold(state, plan.min_cell_size)) {
        value.value.reset();
        value.withheld = true;
        continue;
      }
      ASSIGN_OR_RETURN(value.value, FromState(item, state));
    }
  }
  std::sort(t.cells.begin(), t.cells.end(),
            [](const PartialCell& a, const PartialCell& b) { return a.key < b.key; });
  return t;
}

Status AddNoise(PartialTable& table, const AnswerPlan& plan, std::span<const uint8_t> secret,
                const std::string& fingerprint) {
  if (table.items.size() != plan.item_statistics.size()) {
    return common::Internal("noise: the table does not follow the plan");
  }
  for (PartialCell& cell : table.cells) {
    const std::string key = json(cell.key).dump();
    std::map<size_t, std::vector<Int128>> noise;  // per statistic, drawn once per cell
    for (size_t i = 0; i < table.items.size(); ++i) {
      if (plan.item_statistics[i].empty()) continue;
      std::vector<const std::vector<Int128>*> z;
      for (size_t s : plan.item_statistics[i]) {
        const NoisyStatistic& stat = plan.statistics[s];
        auto it = noise.find(s);
        if (it == noise.end()) {
          it = noise.emplace(s, NoiseFor(secret, fingerprint, key, stat.id, stat.scale,
                                         stat.length)).first;
        }
        z.push_back(&it->second);
      }
      if (!cell.values[i].value) return common::Internal("noise: a value is missing");
      Perturb(*cell.values[i].value, z);
    }
  }
  return Status::Ok();
}

}  // namespace verbind::federation
