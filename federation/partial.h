// PartialTable: one node's answer to a query as mergeable states, cell by cell, before and
// after disclosure control; and its JSON form, the "result" object of a partial payload
// (docs/protocol.md, section 5). The requester decodes every node's table strictly (it is
// untrusted input), merges cells with equal keys, applies disclosure control again and
// finishes the values. Values and pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/aggregates.h"

namespace verbind::federation {

// A field as a partial result describes it (storage units depend on type and scale).
struct ItemField {
  std::string name;
  std::string type;  // "integer", "decimal", "date", "boolean", "categorical"
  int scale = 0;
  bool operator==(const ItemField&) const = default;
};

// One select item of the query, as the partial's "items" entry.
struct ItemDescriptor {
  std::string name;      // column name, e.g. "avg(monthly_amount)" or the group field
  std::string function;  // "group" for a group-by column, else the aggregate function name
  std::string kind;      // "group", "count", "nonnull", "moments", "minmax", "histogram",
                         // "sketch", "comoments"
  std::vector<ItemField> fields;
  double q = 0;        // sketch: the quantile asked
  int64_t lo = 0;      // histogram bounds in storage units
  int64_t hi = 0;
  int bins = 0;
  bool operator==(const ItemDescriptor&) const = default;
};

struct PartialValue {
  std::optional<storage::AggregateState> state;  // nullopt for group items or when suppressed
  std::string suppressed;                        // non-empty: why this value is withheld
};

struct PartialCell {
  std::vector<nlohmann::json> key;  // group-by values: string, integer, boolean or null
  int64_t rows = 0;
  bool suppressed = false;
  std::string reason;
  std::vector<PartialValue> values;  // one per item (empty when the cell is suppressed)
  // Combined results: the nodes that withheld their part of this cell (it is incomplete).
  std::vector<std::string> withheld_by;
};

struct PartialTable {
  std::vector<ItemDescriptor> items;
  std::vector<PartialCell> cells;  // ordered by key
  int64_t rows_scanned = 0;
  nlohmann::json disclosure = nullptr;  // the rules applied and what they suppressed
  nlohmann::json privacy = nullptr;     // the differential-privacy report, if any

  // The number of group-by columns (items of kind "group").
  size_t GroupItemCount() const;
};

// The kind of state an aggregate function produces ("count" for count(*), "nonnull" for
// count(field), "moments", ...); empty for an unknown function.
std::string KindOfFunction(std::string_view function, size_t fields);

nlohmann::json EncodePartialTable(const PartialTable& table);
// Strict: item kinds and state shapes must agree, numbers must be in range, keys must have one
// value per group item, at most `max_cells` cells. InvalidArgument with a path.
common::Result<PartialTable> DecodePartialTable(const nlohmann::json& result,
                                                size_t max_cells = 100000);

// Merges `other` (one node's table for the query) into `into`, an accumulator that starts with
// the items and no cells: cells with equal keys merge state by state; a cell a node suppressed
// contributes nothing and names that node in `withheld_by` (the combined cell is incomplete).
// InvalidArgument when the items differ (types or scales disagree between nodes).
common::Status MergePartialTables(PartialTable& into, const PartialTable& other,
                                  const std::string& other_name);

// JSON of one state and back, given the item it belongs to.
nlohmann::json EncodeState(const storage::AggregateState& state);
common::Result<storage::AggregateState> DecodeState(const nlohmann::json& j,
                                                    const ItemDescriptor& item);

}  // namespace verbind::federation
