// The analysts' query model: one aggregate query over one dataset, as parsed from SQL
// (federation/sql.h) or from its JSON form (federation/query_json.h), before it is bound to a
// schema (federation/bind.h). Pure values and functions; thread-safe.
//
// A Query is untyped: a literal is typed by the field it is compared with only when the query
// is bound. The form is canonical: SQL and JSON produce the same Query for the same question,
// and every valid Query renders to SQL and JSON that parse back to an equal Query.
// Semantics, limits and the JSON form: docs/query.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/dates.h"
#include "common/status.h"

namespace verbind::federation {

// Limits on a query. Queries arrive from the network, so every list and string is bounded.
inline constexpr size_t kMaxQueryTextBytes = 64 * 1024;  // SQL text or JSON document
inline constexpr size_t kMaxSelectItems = 32;
inline constexpr size_t kMaxGroupByFields = 4;  // = storage::kMaxGroupBy
inline constexpr int kMaxFilterDepth = 16;      // a single comparison has depth 1
inline constexpr size_t kMaxFilterNodes = 256;  // and/or/not nodes and comparisons
inline constexpr size_t kMaxInValues = 1000;    // values in one IN list
inline constexpr size_t kMaxStringBytes = 256;  // a string literal (and decimal text)
inline constexpr int kMaxHistogramBins = 1000;
inline constexpr size_t kMaxRegressors = 8;  // predictors of regression(y, x1, ..., xk)

// A constant in a query. Strings are classified by their text (see ClassifyText) so that a
// JSON string and a SQL string with the same text are the same literal.
struct Literal {
  enum class Kind {
    kNull,
    kBoolean,
    kInteger,  // `integer`
    kDecimal,  // `text`: -?[0-9]+\.[0-9]+, exactly as written
    kDate,     // `text`: a valid "YYYY-MM-DD"
    kString,   // `text`: any other string (a categorical label, or a number for a number field)
  };
  Kind kind = Kind::kNull;
  bool boolean = false;
  int64_t integer = 0;
  std::string text;

  // NULL, TRUE/FALSE and integer literals.
  static Literal Null() { return {}; }
  static Literal Boolean(bool b) { return {Kind::kBoolean, b, 0, {}}; }
  static Literal Integer(int64_t v) { return {Kind::kInteger, false, v, {}}; }
  // A decimal, date or string literal according to ClassifyText(text).
  static Literal Text(std::string_view text);

  bool operator==(const Literal&) const = default;
};

// kDate when `text` is a valid ISO date, kDecimal when it matches -?[0-9]+\.[0-9]+, kString
// otherwise.
Literal::Kind ClassifyText(std::string_view text);

// Aggregate functions.
enum class AggFunc {
  kCount,   // count(*) (no field) or count(field): rows, or non-null values
  kSum,     // exact sum
  kAvg,     // mean
  kVar,     // sample variance (n - 1)
  kStddev,  // sample standard deviation
  kVarPop,     // population variance (n)
  kStddevPop,  // population standard deviation
  kMin,
  kMax,
  kHistogram,   // histogram(field, lo, hi, bins)
  kQuantile,    // quantile(field, q)
  kMedian,      // median(field) = quantile(field, 0.5)
  kCorr,        // corr(x, y): Pearson correlation
  kRegression,  // regression(y, x1, ..., xk): OLS with intercept
};
// The function's name as written in SQL and JSON ("count", "avg", ...).
std::string_view AggFuncName(AggFunc f);
// The function named `name` (lower case), or nullopt.
std::optional<AggFunc> AggFuncFromName(std::string_view name);

// One entry of the select list.
struct SelectItem {
  enum class Kind {
    kAggregate,
    kGroupField,  // a plain field; it must also be in group_by
  };
  Kind kind = Kind::kAggregate;
  AggFunc func = AggFunc::kCount;
  // kGroupField: the field or its calendar part (FieldExpr text). Aggregates: count: none (count(*)) or one; sum ... median,
  // histogram, quantile: one; corr: x, y; regression: y, then x1 ... xk.
  std::vector<std::string> fields;
  Literal lo;         // histogram: lower bound (inclusive)
  Literal hi;         // histogram: upper bound (exclusive)
  int bins = 0;       // histogram: 1 .. kMaxHistogramBins
  double q = 0;       // quantile: 0 .. 1 (median leaves this 0)
  std::string alias;  // aggregates only; empty: the column is named by ItemColumnName

