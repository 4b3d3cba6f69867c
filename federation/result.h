// Query results as analysts see them: a table whose columns are the group-by fields and then
// the aggregate select items, with one row per group (cell). Values are finished from merged
// aggregate states in real units (exact decimal text for decimal sums, dates as text) and
// every value and every row carries a status that disclosure control sets ("ok" or
// "suppressed" with a reason). Group keys leave a node as values (labels), never as the node's
// dictionary codes. Renderings: JSON, an aligned text table and CSV (RFC 4180); formats in
// docs/query.md. Pure values and functions; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "federation/bind.h"
#include "storage/aggregates.h"
#include "storage/dataset_store.h"

namespace verbind::federation {

// Exact decimal text of units * 10^-scale: ("-12.50" for -1250 at scale 2, "7" at scale 0).
std::string FormatDecimalUnits(storage::Int128 units, int scale);

// A storage value as JSON in its field's type: integer as a number, decimal as exact text,
// date as "YYYY-MM-DD" (clamped to 0001-01-01 .. 9999-12-31), boolean as true/false.
// Categorical fields need a label lookup (DecodeGroupKey) and give null here.
nlohmann::json TypedValue(const BoundField& field, int64_t units);

// What disclosure control decided about a value or a whole row.
enum class ValueStatus {
  kOk,
  kSuppressed,  // withheld by disclosure control; the value is null
};
// "ok" or "suppressed".
std::string_view ValueStatusName(ValueStatus s);

// One value of a row.
struct ResultValue {
  nlohmann::json value;  // null when undefined (e.g. avg of no values) or suppressed
  ValueStatus status = ValueStatus::kOk;
  std::string reason;  // why it is suppressed (e.g. "cell below minimum size 10")
};

// One group: its key and its aggregate values.
struct ResultRow {
  std::vector<nlohmann::json> key;        // one per group-by field: label, integer, boolean or null
  std::vector<ResultValue> values;        // one per aggregate column
  ValueStatus status = ValueStatus::kOk;  // the whole cell
  std::string reason;
};

// A column of the result: a group-by field or an aggregate.
struct ResultColumn {
  enum class Role { kGroup, kAggregate };
  std::string name;  // the field, or the alias or call ("avg(monthly_amount)")
  Role role = Role::kAggregate;
  std::string function;  // aggregates: "count", "avg", ... (median stays "median")
};

// A finished result as analysts see it.
struct ResultTable {
  std::vector<ResultColumn> columns;  // group-by fields, then aggregate columns
  std::vector<ResultRow> rows;        // sorted by key
};

// One computed cell ready to finish: its key as values and its merged states, one per
// ScanSpec::aggregates of the bound query.
struct DecodedCell {
  std::vector<nlohmann::json> key;
  std::vector<storage::AggregateState> states;
};

// The label of a categorical code of schema field `field` (DatasetStore::CategoryLabel with
// the dataset bound).
using CategoryLabelLookup = std::function<common::Result<std::string>(size_t field, int64_t code)>;

// The group key as values: label strings for categoricals, integers, booleans, null for NULL.
// InvalidArgument when the key does not match the group-by fields; the lookup's error when a
// code has no label.
common::Result<std::vector<nlohmann::json>> DecodeGroupKey(const storage::GroupKey& key,
                                                           const BoundQuery& query,
                                                           const CategoryLabelLookup& labels);

// The columns of the query's result table.
std::vector<ResultColumn> ResultColumns(const BoundQuery& query);

// One finished value from the state `column.aggregate` refers to. InvalidArgument when the
// state is of the wrong kind or shape (states may come from other nodes).
common::Result<nlohmann::json> FinishValue(const BoundColumn& column,
                                           const storage::AggregateState& state);

// The result table: one row per cell, values finished, rows sorted by key, all statuses ok.
common::Result<ResultTable> FinishCells(const BoundQuery& query,
                                        const std::vector<DecodedCell>& cells);

// {"columns": [{"name", "role", "function"?}], "rows": [{"key": [...], "values": [...],
// "status"?, "reason"?, "value_status"?}]}; statuses appear only when something is suppressed.
nlohmann::json ResultToJson(const ResultTable& table);
// Columns aligned (numbers to the right), a rule under the header, NULL for null and
// "(suppressed)" for withheld values; histograms, quantiles and regressions as compact JSON.
std::string RenderTextTable(const ResultTable& table);
// RFC 4180: a header row, CRLF line ends, fields quoted when they hold a comma, quote, CR or
// LF. Null is empty; withheld values are "(suppressed)". A group label that a spreadsheet
// would run as a formula (starting with =, +, -, @, tab or CR, and not a plain number) gets a
// leading single quote.
std::string RenderCsv(const ResultTable& table);

}  // namespace verbind::federation
