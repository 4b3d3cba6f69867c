// Query results as analysts see them: a table whose columns are the group-by fields and then
// the aggregate select items, with one row per group (cell). Values are finished from the
// combined released values (federation/partial.h) in real units (exact decimal text for
// decimal sums, dates as text); counts made negative by noise are shown as 0, means and
// variances are kept within the field's bounds. A value withheld under a threshold is null
// with status "withheld". Group keys leave a node as values (labels), never as the node's
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
#include "federation/partial.h"
#include "storage/aggregates.h"
#include "storage/dataset_store.h"

namespace verbind::federation {

// Exact decimal text of units * 10^-scale: ("-12.50" for -1250 at scale 2, "7" at scale 0).
std::string FormatDecimalUnits(storage::Int128 units, int scale);

// A storage value as JSON in its field's type: integer as a number, decimal as exact text,
// date as "YYYY-MM-DD" (clamped to 0001-01-01 .. 9999-12-31), boolean as true/false.
// Categorical fields need a label lookup (DecodeGroupKey) and give null here.
nlohmann::json TypedValue(const BoundField& field, int64_t units);

// How much of the truth a value or row stands for.
enum class ValueStatus {
  kComplete,    // every organisation asked answered and its part is in the value
  kIncomplete,  // some organisation's part is missing (it did not answer): the value covers the
                // others only
  kWithheld,    // below a threshold (datasets marked non-personal); the value is null
};
// "complete", "incomplete" or "withheld".
std::string_view ValueStatusName(ValueStatus s);

// One value of a row.
struct ResultValue {
  nlohmann::json value;  // null when undefined (e.g. avg of no values) or withheld
  ValueStatus status = ValueStatus::kComplete;
};

// One group: its key and its aggregate values.
struct ResultRow {
  std::vector<nlohmann::json> key;  // one per group-by field: label, integer, boolean or null
  std::vector<ResultValue> values;  // one per aggregate column
};
// A row's status: withheld when any of its values is, else incomplete when any is, else
// complete.
ValueStatus RowStatus(const ResultRow& row);

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

// The label of a categorical code of schema field `field` (DatasetStore::CategoryLabel with
// the dataset bound).
using CategoryLabelLookup = std::function<common::Result<std::string>(size_t field, int64_t code)>;

// The group key as values: label strings for categoricals, integers, booleans, null for NULL.
// InvalidArgument when the key does not match the group-by fields; the lookup's error when a
// code has no label.
common::Result<std::vector<nlohmann::json>> DecodeGroupKey(const storage::GroupKey& key,
                                                           const BoundQuery& query,
                                                           const CategoryLabelLookup& labels);

// Whether every organisation asked is in a combination.
enum class Coverage {
  kEveryone,  // every participant answered (a complete run; a local or raw answer)
  kPart,      // at least one did not (denied, timed out, unreachable, an invalid answer)
};

// The finished result of a (combined) table; under Coverage::kPart every value that is not
// withheld is incomplete. InvalidArgument when a value does not fit its item (it came from
// another node).
common::Result<ResultTable> FinishTable(const PartialTable& table, Coverage coverage);

// Keeps the rows for which HAVING is TRUE (a NULL or withheld value makes a comparison
// UNKNOWN, which drops the row; a number never equals a label), orders them by the
// presentation's sort keys (then by key, as FinishTable left them), and keeps the rows from
// OFFSET, at most LIMIT of them. Values compare as numbers (decimal text
// too), texts by their bytes, false before true; NULL and withheld values come first or last as
// each key says. InvalidArgument when a sort key names no column of the table.
common::Status ApplyPresentation(const Presentation& presentation, ResultTable* table);

// {"columns": [{"name", "role", "function"?}], "rows": [{"key": [...], "values": [...],
// "status", "value_status": [...]}]}: the row's status and one status per value, each
// "complete", "incomplete" or "withheld".
nlohmann::json ResultToJson(const ResultTable& table);
// Columns aligned (numbers to the right), a rule under the header, NULL for null and
// "(withheld)" for withheld values; histograms, quantiles and regressions as compact JSON. A
// last column "status" holds each row's status.
std::string RenderTextTable(const ResultTable& table);
// RFC 4180: a header row, CRLF line ends, fields quoted when they hold a comma, quote, CR or
// LF. Null is empty; withheld values are "(withheld)"; a last column "status" holds each row's
// status. A group label that a spreadsheet
// would run as a formula (starting with =, +, -, @, tab or CR, and not a plain number) gets a
// leading single quote.
std::string RenderCsv(const ResultTable& table);

}  // namespace verbind::federation
