#include "federation/partial.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace verbind::federation {

using common::Result;
using common::Status;
using nlohmann::json;
using storage::AggregateState;

namespace {

constexpr int64_t kMaxCount = int64_t{1} << 53;

Status Bad(const std::string& path, const std::string& what) {
  return common::InvalidArgument("result." + path + ": " + what);
}

Result<int64_t> Count(const json& j, const char* key, const std::string& path) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer() || it->get<int64_t>() < 0 ||
      it->get<int64_t>() > kMaxCount) {
    return Bad(path + "." + key, "must be a count (0 .. 2^53)");
  }
  return it->get<int64_t>();
}

Result<int64_t> Int(const json& j, const char* key, const std::string& path) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer() ||
      (it->is_number_unsigned() && it->get<uint64_t>() > INT64_MAX)) {
    return Bad(path + "." + key, "must be a 64-bit integer");
  }
  return it->get<int64_t>();
}

Result<double> Real(const json& j, const char* key, const std::string& path) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number() || !std::isfinite(it->get<double>())) {
    return Bad(path + "." + key, "must be a finite number");
  }
  return it->get<double>();
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

Result<AggregateState> DecodeMoments(const json& j, const std::string& path) {
  RETURN_IF_ERROR(OnlyKeys(j, {"n", "sum", "mean", "m2"}, path));
  storage::SumState s;
  ASSIGN_OR_RETURN(s.n, Count(j, "n", path));
  if (!j.contains("sum") || !j["sum"].is_string() ||
      !storage::ParseInt128(j["sum"].get<std::string>(), &s.sum)) {
    return Bad(path + ".sum", "must be an integer in decimal text");
  }
  // n values of 64 bits sum to at most n * 2^63 in magnitude. A larger sum cannot come from a
  // scan, and merging such sums from several nodes would overflow 128 bits.
  const storage::Int128 bound = static_cast<storage::Int128>(s.n) << 63;
  if (s.sum > bound || s.sum < -bound) {
    return Bad(path + ".sum",
               "is larger than " + std::to_string(s.n) + " 64-bit values can sum to");
  }
  ASSIGN_OR_RETURN(s.mean, Real(j, "mean", path));
  ASSIGN_OR_RETURN(s.m2, Real(j, "m2", path));
  if (s.m2 < 0) return Bad(path + ".m2", "must not be negative");
  return AggregateState(s);
}

Result<AggregateState> DecodeHistogram(const json& j, const ItemDescriptor& item,
                                       const std::string& path) {
  RETURN_IF_ERROR(OnlyKeys(j, {"bins", "below", "above", "nulls"}, path));
  storage::HistogramState h;
  h.lo = item.lo;
  h.hi = item.hi;
  if (!j.contains("bins") || !j["bins"].is_array() ||
      j["bins"].size() != static_cast<size_t>(item.bins)) {
    return Bad(path + ".bins", "must list " + std::to_string(item.bins) + " counts");
  }
  for (const auto& c : j["bins"]) {
    if (!c.is_number_integer() || c.get<int64_t>() < 0 || c.get<int64_t>() > kMaxCount) {
      return Bad(path + ".bins", "must hold counts");
    }
    h.bins.push_back(c.get<int64_t>());
  }
  ASSIGN_OR_RETURN(h.below, Count(j, "below", path));
  ASSIGN_OR_RETURN(h.above, Count(j, "above", path));
  ASSIGN_OR_RETURN(h.nulls, Count(j, "nulls", path));
  return AggregateState(h);
}