  bool operator==(const SelectItem&) const = default;
};

// Filter operators.
enum class FilterOp {
  kAnd,  // `args`: two or more
  kOr,   // `args`: two or more
  kNot,  // `args`: one
  kEq,   // `field` op `values[0]`, or `field` op `field2`
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIn,  // `field` in `values` (1 .. kMaxInValues)
  kNotIn,
  kBetween,  // values[0] <= field <= values[1]
  kNotBetween,
  kIsNull,  // no values
  kIsNotNull,
  kLike,  // `field` LIKE `values[0]`: a pattern ('%' any run, '_' one character; no escape)
  kNotLike,
  kILike,  // LIKE ignoring the case of ASCII letters
  kNotILike,
};
// The operator's JSON name ("and", "=", "not_in", "is_null", ...).
std::string_view FilterOpName(FilterOp op);
// The operator with that JSON name, or nullopt.
std::optional<FilterOp> FilterOpFromName(std::string_view name);
// True for the operators that combine other filters (and, or, not).
bool IsLogical(FilterOp op);
// True for like, not_like, ilike and not_ilike.
bool IsLike(FilterOp op);

// A filter tree, with SQL's three-valued logic (a comparison with NULL is unknown).
struct Filter {
  FilterOp op = FilterOp::kEq;
  std::string field;  // a field or a calendar part of one (FieldExpr text)
  std::vector<Literal> values;
  // A comparison of two fields (=, !=, <, <=, >, >= only): the field `field` is compared with,
  // instead of values[0] (`values` is then empty). Both are plain field names.
  std::string field2;
  std::vector<Filter> args;

  bool operator==(const Filter&) const = default;
};

// What a group-by entry, a plain select field and a filter's `field` name: a field, a
// calendar part of a date field, or (group-by keys only) CASE bands of a field
// (docs/query.md), held as canonical text: "date_trunc('month', start_date)",
// "extract(year from start_date)" (lower case, one space after the comma and around FROM, the
// field's name unquoted), "case when birth_year < 1960 then 'before 1960' else 'later' end"
// (lower-case keywords, the conditions and labels as QueryToSql writes them). The part's
// values are dates (first days of periods) for date_trunc and integers for extract; a CASE's
// values are its labels.
struct CaseBand {
  Filter when;       // tests one field (its value or a part of it)
  std::string then;  // the label
  bool operator==(const CaseBand&) const = default;
};
struct FieldExpr {
  std::string field;
  common::DatePart part = common::DatePart::kNone;
  std::vector<CaseBand> bands;           // CASE WHEN ... END, in order
  std::optional<std::string> otherwise;  // its ELSE label; none: NULL
  bool operator==(const FieldExpr&) const = default;
};
inline constexpr size_t kMaxCaseBands = 32;
// The canonical text: the field's name alone without a part or bands.
std::string FieldExprText(const FieldExpr& e);
// The expression of a canonical text; a plain text is a field. nullopt for a text that starts
// like a calendar function or a CASE but is not one in canonical form.
std::optional<FieldExpr> ParseFieldExpr(std::string_view text);

// SELECT select FROM dataset [WHERE where] [GROUP BY group_by].
struct Query {
  std::string dataset;
  std::vector<SelectItem> select;
  std::optional<Filter> where;
  std::vector<std::string> group_by;  // fields or calendar parts of fields (FieldExpr text)

