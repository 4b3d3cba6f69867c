// Binding a Query to a dataset's schema: names resolved to columns, types checked, literals
// converted to storage units, the filter put in negation normal form, and the aggregates
// turned into a deduplicated storage::ScanSpec with a note, per output column, of which state
// to finish and how (federation/result.h). Pure functions; thread-safe.
//
// Rules (docs/query.md): identifier fields are refused everywhere. sum and avg take integer,
// decimal or boolean fields (avg of a boolean is the share of TRUE); var and stddev integer or
// decimal; min, max, histogram, quantile and median integer, decimal or date; corr and
// regression integer, decimal or date; count any field. Group-by fields are categorical,
// boolean or integer, a calendar part of a date field (date_trunc, extract) or CASE bands.
// Categorical fields compare only with =, !=, IN, LIKE, ILIKE and IS NULL;
// a label the node has never seen is not an error (that would reveal which labels exist): `=`
// matches no row, `!=` every non-null row, and it is dropped from IN lists. LIKE and ILIKE
// become an IN list of the labels the pattern matches: the declared categories when the field
// has them, else the node's dictionary (NOT LIKE: NOT IN, which no NULL satisfies). Two fields
// compared (Filter::field2) are integers or decimals (exactly, in the finer unit), dates, or
// booleans (= and != only); never categoricals, whose codes are per field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/schema.h"
#include "federation/query.h"
#include "storage/scan.h"

namespace verbind::federation {

// The node-local dictionary code of a categorical label of schema field `field`, or nullopt
// when the label never occurred (DatasetStore::CategoryCode with the dataset bound).
using CategoryCodeLookup =
    std::function<std::optional<int64_t>(size_t field, std::string_view label)>;
// The labels in the node's dictionary of categorical schema field `field`, for LIKE on a
// field without declared categories (DatasetStore::CategoryLabels with the dataset bound).
using CategoryLabelsLookup = std::function<std::vector<std::string>(size_t field)>;

// A schema field as binding and finishing need it.
struct BoundField {
  size_t index = 0;  // in Schema::fields; also the scan column
  std::string name;  // the field's name, or the FieldExpr text of a calendar part
  config::FieldType type = config::FieldType::kInteger;  // a part's: date or integer
  int scale = 0;  // decimal places (decimal only)
  common::DatePart part = common::DatePart::kNone;  // of the date field `index`
  // A CASE group key: its distinct labels (a key's value is an index into them); type is then
  // categorical. `else_null`: rows in no band (and without ELSE) have a NULL key.
  std::vector<std::string> band_labels;
  bool else_null = false;

  bool operator==(const BoundField&) const = default;
};

// One aggregate output column: which state of the scan it finishes and how.
struct BoundColumn {
  std::string name;  // ItemColumnName of the select item
  AggFunc func = AggFunc::kCount;
  size_t select_index = 0;         // in Query::select
  size_t aggregate = 0;            // in ScanSpec::aggregates
  std::vector<BoundField> fields;  // as SelectItem::fields (regression: y, then x1 ... xk)
  double q = 0;                    // quantile and median: the rank fraction
};

// A query ready to scan. Result columns are the group-by fields, then `columns`.
struct BoundQuery {
  std::string dataset;
  storage::ScanSpec scan;  // filter, group_by, aggregates; bounds left at their defaults
  std::vector<BoundField> group_by;
  std::vector<BoundColumn> columns;  // one per aggregate select item, in select order
  QueryFootprint footprint;          // what the query touches, for sharing policies
};

// Validates and binds `query` to `schema`. InvalidArgument with the JSON path of the problem
// ("select[1].field: unknown field \"x\"") for unknown fields, identifier fields, wrong types,
// bad group-by fields and literals that do not fit their field. Without `labels`, LIKE on a
// field without declared categories matches no label.
common::Result<BoundQuery> BindQuery(const Query& query, const config::Schema& schema,
                                     const CategoryCodeLookup& codes,
                                     const CategoryLabelsLookup& labels = {});

// The filter alone, in negation normal form with SQL's three-valued logic: the result is true
// for a row exactly when `filter` is TRUE for it (not FALSE, not UNKNOWN). `path` prefixes
// error messages ("where").
common::Result<storage::Predicate> BindFilter(const Filter& filter, const config::Schema& schema,
                                              const CategoryCodeLookup& codes,
                                              const std::string& path = "where",
                                              const CategoryLabelsLookup& labels = {});

// A number or date literal in the storage units of a non-categorical field (integer: the
// value; decimal: 10^-scale units; date: days; boolean: 0/1). Decimal text may carry trailing
// zeros beyond the scale ("12.50" for scale 1). InvalidArgument "path: ..." when it does not fit.
common::Result<int64_t> LiteralToUnits(const Literal& literal, const config::Field& field,
                                       const std::string& path);

// The field named `name`, refusing unknown and identifier fields ("path: unknown field ...").
// Up to `at_most` of `candidates` that look like `word` (ignoring case and '_', '-', '.'; a
// small edit distance, or one containing the other), closest first: for "did you mean".
std::vector<std::string> Closest(std::string_view word, const std::vector<std::string>& candidates,
                                 size_t at_most);

common::Result<BoundField> ResolveField(const config::Schema& schema, std::string_view name,
                                        const std::string& path);
// A field or a calendar part of a date field (FieldExpr text); a part of anything but a date
// field is refused, and so is a CASE (group keys only: BindGroupKey).
common::Result<BoundField> ResolveFieldExpr(const config::Schema& schema, std::string_view text,
                                            const std::string& path);
// A group-by key: ResolveFieldExpr, and for a CASE its bands bound to the field (`bands`).
common::Result<BoundField> BindGroupKey(const config::Schema& schema, std::string_view text,
                                        const CategoryCodeLookup& codes, const std::string& path,
                                        storage::KeyBands* bands,
                                        const CategoryLabelsLookup& labels = {});

}  // namespace verbind::federation
