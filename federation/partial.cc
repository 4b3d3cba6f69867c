#include "federation/partial.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "federation/query.h"

namespace verbind::federation {

using common::Result;
using common::Status;
using nlohmann::json;

namespace {

constexpr int64_t kMaxCount = int64_t{1} << 53;
// Released sums stay within +-2^120, so that thousands of nodes' sums add up in 128 bits.
constexpr Int128 kMaxSum = Int128{1} << 120;

Status Bad(const std::string& path, const std::string& what) {
  return common::InvalidArgument("result." + path + ": " + what);
}

Result<int64_t> Int(const json& j, const char* key, const std::string& path, int64_t lo,
                    int64_t hi) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer() ||
      (it->is_number_unsigned() && it->get<uint64_t>() > INT64_MAX) || it->get<int64_t>() < lo ||
      it->get<int64_t>() > hi) {
    return Bad(path + "." + key,
               "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return it->get<int64_t>();
}

Result<int64_t> Count(const json& j, const char* key, const std::string& path) {
  return Int(j, key, path, -kMaxCount, kMaxCount);
}

Result<Int128> Sum(const json& j, const char* key, const std::string& path) {
  Int128 v = 0;
  auto it = j.find(key);
  if (it == j.end() || !it->is_string() || !storage::ParseInt128(it->get<std::string>(), &v) ||
      v > kMaxSum || v < -kMaxSum) {
    return Bad(path + "." + key, "must be an integer within +-2^120 in decimal text");
  }
  return v;
}

Result<std::vector<int64_t>> Counts(const json& j, const char* key, size_t n,
                                    const std::string& path) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array() || it->size() != n) {
    return Bad(path + "." + key, "must list " + std::to_string(n) + " counts");
  }
  std::vector<int64_t> out;
  out.reserve(n);
  for (const auto& c : *it) {
    if (!c.is_number_integer() || (c.is_number_unsigned() && c.get<uint64_t>() > INT64_MAX) ||
        std::llabs(c.get<int64_t>()) > kMaxCount) {
      return Bad(path + "." + key, "must hold counts within +-2^53");
    }
    out.push_back(c.get<int64_t>());
  }
  return out;
}

Result<std::vector<double>> Reals(const json& j, const char* key, size_t n,
                                  const std::string& path) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array() || it->size() != n) {
    return Bad(path + "." + key, "must be a list of " + std::to_string(n) + " numbers");
  }
  std::vector<double> out;
  for (const auto& v : *it) {
    if (!v.is_number() || !std::isfinite(v.get<double>())) {
      return Bad(path + "." + key, "must hold finite numbers");
    }
    out.push_back(v.get<double>());
  }
  return out;
}

Status OnlyKeys(const json& j, std::initializer_list<const char*> keys, const std::string& path) {
  if (!j.is_object()) return Bad(path, "must be an object");
  std::set<std::string> allowed(keys.begin(), keys.end());
  for (const auto& [k, v] : j.items()) {
    if (!allowed.count(k)) return Bad(path, "unknown key \"" + k.substr(0, 40) + "\"");
  }
  return Status::Ok();
}

Result<ReleasedValue> DecodeHistogram(const json& j, const ItemDescriptor& item,
                                      const std::string& path) {
  HistogramValue h;
  if (item.kind == kKindQuantile) {
    RETURN_IF_ERROR(OnlyKeys(j, {"bins"}, path));
    ASSIGN_OR_RETURN(h.bins, Counts(j, "bins", static_cast<size_t>(item.bins), path));
    return ReleasedValue(h);
  }
  RETURN_IF_ERROR(OnlyKeys(j, {"bins", "below", "above", "nulls"}, path));
  ASSIGN_OR_RETURN(h.bins, Counts(j, "bins", static_cast<size_t>(item.bins), path));
  ASSIGN_OR_RETURN(h.below, Count(j, "below", path));
  ASSIGN_OR_RETURN(h.above, Count(j, "above", path));
  ASSIGN_OR_RETURN(h.nulls, Count(j, "nulls", path));
  return ReleasedValue(h);
}