Result<AggregateState> DecodeSketch(const json& j, const std::string& path) {
  RETURN_IF_ERROR(OnlyKeys(j, {"n", "shift", "buckets"}, path));
  storage::SketchState s;
  ASSIGN_OR_RETURN(int64_t n, Count(j, "n", path));
  ASSIGN_OR_RETURN(int64_t shift, Int(j, "shift", path));
  if (shift < 0 || shift > 63) return Bad(path + ".shift", "must be 0..63");
  s.shift = static_cast<int>(shift);
  const json& b = j.contains("buckets") ? j["buckets"] : json();
  if (!b.is_array() || b.size() > storage::kSketchMaxBuckets) {
    return Bad(path + ".buckets", "must be a list of at most 4096 [index, count] pairs");
  }
  int64_t total = 0;
  for (const auto& pair : b) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number_integer() ||
        !pair[1].is_number_integer() || pair[1].get<int64_t>() <= 0 ||
        pair[1].get<int64_t>() > kMaxCount ||
        !s.buckets.emplace(pair[0].get<int64_t>(), pair[1].get<int64_t>()).second) {
      return Bad(path + ".buckets", "must hold distinct [index, positive count] pairs");
    }
    total += pair[1].get<int64_t>();
    if (total > kMaxCount) return Bad(path + ".buckets", "counts too large");
  }
  if (total != n) return Bad(path + ".n", "does not equal the bucket counts");
  s.n = n;
  return AggregateState(s);
}

Result<AggregateState> DecodeCoMoments(const json& j, const ItemDescriptor& item,
                                       const std::string& path) {
  RETURN_IF_ERROR(OnlyKeys(j, {"n", "mean", "c"}, path));
  storage::CoMomentState c;
  ASSIGN_OR_RETURN(c.n, Count(j, "n", path));
  size_t k = item.fields.size();
  ASSIGN_OR_RETURN(c.mean, Reals(j, "mean", k, path));
  ASSIGN_OR_RETURN(c.c, Reals(j, "c", k * k, path));
  return AggregateState(c);
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
  ASSIGN_OR_RETURN(int64_t scale, Int(j, "scale", path));
  if (scale < 0 || scale > 9) return Bad(path + ".scale", "must be 0..9");
  f.scale = static_cast<int>(scale);
  return f;
}

