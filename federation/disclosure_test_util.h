// Test helpers for disclosure control and differential privacy: result tables built from
// explicit records, computing every state exactly as a node's scan would. Test-only.
#pragma once

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "federation/partial.h"

namespace verbind::federation::testing {

// A record: its group-by values and its value of the one measured field (or NULL).
struct Rec {
  std::vector<nlohmann::json> key;
  std::optional<int64_t> value;
};

inline ItemField Field(const std::string& name = "income") { return {name, "integer", 0}; }

inline ItemDescriptor GroupItem(const std::string& name) {
  return {name, "group", "group", {{name, "categorical", 0}}};
}
inline ItemDescriptor CountItem() { return {"count(*)", "count", "count", {}}; }
inline ItemDescriptor NonNullItem() { return {"count(income)", "count", "nonnull", {Field()}}; }
inline ItemDescriptor MomentsItem(const std::string& function = "avg") {
  return {function + "(income)", function, "moments", {Field()}};
}
inline ItemDescriptor MinMaxItem() { return {"max(income)", "max", "minmax", {Field()}}; }
inline ItemDescriptor HistogramItem(int64_t lo, int64_t hi, int bins) {
  ItemDescriptor d{"histogram(income)", "histogram", "histogram", {Field()}};
  d.lo = lo;
  d.hi = hi;
  d.bins = bins;
  return d;
}
inline ItemDescriptor SketchItem(double q) {
  ItemDescriptor d{"quantile(income)", "quantile", "sketch", {Field()}};
  d.q = q;
  return d;
}

inline storage::AggregateState StateOver(const ItemDescriptor& item,
                                         const std::vector<const Rec*>& recs, int track_top) {
  std::vector<int64_t> values;
  for (const Rec* r : recs) {
    if (r->value) {
      values.push_back(*r->value);
    }
  }
  const auto n = static_cast<int64_t>(values.size());
  if (item.kind == "count") {
    return storage::CountState{static_cast<int64_t>(recs.size())};
  }
  if (item.kind == "nonnull") {
    return storage::CountState{n};
  }
  if (item.kind == "moments") {
    storage::SumState s;
    s.n = n;
    for (int64_t v : values) {
      s.sum += v;
    }
    s.mean = n > 0 ? static_cast<double>(s.sum) / static_cast<double>(n) : 0;
    for (int64_t v : values) {
      s.m2 += (static_cast<double>(v) - s.mean) * (static_cast<double>(v) - s.mean);
      s.top.push_back(v < 0 ? -v : v);
    }
    std::sort(s.top.begin(), s.top.end(), std::greater<>());
    s.top.resize(std::min<size_t>(s.top.size(), static_cast<size_t>(track_top)));
    return s;
  }
  if (item.kind == "minmax") {
    storage::MinMaxState m;
    m.n = n;
    if (n > 0) {
      m.min = *std::min_element(values.begin(), values.end());
      m.max = *std::max_element(values.begin(), values.end());
    }
    return m;
  }
  if (item.kind == "histogram") {
    storage::HistogramState h;
    h.lo = item.lo;
    h.hi = item.hi;
    h.bins.assign(static_cast<size_t>(item.bins), 0);
    h.nulls = static_cast<int64_t>(recs.size()) - n;
    for (int64_t v : values) {
      if (v < item.lo) {
        ++h.below;
      } else if (v >= item.hi) {
        ++h.above;
      } else {
        ++h.bins[static_cast<size_t>((v - item.lo) * item.bins / (item.hi - item.lo))];
      }
    }
    return h;
  }
  storage::SketchState q;
  for (int64_t v : values) {
    q.Add(v);
  }
  return q;
}

// The table a node would compute over `records`, cells ordered by key.
inline PartialTable Build(const std::vector<ItemDescriptor>& items, const std::vector<Rec>& records,
                          int track_top = 0) {
  PartialTable t;
  t.items = items;
  std::map<nlohmann::json, std::vector<const Rec*>> cells;
  for (const Rec& r : records) {
    cells[nlohmann::json(r.key)].push_back(&r);
  }
  if (t.GroupItemCount() == 0 && cells.empty()) {
    cells[nlohmann::json::array()] = {};
  }
  for (const auto& [key, recs] : cells) {
    PartialCell c;
    c.key = key.get<std::vector<nlohmann::json>>();
    c.rows = static_cast<int64_t>(recs.size());
    for (const auto& item : items) {
      PartialValue v;
      if (item.kind != "group") {
        v.state = StateOver(item, recs, track_top);
      }
      c.values.push_back(std::move(v));
    }
    t.cells.push_back(std::move(c));
  }
  t.rows_scanned = static_cast<int64_t>(records.size());
  return t;
}

// `count` records with key `key` and values from `value(i)` (nullopt: NULL).
template <typename F>
void AddRecords(std::vector<Rec>& out, std::vector<nlohmann::json> key, int count, F value) {
  for (int i = 0; i < count; ++i) {
    out.push_back({key, value(i)});
  }
}

}  // namespace verbind::federation::testing