Result<ReleasedValue> DecodeMoments(const json& j, const ItemDescriptor& item,
                                    const std::string& path) {
  if (item.kind == kKindMean) {
    RETURN_IF_ERROR(OnlyKeys(j, {"n", "sum"}, path));
    MeanValue m;
    ASSIGN_OR_RETURN(m.n, Count(j, "n", path));
    ASSIGN_OR_RETURN(m.sum, Sum(j, "sum", path));
    return ReleasedValue(m);
  }
  RETURN_IF_ERROR(OnlyKeys(j, {"n", "sum", "sumsq"}, path));
  VarianceValue v;
  ASSIGN_OR_RETURN(v.n, Count(j, "n", path));
  ASSIGN_OR_RETURN(v.sum, Sum(j, "sum", path));
  ASSIGN_OR_RETURN(v.sumsq, Sum(j, "sumsq", path));
  return ReleasedValue(v);
}

Result<ItemField> DecodeField(const json& j, const std::string& path) {
  RETURN_IF_ERROR(OnlyKeys(j, {"name", "type", "scale"}, path));
  ItemField f;
  if (!j.contains("name") || !j["name"].is_string() || j["name"].get<std::string>().size() > 64) {
    return Bad(path + ".name", "must be a field name");
  }
  f.name = j["name"];
  static const std::set<std::string> kTypes = {"integer", "decimal", "date", "boolean",
                                               "categorical"};
  if (!j.contains("type") || !j["type"].is_string() || !kTypes.count(j["type"])) {
    return Bad(path + ".type", "must be integer, decimal, date, boolean or categorical");
  }
  f.type = j["type"];
  ASSIGN_OR_RETURN(int64_t scale, Int(j, "scale", path, 0, 9));
  f.scale = static_cast<int>(scale);
  return f;
}

Status DecodeItemOptions(const json& j, ItemDescriptor& d, const std::string& path) {
  if (d.kind == kKindHistogram || d.kind == kKindQuantile) {
    ASSIGN_OR_RETURN(d.lo, Int(j, "lo", path, INT64_MIN, INT64_MAX));
    ASSIGN_OR_RETURN(d.hi, Int(j, "hi", path, INT64_MIN, INT64_MAX));
    ASSIGN_OR_RETURN(int64_t bins, Int(j, "bins", path, 1, 1000));
    if (d.lo >= d.hi) return Bad(path, "lo must be below hi");
    d.bins = static_cast<int>(bins);
  }
  if (d.kind == kKindQuantile) {
    auto q = j.find("q");
    if (q == j.end() || !q->is_number() || !(q->get<double>() >= 0 && q->get<double>() <= 1)) {
      return Bad(path + ".q", "must be a number from 0 to 1");
    }
    d.q = q->get<double>();
  }
  if (j.contains("bounds")) {
    const json& b = j["bounds"];
    auto int64 = [](const json& v) {
      return v.is_number_integer() && !(v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX);
    };
    if ((d.kind != kKindSum && d.kind != kKindMean && d.kind != kKindVariance) ||
        !b.is_array() || b.size() != 2 ||
        !int64(b[0]) || !int64(b[1]) || b[0].get<int64_t>() > b[1].get<int64_t>()) {
      return Bad(path + ".bounds", "must be [min, max] of a sum, mean or variance item");
    }
    d.bounds = std::make_pair(b[0].get<int64_t>(), b[1].get<int64_t>());
  }
  return Status::Ok();
}

Result<ItemDescriptor> DecodeItem(const json& j, const std::string& path) {
  RETURN_IF_ERROR(OnlyKeys(
      j, {"name", "function", "kind", "fields", "q", "lo", "hi", "bins", "bounds"}, path));
  ItemDescriptor d;
  for (const char* key : {"name", "function", "kind"}) {
    // A group key's name is its text, which may be a long CASE: the query's own limit.
    if (!j.contains(key) || !j[key].is_string() ||
        j[key].get<std::string>().size() > kMaxQueryTextBytes) {
      return Bad(path + "." + key, "must be a string");
    }
  }
  d.name = j["name"];
  d.function = j["function"];
  d.kind = j["kind"];
  if (!j.contains("fields") || !j["fields"].is_array() || j["fields"].size() > 9) {
    return Bad(path + ".fields", "must be a list of at most 9 fields");
  }
  for (size_t i = 0; i < j["fields"].size(); ++i) {
    ASSIGN_OR_RETURN(ItemField f,
                     DecodeField(j["fields"][i], path + ".fields[" + std::to_string(i) + "]"));
    d.fields.push_back(std::move(f));
  }
  std::string expected =
      d.function == kKindGroup ? kKindGroup : KindOfFunction(d.function, d.fields.size());
  if (expected.empty() || expected != d.kind) {
    return Bad(path + ".kind", "\"" + d.kind + "\" does not fit function \"" + d.function + "\"");
  }
  RETURN_IF_ERROR(DecodeItemOptions(j, d, path));
  return d;
}

