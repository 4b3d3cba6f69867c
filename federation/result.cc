#include "federation/result.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <variant>

#include "common/dates.h"

namespace verbind::federation {

using common::Result;
using common::Status;
using config::FieldType;
using storage::Int128;
using nlohmann::json;

namespace {

// A finite double, or null.
json Real(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) {
    return nullptr;
  }
  return *v;
}

double Divisor(const ItemField& f) { return f.type == "decimal" ? std::pow(10.0, f.scale) : 1.0; }

BoundField AsBound(const ItemField& f) {
  BoundField b;
  b.name = f.name;
  config::ParseFieldType(f.type, &b.type);
  b.scale = f.scale;
  return b;
}

int64_t Clamped(int64_t count) { return std::max<int64_t>(0, count); }

// A sum, kept on the side of zero its field's bounds allow.
json FinishSum(const ItemDescriptor& item, Int128 sum) {
  if (item.bounds && item.bounds->first >= 0) sum = std::max<Int128>(sum, 0);
  if (item.bounds && item.bounds->second <= 0) sum = std::min<Int128>(sum, 0);
  const ItemField& f = item.fields[0];
  if (f.type == "decimal") return FormatDecimalUnits(sum, f.scale);
  if (sum >= INT64_MIN && sum <= INT64_MAX) return static_cast<int64_t>(sum);
  return storage::Int128ToString(sum);
}

// The mean in storage units, kept within the item's bounds; nullopt without values.
std::optional<long double> MeanUnits(const ItemDescriptor& item, int64_t n, Int128 sum) {
  if (n <= 0) return std::nullopt;
  long double mean = static_cast<long double>(Center(item)) +
                     static_cast<long double>(sum) / static_cast<long double>(n);
  if (item.bounds) {
    mean = std::clamp<long double>(mean, item.bounds->first, item.bounds->second);
  }
  return mean;
}

// The sample variance in squared storage units (n - 1), within what values inside the bounds
// allow; nullopt with fewer than two values.
// The sample variance (n - 1), or for var_pop and stddev_pop the population variance (n).
std::optional<long double> VarianceUnits(const ItemDescriptor& item, const VarianceValue& v) {
  const bool population = item.function == "var_pop" || item.function == "stddev_pop";
  if (v.n <= (population ? 0 : 1)) return std::nullopt;
  long double n = static_cast<long double>(v.n);
  long double s = static_cast<long double>(v.sum);
  long double divisor = population ? n : n - 1;
  long double var = (static_cast<long double>(v.sumsq) - s * s / n) / divisor;
  var = std::max<long double>(0, var);
  if (item.bounds) {
    long double half = (static_cast<long double>(item.bounds->second) - item.bounds->first) / 2;
    var = std::min(var, half * half * n / divisor);
  }
  return var;
}

json FinishHistogram(const ItemDescriptor& item, const HistogramValue& h) {
  BoundField f = AsBound(item.fields[0]);
  json out = json::object();
  out["lo"] = TypedValue(f, item.lo);
  out["hi"] = TypedValue(f, item.hi);
  json bins = json::array();
  for (int64_t b : h.bins) bins.push_back(Clamped(b));
  out["bins"] = std::move(bins);
  out["below"] = Clamped(h.below);
  out["above"] = Clamped(h.above);
  return out;
}

// The grid bin holding the value of rank floor(q * (n - 1)) among the (clamped) counts: its
// range [lo, hi] and midpoint.
json FinishQuantile(const ItemDescriptor& item, const HistogramValue& h) {
  int64_t total = 0;
  for (int64_t b : h.bins) total += Clamped(b);
  if (total <= 0 || item.bins < 1) return nullptr;
  auto rank = static_cast<int64_t>(std::floor(item.q * static_cast<double>(total - 1)));
  size_t k = 0;
  for (int64_t seen = 0; k < h.bins.size(); ++k) {
    seen += Clamped(h.bins[k]);
    if (seen > rank) break;
  }
  k = std::min(k, h.bins.size() - 1);
  Int128 width = (static_cast<Int128>(item.hi) - item.lo) / item.bins;
  auto lo = static_cast<int64_t>(item.lo + width * static_cast<Int128>(k));
  auto hi = static_cast<int64_t>(item.lo + width * static_cast<Int128>(k + 1) - 1);
  BoundField f = AsBound(item.fields[0]);
  json out = json::object();
  if (f.type == FieldType::kDate) {
    out["estimate"] = TypedValue(f, static_cast<int64_t>(lo + (static_cast<Int128>(hi) - lo) / 2));
  } else {
    out["estimate"] =
        Real((static_cast<double>(lo) + static_cast<double>(hi)) / 2.0 / Divisor(item.fields[0]));
  }
  out["lo"] = TypedValue(f, lo);
  out["hi"] = TypedValue(f, hi);
  return out;
}

Result<json> FinishCoMoments(const ItemDescriptor& item, const storage::CoMomentState& s) {
  size_t k = item.fields.size();
  if (s.n > 0 && (s.mean.size() != k || s.c.size() != k * k)) {
    return common::InvalidArgument(item.name + ": co-moments of the wrong dimension");
  }
  if (item.function == "corr") return Real(storage::Correlation(s, 0, 1));
  std::optional<storage::Regression> r = storage::LinearRegression(s);
  if (!r || r->coefficients.size() + 1 != k) return json(nullptr);
  json out = json::object();
  out["intercept"] = Real(r->intercept);
  json coefficients = json::object();
  for (size_t i = 0; i < r->coefficients.size(); ++i) {
    coefficients[item.fields[i + 1].name] = Real(r->coefficients[i]);
  }
  out["coefficients"] = std::move(coefficients);
  out["r_squared"] = Real(r->r_squared);
  out["n"] = r->n;
  return out;
}

// One finished value.
Result<json> Finish(const ItemDescriptor& item, const ReleasedValue& value) {
  if (item.fields.empty() && item.kind != kKindCount) {
    return common::InvalidArgument(item.name + " has no field");
  }
  if (auto* c = std::get_if<CountValue>(&value)) return json(Clamped(c->count));
  if (auto* s = std::get_if<SumValue>(&value)) return FinishSum(item, s->sum);
  if (auto* m = std::get_if<MeanValue>(&value)) {
    auto mean = MeanUnits(item, m->n, m->sum);
    return Real(mean ? std::optional<double>(static_cast<double>(*mean) / Divisor(item.fields[0]))
                     : std::nullopt);
  }
  if (auto* v = std::get_if<VarianceValue>(&value)) {
    auto var = VarianceUnits(item, *v);
    if (!var) return json(nullptr);
    double d = Divisor(item.fields[0]);
    double x = static_cast<double>(*var);
    const bool variance = item.function == "var" || item.function == "var_pop";
    return Real(variance ? x / (d * d) : std::sqrt(x) / d);
  }
  if (auto* h = std::get_if<HistogramValue>(&value)) {
    if (h->bins.size() != static_cast<size_t>(item.bins)) {
      return common::InvalidArgument(item.name + ": a histogram with the wrong number of bins");
    }
    return item.kind == kKindQuantile ? FinishQuantile(item, *h) : FinishHistogram(item, *h);
  }
  if (auto* c = std::get_if<storage::CoMomentState>(&value)) return FinishCoMoments(item, *c);
  const auto& m = std::get<MinMaxValue>(value);
  if (m.n == 0) return json(nullptr);
  return TypedValue(AsBound(item.fields[0]), item.function == "min" ? m.min : m.max);
}

bool KeyLess(const ResultRow& a, const ResultRow& b) {
  return std::lexicographical_compare(a.key.begin(), a.key.end(), b.key.begin(), b.key.end(),
                                      [](const json& x, const json& y) { return x < y; });
}

}  // namespace