  bool operator==(const Query&) const = default;
};

// How the requester's node shows a finished result: ORDER BY, LIMIT and OFFSET of the SQL.
// It is applied to the protected, finished table (ApplyPresentation, federation/result.h) and
// never sent to a peer: it changes what is shown, not what is released.
struct SortKey {
  std::string column;        // the name of a result column
  bool descending = false;
  bool nulls_first = false;  // default: NULLS LAST ascending, NULLS FIRST descending
  bool operator==(const SortKey&) const = default;
};
// A column computed by the requester's node from the released values of a row: arithmetic
// (+ - * /), ROUND(x[, digits]), ABS(x) and COALESCE(x, y, ...) over aggregates and numbers.
struct DerivedExpr {
  enum class Kind { kNumber, kColumn, kNegate, kAdd, kSubtract, kMultiply, kDivide, kRound,
                    kAbs, kCoalesce };
  Kind kind = Kind::kNumber;
  long double number = 0;   // kNumber
  std::string text;         // kNumber: as written; kColumn: the result column's name
  int digits = 0;           // kRound
  std::vector<DerivedExpr> args;
  bool operator==(const DerivedExpr&) const = default;
};
struct DerivedColumn {
  std::string name;  // its alias, else the expression as SQL
  DerivedExpr expr;
  bool operator==(const DerivedColumn&) const = default;
};

struct Presentation {
  // Derived columns, and the order of the value columns shown: names of aggregate columns and
  // derived columns in select-list order (empty: the aggregate columns as they are). Aggregate
  // columns not listed were asked only to compute a derived column and are not shown.
  std::vector<DerivedColumn> derived;
  std::vector<std::string> shown;
  // HAVING: a filter over result columns (Filter::field names a result column), evaluated on
  // the released values with three-valued logic; a row is kept when it is TRUE.
  std::optional<Filter> having;
  std::vector<SortKey> order_by;   // empty: rows sorted by key
  // Group columns shown under an alias ({column, alias}), renamed last.
  std::vector<std::pair<std::string, std::string>> renamed;
  std::optional<int64_t> limit;    // rows shown at most
  int64_t offset = 0;              // rows skipped first
  bool empty() const {
    return derived.empty() && !having && order_by.empty() && !limit && offset == 0 &&
           renamed.empty();
  }
  bool operator==(const Presentation&) const = default;
};
inline constexpr int64_t kMaxLimit = 1000000000;

// A validation problem and where it is: a JSON-pointer-like path into the JSON form, such as
// "select[2].field", "where.args[1].values[3]" or "group_by[0]" ("" for the whole query).
struct QueryIssue {
  std::string path;
  std::string message;
};

// Checks everything that does not need the schema: names, arities, limits, literal texts,
// that there is at least one aggregate, that plain select fields are grouped, that group-by
// fields are distinct and that column names are unique. nullopt when valid.
std::optional<QueryIssue> FindQueryIssue(const Query& query);
// FindQueryIssue without its last check, that both text forms fit kMaxQueryTextBytes (which
// renders the query twice): for code that only needs the query to be well-formed.
std::optional<QueryIssue> FindQueryShapeIssue(const Query& query);
// The same checks for one select item or one filter node (not its children); paths are
// relative to the item or node (e.g. "field", "values[2]"; "" for the item itself).
std::optional<QueryIssue> FindSelectItemIssue(const SelectItem& item);
std::optional<QueryIssue> FindFilterNodeIssue(const Filter& node);
std::optional<QueryIssue> FindLiteralIssue(const Literal& literal);
// FindQueryIssue as a Status: InvalidArgument "path: message".
common::Status ValidateQuery(const Query& query);
common::Status ValidateQueryShape(const Query& query);

// The JSON key that holds fields[i] of a select item: "field", "fields[1]" (corr), "y" or
// "x[0]" (regression).
std::string SelectFieldPath(const SelectItem& item, size_t i);

// The column name of a select item: its alias, else the call as SQL ("avg(monthly_amount)",
// "count(*)", "quantile(age, 0.9)"); the field itself for a plain field.
std::string ItemColumnName(const SelectItem& item);

// What a query touches, for sharing policies. Function names are the policy names: "count",
// "sum", "avg", "var", "stddev", "min", "max", "histogram", "quantile" (also for median),
// "corr", "regression".
struct QueryFootprint {
  struct Aggregate {
    std::string function;
    std::vector<std::string> fields;  // as in SelectItem::fields; empty for count(*)
  };
  std::vector<Aggregate> aggregates;       // one per aggregate select item, in order
  std::vector<std::string> group_by;       // in query order (the field of a calendar part)
  std::vector<std::string> filter_fields;  // distinct, sorted (the same); with every field2
};
QueryFootprint DescribeQuery(const Query& query);

}  // namespace verbind::federation