Result<PartialCell> DecodeCell(const json& j, const PartialTable& t, const std::string& path) {
  RETURN_IF_ERROR(OnlyKeys(j, {"key", "values"}, path));
  PartialCell c;
  size_t groups = t.GroupItemCount();
  if (!j.contains("key") || !j["key"].is_array() || j["key"].size() != groups) {
    return Bad(path + ".key", "must list " + std::to_string(groups) + " group values");
  }
  for (const auto& k : j["key"]) {
    if (!(k.is_null() || k.is_boolean() || k.is_number_integer() ||
          (k.is_string() && k.get<std::string>().size() <= 256))) {
      return Bad(path + ".key", "values must be strings, integers, booleans or null");
    }
    c.key.push_back(k);
  }
  if (!j.contains("values") || !j["values"].is_array() || j["values"].size() != t.items.size()) {
    return Bad(path + ".values", "must list one value per item");
  }
  for (size_t i = 0; i < t.items.size(); ++i) {
    const json& v = j["values"][i];
    PartialValue pv;
    if (t.items[i].kind == kKindGroup) {
      if (!v.is_null()) return Bad(path + ".values", "group items have null values");
    } else if (v.is_object() && v.contains("withheld")) {
      if (v.size() != 1 || v["withheld"] != true) {
        return Bad(path + ".values", "a withheld value is {\"withheld\": true}");
      }
      pv.withheld = true;
    } else {
      ASSIGN_OR_RETURN(pv.value, DecodeValue(v, t.items[i]));
    }
    c.values.push_back(std::move(pv));
  }
  return c;
}

bool CheckedAdd(Int128& into, Int128 v) { return !__builtin_add_overflow(into, v, &into); }
bool CheckedAdd(int64_t& into, int64_t v) { return !__builtin_add_overflow(into, v, &into); }

// Adds `other` into `into` (values of the same item).
bool AddValue(ReleasedValue& into, const ReleasedValue& other) {
  if (into.index() != other.index()) return false;
  return std::visit(
      [&](auto& a) -> bool {
        using T = std::decay_t<decltype(a)>;
        const T& b = std::get<T>(other);
        if constexpr (std::is_same_v<T, CountValue>) {
          return CheckedAdd(a.count, b.count);
        } else if constexpr (std::is_same_v<T, SumValue>) {
          return CheckedAdd(a.sum, b.sum);
        } else if constexpr (std::is_same_v<T, MeanValue>) {
          return CheckedAdd(a.n, b.n) && CheckedAdd(a.sum, b.sum);
        } else if constexpr (std::is_same_v<T, VarianceValue>) {
          return CheckedAdd(a.n, b.n) && CheckedAdd(a.sum, b.sum) && CheckedAdd(a.sumsq, b.sumsq);
        } else if constexpr (std::is_same_v<T, HistogramValue>) {
          if (a.bins.size() != b.bins.size()) return false;
          bool ok = CheckedAdd(a.below, b.below) && CheckedAdd(a.above, b.above) &&
                    CheckedAdd(a.nulls, b.nulls);
          for (size_t i = 0; i < a.bins.size(); ++i) ok = ok && CheckedAdd(a.bins[i], b.bins[i]);
          return ok;
        } else if constexpr (std::is_same_v<T, storage::CoMomentState>) {
          if (b.n > 0 && a.n > 0 && a.mean.size() != b.mean.size()) return false;
          storage::MergeCoMoments(a, b);
          return true;
        } else {
          if (b.n == 0) return true;
          if (a.n == 0) {
            a = b;
            return true;
          }
          a.min = std::min(a.min, b.min);
          a.max = std::max(a.max, b.max);
          return CheckedAdd(a.n, b.n);
        }
      },
      into);
}

}  // namespace

int64_t Center(const ItemDescriptor& item) {
  if (!item.bounds) return 0;
  Int128 sum = static_cast<Int128>(item.bounds->first) + item.bounds->second;
  Int128 half = sum >= 0 ? sum / 2 : -((-sum + 1) / 2);  // floor
  return static_cast<int64_t>(half);
}

size_t PartialTable::GroupItemCount() const {
  return static_cast<size_t>(
      std::count_if(items.begin(), items.end(), [](const auto& i) { return i.kind == kKindGroup; }));
}

