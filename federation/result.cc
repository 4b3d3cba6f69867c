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
using nlohmann::json;

namespace {

// A finite double, or null.
json Real(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) {
    return nullptr;
  }
  return *v;
}

double Divisor(const BoundField& f) {
  return f.type == FieldType::kDecimal ? std::pow(10.0, f.scale) : 1.0;
}

Status WrongState(const BoundColumn& c, std::string_view expected) {
  return common::InvalidArgument("column \"" + c.name + "\": expected a " + std::string(expected) +
                                 " state");
}

json FinishSum(const BoundColumn& c, const storage::SumState& s) {
  if (s.n == 0) {
    return nullptr;
  }
  const BoundField& f = c.fields[0];
  switch (c.func) {
    case AggFunc::kSum:
      if (f.type == FieldType::kDecimal) {
        return FormatDecimalUnits(s.sum, f.scale);
      }
      if (s.sum >= INT64_MIN && s.sum <= INT64_MAX) {
        return static_cast<int64_t>(s.sum);
      }
      return storage::Int128ToString(s.sum);
    case AggFunc::kAvg: {
      std::optional<double> mean = storage::Mean(s);
      return Real(mean ? std::optional<double>(*mean / Divisor(f)) : std::nullopt);
    }
    default: {  // var, stddev
      std::optional<double> var = storage::SampleVariance(s);
      if (!var) {
        return nullptr;
      }
      double d = Divisor(f);
      return Real(c.func == AggFunc::kVar ? *var / (d * d) : std::sqrt(*var) / d);
    }
  }
}

Result<json> FinishHistogram(const BoundColumn& c, const storage::HistogramState& h) {
  if (h.bins.empty() || h.bins.size() > static_cast<size_t>(kMaxHistogramBins)) {
    return common::InvalidArgument("column \"" + c.name + "\": a histogram without valid bins");
  }
  json out = json::object();
  out["lo"] = TypedValue(c.fields[0], h.lo);
  out["hi"] = TypedValue(c.fields[0], h.hi);
  out["bins"] = h.bins;
  out["below"] = h.below;
  out["above"] = h.above;
  return out;
}

json FinishQuantile(const BoundColumn& c, const storage::SketchState& s) {
  std::optional<storage::SketchState::Bracket> b = s.Quantile(c.q);
  if (!b) {
    return nullptr;
  }
  const BoundField& f = c.fields[0];
  json out = json::object();
  if (f.type == FieldType::kDate) {
    storage::Int128 mid = b->lo + (static_cast<storage::Int128>(b->hi) - b->lo) / 2;  // floor
    out["estimate"] = TypedValue(f, static_cast<int64_t>(mid));
  } else {
    out["estimate"] =
        Real((static_cast<double>(b->lo) + static_cast<double>(b->hi)) / 2.0 / Divisor(f));
  }
  out["lo"] = TypedValue(f, b->lo);
  out["hi"] = TypedValue(f, b->hi);
  return out;
}

Result<json> FinishCoMoments(const BoundColumn& c, const storage::CoMomentState& s) {
  size_t k = s.mean.size();
  if (s.n > 0 && (k != c.fields.size() || s.c.size() != k * k)) {
    return common::InvalidArgument("column \"" + c.name + "\": co-moments of the wrong dimension");
  }
  if (c.func == AggFunc::kCorr) {
    return Real(storage::Correlation(s, 0, 1));
  }
  std::optional<storage::Regression> r = storage::LinearRegression(s);
  if (!r || r->coefficients.size() + 1 != c.fields.size()) {
    return json(nullptr);
  }
  json out = json::object();
  out["intercept"] = Real(r->intercept);
  json coefficients = json::object();
  for (size_t i = 0; i < r->coefficients.size(); ++i) {
    coefficients[c.fields[i + 1].name] = Real(r->coefficients[i]);
  }
  out["coefficients"] = std::move(coefficients);
  out["r_squared"] = Real(r->r_squared);
  out["n"] = r->n;
  return out;
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
  return s == ValueStatus::kOk ? "ok" : "suppressed";
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

std::vector<ResultColumn> ResultColumns(const BoundQuery& query) {
  std::vector<ResultColumn> out;
  for (const BoundField& f : query.group_by) {
    out.push_back({f.name, ResultColumn::Role::kGroup, ""});
  }
  for (const BoundColumn& c : query.columns) {
    out.push_back({c.name, ResultColumn::Role::kAggregate, std::string(AggFuncName(c.func))});
  }
  return out;
}

Result<json> FinishValue(const BoundColumn& c, const storage::AggregateState& state) {
  bool needs_field = !(c.func == AggFunc::kCount);
  if (needs_field && c.fields.empty()) {
    return common::InvalidArgument("column \"" + c.name + "\" has no field");
  }
  switch (c.func) {
    case AggFunc::kCount:
      if (auto* s = std::get_if<storage::CountState>(&state)) {
        return json(s->rows);
      }
      return WrongState(c, "count");
    case AggFunc::kSum:
    case AggFunc::kAvg:
    case AggFunc::kVar:
    case AggFunc::kStddev:
      if (auto* s = std::get_if<storage::SumState>(&state)) {
        return FinishSum(c, *s);
      }
      return WrongState(c, "sum");
    case AggFunc::kMin:
    case AggFunc::kMax:
      if (auto* s = std::get_if<storage::MinMaxState>(&state)) {
        return s->n == 0 ? json(nullptr)
                         : TypedValue(c.fields[0], c.func == AggFunc::kMin ? s->min : s->max);
      }
      return WrongState(c, "min/max");
    case AggFunc::kHistogram:
      if (auto* s = std::get_if<storage::HistogramState>(&state)) {
        return FinishHistogram(c, *s);
      }
      return WrongState(c, "histogram");
    case AggFunc::kQuantile:
    case AggFunc::kMedian:
      if (auto* s = std::get_if<storage::SketchState>(&state)) {
        return FinishQuantile(c, *s);
      }
      return WrongState(c, "quantile sketch");
    case AggFunc::kCorr:
    case AggFunc::kRegression:
      if (auto* s = std::get_if<storage::CoMomentState>(&state)) {
        return FinishCoMoments(c, *s);
      }
      return WrongState(c, "co-moment");
  }
  return common::Internal("unknown aggregate function");
}

Result<ResultTable> FinishCells(const BoundQuery& query, const std::vector<DecodedCell>& cells) {
  ResultTable table;
  table.columns = ResultColumns(query);
  for (const DecodedCell& cell : cells) {
    if (cell.key.size() != query.group_by.size() ||
        cell.states.size() != query.scan.aggregates.size()) {
      return common::InvalidArgument(
          "a cell does not match the query's group-by fields or "
          "aggregates");
    }
    ResultRow row;
    row.key = cell.key;
    for (const BoundColumn& c : query.columns) {
      if (c.aggregate >= cell.states.size()) {
        return common::InvalidArgument("column \"" + c.name + "\" has no state");
      }
      ASSIGN_OR_RETURN(json value, FinishValue(c, cell.states[c.aggregate]));
      row.values.push_back(ResultValue{std::move(value), ValueStatus::kOk, ""});
    }
    table.rows.push_back(std::move(row));
  }
  std::stable_sort(table.rows.begin(), table.rows.end(), KeyLess);
  return table;
}

}  // namespace verbind::federation