Result<ItemDescriptor> DecodeItem(const json& j, const std::string& path) {
  RETURN_IF_ERROR(
      OnlyKeys(j, {"name", "function", "kind", "fields", "q", "lo", "hi", "bins"}, path));
  ItemDescriptor d;
  for (const char* key : {"name", "function", "kind"}) {
    if (!j.contains(key) || !j[key].is_string() || j[key].get<std::string>().size() > 300) {
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
      d.function == "group" ? "group" : KindOfFunction(d.function, d.fields.size());
  if (expected.empty() || expected != d.kind) {
    return Bad(path + ".kind", "\"" + d.kind + "\" does not fit function \"" + d.function + "\"");
  }
  if (d.kind == "histogram") {
    ASSIGN_OR_RETURN(d.lo, Int(j, "lo", path));
    ASSIGN_OR_RETURN(d.hi, Int(j, "hi", path));
    ASSIGN_OR_RETURN(int64_t bins, Int(j, "bins", path));
    if (bins < 1 || bins > 1000 || d.lo >= d.hi) return Bad(path, "bad histogram bounds or bins");
    d.bins = static_cast<int>(bins);
  }
  if (d.kind == "sketch") {
    ASSIGN_OR_RETURN(d.q, Real(j, "q", path));
    if (d.q < 0 || d.q > 1) return Bad(path + ".q", "must be 0..1");
  }
  return d;
}

}  // namespace

size_t PartialTable::GroupItemCount() const {
  return static_cast<size_t>(
      std::count_if(items.begin(), items.end(), [](const auto& i) { return i.kind == "group"; }));
}

std::string KindOfFunction(std::string_view f, size_t fields) {
  if (f == "count") return fields == 0 ? "count" : "nonnull";
  if (f == "sum" || f == "avg" || f == "var" || f == "stddev") return "moments";
  if (f == "min" || f == "max") return "minmax";
  if (f == "histogram") return "histogram";
  if (f == "quantile" || f == "median") return "sketch";
  if (f == "corr" || f == "regression") return "comoments";
  return "";
}

json EncodeState(const AggregateState& state) {
  if (auto* c = std::get_if<storage::CountState>(&state)) return {{"count", c->rows}};
  if (auto* s = std::get_if<storage::SumState>(&state)) {
    return {
        {"n", s->n}, {"sum", storage::Int128ToString(s->sum)}, {"mean", s->mean}, {"m2", s->m2}};
  }
  if (auto* m = std::get_if<storage::MinMaxState>(&state)) {
    return {{"n", m->n}, {"min", m->min}, {"max", m->max}};
  }
  if (auto* h = std::get_if<storage::HistogramState>(&state)) {
    return {{"bins", h->bins}, {"below", h->below}, {"above", h->above}, {"nulls", h->nulls}};
  }
  if (auto* q = std::get_if<storage::SketchState>(&state)) {
    json buckets = json::array();
    for (const auto& [i, c] : q->buckets) buckets.push_back({i, c});
    json out = {{"n", q->n}, {"shift", q->shift}};
    out["buckets"] = std::move(buckets);
    return out;
  }
  const auto& c = std::get<storage::CoMomentState>(state);
  return {{"n", c.n}, {"mean", c.mean}, {"c", c.c}};
}

Result<AggregateState> DecodeState(const json& j, const ItemDescriptor& item) {
  const std::string path = "value(" + item.name + ")";
  if (item.kind == "count" || item.kind == "nonnull") {
    RETURN_IF_ERROR(OnlyKeys(j, {"count"}, path));
    ASSIGN_OR_RETURN(int64_t n, Count(j, "count", path));
    return AggregateState(storage::CountState{n});
  }
  if (item.kind == "moments") return DecodeMoments(j, path);
  if (item.kind == "minmax") {
    RETURN_IF_ERROR(OnlyKeys(j, {"n", "min", "max"}, path));
    storage::MinMaxState m;
    ASSIGN_OR_RETURN(m.n, Count(j, "n", path));
    ASSIGN_OR_RETURN(m.min, Int(j, "min", path));
    ASSIGN_OR_RETURN(m.max, Int(j, "max", path));
    if (m.n > 0 && m.min > m.max) return Bad(path, "min is above max");
    return AggregateState(m);
  }
  if (item.kind == "histogram") return DecodeHistogram(j, item, path);
  if (item.kind == "sketch") return DecodeSketch(j, path);
  if (item.kind == "comoments") return DecodeCoMoments(j, item, path);
  return Bad(path, "no state for kind " + item.kind);
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
    if (i.kind == "histogram") {
      item["lo"] = i.lo;
      item["hi"] = i.hi;
      item["bins"] = i.bins;
    }
    if (i.kind == "sketch") item["q"] = i.q;
    items.push_back(std::move(item));
  }
  json cells = json::array();
  for (const auto& c : t.cells) {
    json cell = {{"key", c.key}};
    if (c.suppressed) {
      cell["rows"] = nullptr;
      cell["status"] = "suppressed";
      cell["reason"] = c.reason;
      cell["values"] = nullptr;
    } else {
      cell["rows"] = c.rows;
      cell["status"] = "ok";
      json values = json::array();
      for (const auto& v : c.values) {
        if (!v.suppressed.empty()) {
          values.push_back({{"suppressed", v.suppressed}});
        } else {
          values.push_back(v.state ? EncodeState(*v.state) : json());
        }
      }
      cell["values"] = std::move(values);
    }
    cells.push_back(std::move(cell));
  }
  // Assigned, not listed: a JSON initializer list copies every value it is given.
  json out = json::object();
  out["items"] = std::move(items);
  out["cells"] = std::move(cells);
  out["disclosure"] = t.disclosure;
  out["privacy"] = t.privacy;
  out["rows_scanned"] = t.rows_scanned;
  return out;
}