std::string FormatDecimalUnits(storage::Int128 units, int scale) {
  std::string digits = storage::Int128ToString(units);
  bool negative = digits[0] == '-';
  if (negative) {
    digits.erase(0, 1);
  }
  if (scale > 0) {
    size_t s = static_cast<size_t>(scale);
    if (digits.size() <= s) {
      digits.insert(0, s + 1 - digits.size(), '0');
    }
    digits.insert(digits.size() - s, ".");
  }
  return negative ? "-" + digits : digits;
}

json TypedValue(const BoundField& field, int64_t units) {
  switch (field.type) {
    case FieldType::kInteger:
      return units;
    case FieldType::kDecimal:
      return FormatDecimalUnits(units, field.scale);
    case FieldType::kDate: {
      static const int64_t kFirst = common::DaysFromCivil(1, 1, 1);
      static const int64_t kLast = common::DaysFromCivil(9999, 12, 31);
      return common::FormatIsoDate(static_cast<int32_t>(std::clamp(units, kFirst, kLast)));
    }
    case FieldType::kBoolean:
      return units != 0;
    default:
      return nullptr;
  }
}

std::string_view ValueStatusName(ValueStatus s) {
  switch (s) {
    case ValueStatus::kComplete: return "complete";
    case ValueStatus::kIncomplete: return "incomplete";
    case ValueStatus::kWithheld: return "withheld";
  }
  return "complete";
}

