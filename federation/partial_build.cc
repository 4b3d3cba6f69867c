#include "federation/partial_build.h"

#include <algorithm>

namespace verbind::federation {

using common::Result;

namespace {

ItemField FieldOf(const BoundField& f) {
  return ItemField{f.name, std::string(config::FieldTypeName(f.type)), f.scale};
}

ItemDescriptor ColumnItem(const BoundQuery& q, const BoundColumn& c) {
  ItemDescriptor d;
  d.name = c.name;
  d.function = std::string(AggFuncName(c.func));
  for (const auto& f : c.fields) d.fields.push_back(FieldOf(f));
  d.kind = KindOfFunction(d.function, d.fields.size());
  const storage::AggregateSpec& spec = q.scan.aggregates[c.aggregate];
  if (d.kind == "histogram") {
    d.lo = spec.lo;
    d.hi = spec.hi;
    d.bins = spec.bins;
  }
  if (d.kind == "sketch") d.q = c.q;
  return d;
}

// A BoundColumn rebuilt from a partial's item (at the requester, which has no schema).
Result<BoundColumn> ColumnOf(const ItemDescriptor& item, size_t aggregate) {
  BoundColumn c;
  c.name = item.name;
  auto func = AggFuncFromName(item.function);
  if (!func) return common::InvalidArgument("unknown function " + item.function);
  c.func = *func;
  c.aggregate = aggregate;
  c.q = item.q;
  for (const auto& f : item.fields) {
    BoundField bf;
    bf.name = f.name;
    if (!config::ParseFieldType(f.type, &bf.type)) {
      return common::InvalidArgument("unknown type " + f.type);
    }
    bf.scale = f.scale;
    c.fields.push_back(bf);
  }
  if (c.func == AggFunc::kMedian) c.q = 0.5;
  return c;
}

}  // namespace

std::vector<ItemDescriptor> ItemsOf(const BoundQuery& q) {
  std::vector<ItemDescriptor> items;
  for (const auto& g : q.group_by) {
    items.push_back(ItemDescriptor{g.name, "group", "group", {FieldOf(g)}, 0, 0, 0, 0});
  }
  for (const auto& c : q.columns) items.push_back(ColumnItem(q, c));
  return items;
}

Result<PartialTable> BuildPartialTable(const BoundQuery& q, const storage::ScanResult& scan,
                                       const CategoryLabelLookup& labels) {
  PartialTable t;
  t.items = ItemsOf(q);
  t.rows_scanned = scan.rows_scanned;
  for (const auto& cell : scan.cells) {
    PartialCell pc;
    ASSIGN_OR_RETURN(pc.key, DecodeGroupKey(cell.key, q, labels));
    pc.rows = cell.rows;
    pc.values.resize(t.items.size());
    for (size_t i = 0; i < q.columns.size(); ++i) {
      pc.values[q.group_by.size() + i].state = cell.aggregates.at(q.columns[i].aggregate);
    }
    t.cells.push_back(std::move(pc));
  }
  // Cells in the order of their key values (as in combined results), not of local codes.
  std::sort(t.cells.begin(), t.cells.end(),
            [](const PartialCell& a, const PartialCell& b) { return a.key < b.key; });
  return t;
}

Result<ResultTable> FinishPartialTable(const PartialTable& t) {
  ResultTable out;
  std::vector<BoundColumn> columns;
  size_t groups = t.GroupItemCount();
  for (size_t i = 0; i < t.items.size(); ++i) {
    const ItemDescriptor& item = t.items[i];
    if (item.kind == "group") {
      out.columns.push_back({item.name, ResultColumn::Role::kGroup, ""});
      continue;
    }
    ASSIGN_OR_RETURN(BoundColumn c, ColumnOf(item, i));
    columns.push_back(c);
    out.columns.push_back({item.name, ResultColumn::Role::kAggregate, item.function});
  }
  for (const auto& cell : t.cells) {
    ResultRow row;
    row.key = cell.key;
    if (cell.suppressed) {
      row.status = ValueStatus::kSuppressed;
      row.reason = cell.reason;
    } else if (!cell.withheld_by.empty()) {
      std::string who;
      for (const auto& w : cell.withheld_by) who += (who.empty() ? "" : ", ") + w;
      row.reason = "incomplete: withheld by " + who;
    }
    for (const auto& c : columns) {
      ResultValue v;
      const PartialValue* pv = cell.suppressed ? nullptr : &cell.values[c.aggregate];
      if (row.status == ValueStatus::kSuppressed) {
        v.status = ValueStatus::kSuppressed;
        v.reason = cell.reason;
      } else if (!pv->suppressed.empty()) {
        v.status = ValueStatus::kSuppressed;
        v.reason = pv->suppressed;
      } else if (pv->state) {
        ASSIGN_OR_RETURN(v.value, FinishValue(c, *pv->state));
      }
      row.values.push_back(std::move(v));
    }
    out.rows.push_back(std::move(row));
  }
  (void)groups;
  return out;
}

}  // namespace verbind::federation