namespace {

Result<PartialCell> DecodeCell(const json& j, const PartialTable& t, const std::string& path) {
  RETURN_IF_ERROR(OnlyKeys(j, {"key", "rows", "status", "reason", "values"}, path));
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
  std::string status = j.value("status", "");
  if (status == "suppressed") {
    c.suppressed = true;
    c.reason = j.value("reason", "");
    if (!j.contains("rows") || !j["rows"].is_null()) return Bad(path + ".rows", "must be null");
    return c;
  }
  if (status != "ok") return Bad(path + ".status", "must be ok or suppressed");
  ASSIGN_OR_RETURN(c.rows, Count(j, "rows", path));
  if (!j.contains("values") || !j["values"].is_array() || j["values"].size() != t.items.size()) {
    return Bad(path + ".values", "must list one value per item");
  }
  for (size_t i = 0; i < t.items.size(); ++i) {
    const json& v = j["values"][i];
    PartialValue pv;
    if (t.items[i].kind == "group") {
      if (!v.is_null()) return Bad(path + ".values", "group items have null values");
    } else if (v.is_object() && v.contains("suppressed")) {
      if (!v["suppressed"].is_string() || v.size() != 1) return Bad(path + ".values", "bad");
      pv.suppressed = v["suppressed"].get<std::string>().substr(0, 300);
    } else {
      ASSIGN_OR_RETURN(pv.state, DecodeState(v, t.items[i]));
    }
    c.values.push_back(std::move(pv));
  }
  return c;
}

}  // namespace

Result<PartialTable> DecodePartialTable(const json& j, size_t max_cells) {
  RETURN_IF_ERROR(OnlyKeys(j, {"items", "cells", "disclosure", "privacy", "rows_scanned"}, ""));
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
  ASSIGN_OR_RETURN(t.rows_scanned, Count(j, "rows_scanned", ""));
  t.disclosure = j.value("disclosure", json());
  t.privacy = j.value("privacy", json());
  return t;
}

namespace {
// "uwv (fewer than 10 records)": who withheld a cell and why.
std::string Withheld(const std::string& who, const std::string& reason) {
  return reason.empty() ? who : who + " (" + reason.substr(0, 200) + ")";
}
}  // namespace

Status MergePartialTables(PartialTable& into, const PartialTable& other,
                          const std::string& other_name) {
  if (into.items != other.items) {
    return common::InvalidArgument(other_name +
                                   " answered with other items (types or scales "
                                   "differ from the other nodes)");
  }
  std::map<json, size_t> index;
  for (size_t i = 0; i < into.cells.size(); ++i) index[json(into.cells[i].key)] = i;
  for (const auto& c : other.cells) {
    auto it = index.find(json(c.key));
    if (it == index.end()) {
      PartialCell copy = c;
      if (c.suppressed) {
        copy.suppressed = false;
        copy.rows = 0;
        copy.values.assign(into.items.size(), PartialValue{});
        copy.withheld_by = {Withheld(other_name, c.reason)};
      }
      index[json(c.key)] = into.cells.size();
      into.cells.push_back(std::move(copy));
      continue;
    }
    PartialCell& target = into.cells[it->second];
    if (c.suppressed) {
      target.withheld_by.push_back(Withheld(other_name, c.reason));
      continue;
    }
    target.rows += c.rows;
    for (size_t i = 0; i < c.values.size(); ++i) {
      const PartialValue& v = c.values[i];
      PartialValue& t = target.values[i];
      if (!v.suppressed.empty() && t.suppressed.empty()) t.suppressed = v.suppressed;
      if (!v.state) continue;
      if (!t.state) {
        t.state = v.state;
      } else {
        RETURN_IF_ERROR(storage::Merge(*t.state, *v.state));
      }
    }
  }
  std::sort(into.cells.begin(), into.cells.end(),
            [](const PartialCell& a, const PartialCell& b) { return a.key < b.key; });
  into.rows_scanned += other.rows_scanned;
  return Status::Ok();
}

}  // namespace verbind::federation