ValueStatus RowStatus(const ResultRow& row) {
  ValueStatus out = ValueStatus::kComplete;
  for (const ResultValue& v : row.values) {
    if (v.status == ValueStatus::kWithheld) return ValueStatus::kWithheld;
    if (v.status == ValueStatus::kIncomplete) out = ValueStatus::kIncomplete;
  }
  return out;
}

Result<std::vector<json>> DecodeGroupKey(const storage::GroupKey& key, const BoundQuery& query,
                                         const CategoryLabelLookup& labels) {
  size_t n = query.group_by.size();
  if (key.values.size() != n || (n < 32 && (key.null_mask >> n) != 0)) {
    return common::InvalidArgument("a group key does not match the query's group-by fields");
  }
  std::vector<json> out;
  for (size_t i = 0; i < n; ++i) {
    const BoundField& f = query.group_by[i];
    if ((key.null_mask >> i) & 1u) {
      out.emplace_back(nullptr);
    } else if (!f.band_labels.empty()) {
      if (key.values[i] < 0 || static_cast<size_t>(key.values[i]) >= f.band_labels.size()) {
        return common::Internal("a CASE key outside its labels");
      }
      out.emplace_back(f.band_labels[static_cast<size_t>(key.values[i])]);
    } else if (f.type == FieldType::kCategorical) {
      if (!labels) {
        return common::Internal("no label lookup for a categorical group key");
      }
      ASSIGN_OR_RETURN(std::string label, labels(f.index, key.values[i]));
      out.emplace_back(std::move(label));
    } else {
      out.push_back(TypedValue(f, key.values[i]));
    }
  }
  return out;
}

Result<ResultTable> FinishTable(const PartialTable& t, Coverage coverage) {
  ResultTable out;
  for (const auto& item : t.items) {
    bool group = item.kind == kKindGroup;
    out.columns.push_back({item.name, group ? ResultColumn::Role::kGroup
                                            : ResultColumn::Role::kAggregate,
                           group ? "" : item.function});
  }
  for (const PartialCell& cell : t.cells) {
    if (cell.values.size() != t.items.size()) {
      return common::InvalidArgument("a cell does not have one value per item");
    }
    ResultRow row;
    row.key = cell.key;
    for (size_t i = 0; i < t.items.size(); ++i) {
      if (t.items[i].kind == kKindGroup) continue;
      const PartialValue& pv = cell.values[i];
      ResultValue v;
      if (pv.withheld) {
        v.status = ValueStatus::kWithheld;
      } else {
        if (coverage == Coverage::kPart) v.status = ValueStatus::kIncomplete;
        if (pv.value) {
          ASSIGN_OR_RETURN(v.value, Finish(t.items[i], *pv.value));
        }
      }
      row.values.push_back(std::move(v));
    }
    out.rows.push_back(std::move(row));
  }
  std::stable_sort(out.rows.begin(), out.rows.end(), KeyLess);
  return out;
}

}  // namespace verbind::federation