std::string KindOfFunction(std::string_view f, size_t fields) {
  if (f == "count") return fields == 0 ? kKindCount : kKindNonNull;
  if (f == "sum") return kKindSum;
  if (f == "avg") return kKindMean;
  if (f == "var" || f == "stddev" || f == "var_pop" || f == "stddev_pop") return kKindVariance;
  if (f == "histogram") return kKindHistogram;
  if (f == "quantile" || f == "median") return kKindQuantile;
  if (f == "corr" || f == "regression") return kKindCoMoments;
  if (f == "min" || f == "max") return kKindMinMax;
  return "";
}

json EncodeValue(const ReleasedValue& value) {
  return std::visit(
      [](const auto& v) -> json {
        using T = std::decay_t<decltype(v)>;
        using storage::Int128ToString;
        if constexpr (std::is_same_v<T, CountValue>) {
          return {{"count", v.count}};
        } else if constexpr (std::is_same_v<T, SumValue>) {
          return {{"sum", Int128ToString(v.sum)}};
        } else if constexpr (std::is_same_v<T, MeanValue>) {
          return {{"n", v.n}, {"sum", Int128ToString(v.sum)}};
        } else if constexpr (std::is_same_v<T, VarianceValue>) {
          return {{"n", v.n}, {"sum", Int128ToString(v.sum)}, {"sumsq", Int128ToString(v.sumsq)}};
        } else if constexpr (std::is_same_v<T, HistogramValue>) {
          return {{"bins", v.bins}, {"below", v.below}, {"above", v.above}, {"nulls", v.nulls}};
        } else if constexpr (std::is_same_v<T, storage::CoMomentState>) {
          return {{"n", v.n}, {"mean", v.mean}, {"c", v.c}};
        } else {
          return {{"n", v.n}, {"min", v.min}, {"max", v.max}};
        }
      },
      value);
}

Result<ReleasedValue> DecodeValue(const json& j, const ItemDescriptor& item) {
  const std::string path = "value(" + item.name + ")";
  const std::string& kind = item.kind;
  if (kind == kKindCount || kind == kKindNonNull) {
    RETURN_IF_ERROR(OnlyKeys(j, {"count"}, path));
    ASSIGN_OR_RETURN(int64_t n, Count(j, "count", path));
    return ReleasedValue(CountValue{n});
  }
  if (kind == kKindSum) {
    RETURN_IF_ERROR(OnlyKeys(j, {"sum"}, path));
    ASSIGN_OR_RETURN(Int128 s, Sum(j, "sum", path));
    return ReleasedValue(SumValue{s});
  }
  if (kind == kKindMean || kind == kKindVariance) return DecodeMoments(j, item, path);
  if (kind == kKindHistogram || kind == kKindQuantile) return DecodeHistogram(j, item, path);
  if (kind == kKindCoMoments) {
    RETURN_IF_ERROR(OnlyKeys(j, {"n", "mean", "c"}, path));
    storage::CoMomentState c;
    ASSIGN_OR_RETURN(c.n, Int(j, "n", path, 0, kMaxCount));
    size_t k = item.fields.size();
    ASSIGN_OR_RETURN(c.mean, Reals(j, "mean", k, path));
    ASSIGN_OR_RETURN(c.c, Reals(j, "c", k * k, path));
    return ReleasedValue(c);
  }
  if (kind == kKindMinMax) {
    RETURN_IF_ERROR(OnlyKeys(j, {"n", "min", "max"}, path));
    MinMaxValue m;
    ASSIGN_OR_RETURN(m.n, Int(j, "n", path, 0, kMaxCount));
    ASSIGN_OR_RETURN(m.min, Int(j, "min", path, INT64_MIN, INT64_MAX));
    ASSIGN_OR_RETURN(m.max, Int(j, "max", path, INT64_MIN, INT64_MAX));
    if (m.n > 0 && m.min > m.max) return Bad(path, "min is above max");
    return ReleasedValue(m);
  }
  return Bad(path, "no value for kind " + kind);
}

json EncodePartialTable(const PartialTable& t) {
  json items = json::array();
  for (const auto& i : t.items) {
    json fields = json::array();
    for (const auto& f : i.fields) {
      fields.push_back({{"name", f.name}, {"type", f.type}, {"scale", f.scale}});
    }
    json item = {{"name", i.name}, {"function", i.function}, {"kind", i.kind}};
    item["fields"] = std::move(fields);
    if (i.kind == kKindHistogram || i.kind == kKindQuantile) {
      item["lo"] = i.lo;
      item["hi"] = i.hi;
      item["bins"] = i.bins;
    }
    if (i.kind == kKindQuantile) item["q"] = i.q;
    if (i.bounds) item["bounds"] = {i.bounds->first, i.bounds->second};
    items.push_back(std::move(item));
  }
  json cells = json::array();
  for (const auto& c : t.cells) {
    json values = json::array();
    for (size_t i = 0; i < c.values.size(); ++i) {
      const PartialValue& v = c.values[i];
      if (v.withheld) {
        values.push_back({{"withheld", true}});
      } else if (!v.value) {
        values.push_back(json());
      } else if (i < t.items.size() && t.items[i].kind == kKindQuantile) {
        values.push_back({{"bins", std::get<HistogramValue>(*v.value).bins}});  // bins only
      } else {
        values.push_back(EncodeValue(*v.value));
      }
    }
    json cell = json::object();
    cell["key"] = c.key;
    cell["values"] = std::move(values);
    cells.push_back(std::move(cell));
  }
  // Assigned, not listed: a JSON initializer list copies every value it is given.
  json out = json::object();
  out["items"] = std::move(items);
  out["cells"] = std::move(cells);
  out["protection"] = t.protection;
  return out;
}

Result<PartialTable> DecodePartialTable(const json& j, size_t max_cells) {
  RETURN_IF_ERROR(OnlyKeys(j, {"items", "cells", "protection"}, ""));
  PartialTable t;
  if (!j.contains("items") || !j["items"].is_array() || j["items"].empty() ||
      j["items"].size() > 40) {
    return Bad("items", "must list 1-40 items");
  }
  for (size_t i = 0; i < j["items"].size(); ++i) {
    ASSIGN_OR_RETURN(ItemDescriptor d,
                     DecodeItem(j["items"][i], "items[" + std::to_string(i) + "]"));
    t.items.push_back(std::move(d));
  }
  if (!j.contains("cells") || !j["cells"].is_array() || j["cells"].size() > max_cells) {
    return Bad("cells", "must list at most " + std::to_string(max_cells) + " cells");
  }
  std::set<json> keys;
  for (size_t i = 0; i < j["cells"].size(); ++i) {
    ASSIGN_OR_RETURN(PartialCell c,
                     DecodeCell(j["cells"][i], t, "cells[" + std::to_string(i) + "]"));
    if (!keys.insert(json(c.key)).second) return Bad("cells", "two cells have the same key");
    t.cells.push_back(std::move(c));
  }
  if (t.GroupItemCount() == 0 && t.cells.size() != 1) {
    return Bad("cells", "a query without GROUP BY has exactly one cell");
  }
  std::sort(t.cells.begin(), t.cells.end(),
            [](const PartialCell& a, const PartialCell& b) { return a.key < b.key; });
  if (!j.contains("protection") || !j["protection"].is_object()) {
    return Bad("protection", "must be an object");
  }
  t.protection = j["protection"];
  return t;
}

Status MergePartialTables(PartialTable& into, const PartialTable& other,
                          const std::string& other_name) {
  if (into.items != other.items) {
    return common::InvalidArgument(other_name +
                                   " answered with other items (types, scales, bounds or grids "
                                   "differ from the other nodes)");
  }
  std::map<json, size_t> index;
  for (size_t i = 0; i < into.cells.size(); ++i) index[json(into.cells[i].key)] = i;
  for (const auto& c : other.cells) {
    auto it = index.find(json(c.key));
    if (it == index.end()) {
      index[json(c.key)] = into.cells.size();
      into.cells.push_back(c);
      continue;
    }
    PartialCell& target = into.cells[it->second];
    for (size_t i = 0; i < c.values.size(); ++i) {
      const PartialValue& v = c.values[i];
      PartialValue& t = target.values[i];
      if (t.withheld) continue;
      if (v.withheld) {
        t.withheld = true;
        t.value.reset();
      } else if (v.value && !t.value) {
        t.value = v.value;
      } else if (v.value && !AddValue(*t.value, *v.value)) {
        return common::InvalidArgument(other_name + " sent a value for " + into.items[i].name +
                                       " that does not add up with the others");
      }
    }
  }
  std::sort(into.cells.begin(), into.cells.end(),
            [](const PartialCell& a, const PartialCell& b) { return a.key < b.key; });
  return Status::Ok();
}

}  // namespace verbind::federation
