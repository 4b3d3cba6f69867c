#include "federation/query.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <utility>

#include "common/dates.h"
#include "common/strings.h"
#include "federation/query_json.h"
#include "federation/sql.h"

namespace verbind::federation {

namespace {

constexpr std::array<std::pair<AggFunc, std::string_view>, 14> kAggNames = {{
    {AggFunc::kCount, "count"},
    {AggFunc::kSum, "sum"},
    {AggFunc::kAvg, "avg"},
    {AggFunc::kVar, "var"},
    {AggFunc::kStddev, "stddev"},
    {AggFunc::kVarPop, "var_pop"},
    {AggFunc::kStddevPop, "stddev_pop"},
    {AggFunc::kMin, "min"},
    {AggFunc::kMax, "max"},
    {AggFunc::kHistogram, "histogram"},
    {AggFunc::kQuantile, "quantile"},
    {AggFunc::kMedian, "median"},
    {AggFunc::kCorr, "corr"},
    {AggFunc::kRegression, "regression"},
}};

constexpr std::array<std::pair<FilterOp, std::string_view>, 19> kOpNames = {{
    {FilterOp::kAnd, "and"},
    {FilterOp::kOr, "or"},
    {FilterOp::kNot, "not"},
    {FilterOp::kEq, "="},
    {FilterOp::kNe, "!="},
    {FilterOp::kLt, "<"},
    {FilterOp::kLe, "<="},
    {FilterOp::kGt, ">"},
    {FilterOp::kGe, ">="},
    {FilterOp::kIn, "in"},
    {FilterOp::kNotIn, "not_in"},
    {FilterOp::kBetween, "between"},
    {FilterOp::kNotBetween, "not_between"},
    {FilterOp::kIsNull, "is_null"},
    {FilterOp::kIsNotNull, "is_not_null"},
    {FilterOp::kLike, "like"},
    {FilterOp::kNotLike, "not_like"},
    {FilterOp::kILike, "ilike"},
    {FilterOp::kNotILike, "not_ilike"},
}};

bool IsDecimalText(std::string_view t) {
  size_t i = (!t.empty() && t[0] == '-') ? 1 : 0;
  size_t dot = t.find('.');
  if (dot == std::string_view::npos || dot == i || dot + 1 == t.size()) {
    return false;
  }
  for (size_t k = i; k < t.size(); ++k) {
    if (k != dot && (t[k] < '0' || t[k] > '9')) {
      return false;
    }
  }
  return true;
}

std::optional<QueryIssue> Issue(std::string path, std::string message) {
  return QueryIssue{std::move(path), std::move(message)};
}

std::string Join(std::string_view prefix, std::string_view rel) {
  if (rel.empty()) {
    return std::string(prefix);
  }
  if (prefix.empty()) {
    return std::string(rel);
  }
  return std::string(prefix) + "." + std::string(rel);
}

std::optional<QueryIssue> NameIssue(std::string path, std::string_view name) {
  if (common::IsValidName(name)) {
    return std::nullopt;
  }
  return Issue(std::move(path), "invalid name " + common::JsonQuote(name.substr(0, 80)) +
                                    ": names are 1-64 characters of a-z, 0-9, '_', '.' and '-', "
                                    "starting with a letter or digit");
}

// A field or a calendar part of one, in canonical text.
std::optional<QueryIssue> FieldExprIssue(std::string path, std::string_view text,
                                         bool allow_case = true) {
  std::optional<FieldExpr> e = ParseFieldExpr(text);
  if (e && !e->bands.empty() && !allow_case) {
    return Issue(std::move(path), "CASE makes group-by keys; a filter tests the field itself");
  }
  if (!e) {
    return Issue(std::move(path),
                 "invalid expression " + common::JsonQuote(text.substr(0, 80)) +
                     ": write date_trunc('UNIT', field) or extract(UNIT from field) exactly so, "
                     "in lower case (units: day, week, month, quarter, year; extract also dow, "
                     "isodow, doy), or a CASE as QueryToSql writes it");
  }
  return NameIssue(std::move(path), e->field);
}

bool IsComparison(FilterOp op) {
  return op == FilterOp::kEq || op == FilterOp::kNe || op == FilterOp::kLt ||
         op == FilterOp::kLe || op == FilterOp::kGt || op == FilterOp::kGe;
}

// A comparison of two fields: one of the six comparisons, two plain field names, no values.
std::optional<QueryIssue> FieldComparisonIssue(const Filter& f) {
  if (!IsComparison(f.op)) {
    return Issue("field2", std::string(FilterOpName(f.op)) +
                               " compares a field with values; only =, !=, <, <=, > and >= "
                               "compare two fields");
  }
  if (!f.values.empty()) {
    return Issue("", "a comparison takes a value or a second field, not both");
  }
  if (ParseFieldExpr(f.field) != FieldExpr{f.field, common::DatePart::kNone}) {
    return Issue("field", "a comparison of two fields takes plain field names, not " +
                              common::JsonQuote(f.field.substr(0, 80)));
  }
  return NameIssue("field2", f.field2);
}

// Allowed number of fields for an item: [min, max].
std::pair<size_t, size_t> FieldArity(const SelectItem& item) {
  if (item.kind == SelectItem::Kind::kGroupField) {
    return {1, 1};
  }
  switch (item.func) {
    case AggFunc::kCount:
      return {0, 1};
    case AggFunc::kCorr:
      return {2, 2};
    case AggFunc::kRegression:
      return {2, 1 + kMaxRegressors};
    default:
      return {1, 1};
  }
}

std::optional<QueryIssue> FieldsIssue(const SelectItem& item) {
  auto [lo, hi] = FieldArity(item);
  std::string what = item.kind == SelectItem::Kind::kGroupField
                         ? std::string("a plain select item")
                         : std::string(AggFuncName(item.func));
  if (item.fields.size() < lo || item.fields.size() > hi) {
    std::string want =
        lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi);
    return Issue("",
                 what + " takes " + want + " field(s), got " + std::to_string(item.fields.size()));
  }
  std::set<std::string_view> seen;
  for (size_t i = 0; i < item.fields.size(); ++i) {
    auto issue = item.kind == SelectItem::Kind::kGroupField
                     ? FieldExprIssue(SelectFieldPath(item, i), item.fields[i])
                     : NameIssue(SelectFieldPath(item, i), item.fields[i]);
    if (issue) {
      return issue;
    }
    if (!seen.insert(item.fields[i]).second) {
      return Issue(SelectFieldPath(item, i),
                   what + " needs distinct fields; \"" + item.fields[i] + "\" appears twice");
    }
  }
  return std::nullopt;
}

std::optional<QueryIssue> BoundLiteralIssue(std::string path, const Literal& v) {
  if (v.kind == Literal::Kind::kNull || v.kind == Literal::Kind::kBoolean) {
    return Issue(std::move(path), "a histogram bound must be a number or a date");
  }
  if (auto issue = FindLiteralIssue(v)) {
    return Issue(Join(path, issue->path), issue->message);
  }
  return std::nullopt;
}

std::optional<QueryIssue> ParameterIssue(const SelectItem& item) {
  bool histogram = item.kind == SelectItem::Kind::kAggregate && item.func == AggFunc::kHistogram;
  bool quantile = item.kind == SelectItem::Kind::kAggregate && item.func == AggFunc::kQuantile;
  if (histogram) {
    if (auto issue = BoundLiteralIssue("lo", item.lo)) {
      return issue;
    }
    if (auto issue = BoundLiteralIssue("hi", item.hi)) {
      return issue;
    }
    if (item.bins < 1 || item.bins > kMaxHistogramBins) {
      return Issue("bins", "bins must be 1 to " + std::to_string(kMaxHistogramBins));
    }
  } else if (item.lo != Literal() || item.hi != Literal() || item.bins != 0) {
    return Issue("", "lo, hi and bins belong to histogram only");
  }
  if (quantile) {
    if (!(item.q >= 0.0 && item.q <= 1.0) || std::signbit(item.q)) {
      return Issue("q", "q must be a number from 0 to 1");
    }
  } else if (item.q != 0.0) {
    return Issue("", "q belongs to quantile only");
  }
  return std::nullopt;
}

// Depth-first checks of the filter tree; counts nodes in `nodes`.
std::optional<QueryIssue> FilterIssue(const Filter& node, const std::string& path, int depth,
                                      size_t* nodes) {
  if (depth > kMaxFilterDepth) {
    return Issue(path,
                 "the filter is nested deeper than " + std::to_string(kMaxFilterDepth) + " levels");
  }
  if (++*nodes > kMaxFilterNodes) {
    return Issue(path, "the filter has more than " + std::to_string(kMaxFilterNodes) + " nodes");
  }
  if (auto issue = FindFilterNodeIssue(node)) {
    return Issue(Join(path, issue->path), issue->message);
  }
  for (size_t i = 0; i < node.args.size(); ++i) {
    std::string child = node.op == FilterOp::kNot ? Join(path, "arg")
                                                  : Join(path, "args[" + std::to_string(i) + "]");
    if (auto issue = FilterIssue(node.args[i], child, depth + 1, nodes)) {
      return issue;
    }
  }
  return std::nullopt;
}

std::optional<QueryIssue> SelectListIssue(const Query& q) {
  if (q.select.empty()) {
    return Issue("select", "the select list is empty");
  }
  if (q.select.size() > kMaxSelectItems) {
    return Issue("select", "more than " + std::to_string(kMaxSelectItems) + " select items");
  }
  std::set<std::string> names(q.group_by.begin(), q.group_by.end());
  bool any_aggregate = false;
  for (size_t i = 0; i < q.select.size(); ++i) {
    const SelectItem& item = q.select[i];
    std::string path = "select[" + std::to_string(i) + "]";
    if (auto issue = FindSelectItemIssue(item)) {
      return Issue(Join(path, issue->path), issue->message);
    }
    if (item.kind == SelectItem::Kind::kGroupField) {
      if (std::find(q.group_by.begin(), q.group_by.end(), item.fields[0]) == q.group_by.end()) {
        return Issue(path, "field \"" + item.fields[0] +
                               "\" must appear in GROUP BY or be used in an aggregate");
      }
      continue;
    }
    any_aggregate = true;
    std::string name = ItemColumnName(item);
    if (!names.insert(name).second) {
      return Issue(path, "duplicate column name \"" + name + "\"; give one of them an alias");
    }
  }
  if (!any_aggregate) {
    return Issue("select", "the select list has no aggregate");
  }
  return std::nullopt;
}

std::optional<QueryIssue> GroupByIssue(const Query& q) {
  if (q.group_by.size() > kMaxGroupByFields) {
    return Issue("group_by", "more than " + std::to_string(kMaxGroupByFields) + " group-by fields");
  }
  for (size_t i = 0; i < q.group_by.size(); ++i) {
    std::string path = "group_by[" + std::to_string(i) + "]";
    if (auto issue = FieldExprIssue(path, q.group_by[i])) {
      return issue;
    }
    if (std::find(q.group_by.begin(), q.group_by.begin() + static_cast<long>(i), q.group_by[i]) !=
        q.group_by.begin() + static_cast<long>(i)) {
      return Issue(path, "\"" + q.group_by[i] + "\" is grouped twice");
    }
  }
  return std::nullopt;
}

// The field a FieldExpr text reads.
std::string BaseField(const std::string& text) {
  std::optional<FieldExpr> e = ParseFieldExpr(text);
  return e ? e->field : text;
}

void CollectFilterFields(const Filter& f, std::set<std::string>* out) {
  if (!IsLogical(f.op)) {
    out->insert(BaseField(f.field));
    if (!f.field2.empty()) out->insert(f.field2);
  }
  for (const Filter& a : f.args) {
    CollectFilterFields(a, out);
  }
}

}  // namespace

Literal Literal::Text(std::string_view text) {
  Literal v;
  v.kind = ClassifyText(text);
  v.text = std::string(text);
  return v;
}

Literal::Kind ClassifyText(std::string_view text) {
  int32_t days = 0;
  if (common::ParseIsoDate(text, &days)) {
    return Literal::Kind::kDate;
  }
  if (IsDecimalText(text)) {
    return Literal::Kind::kDecimal;
  }
  return Literal::Kind::kString;
}

std::string_view AggFuncName(AggFunc f) {
  for (const auto& [func, name] : kAggNames) {
    if (func == f) {
      return name;
    }
  }
  return "?";
}

std::optional<AggFunc> AggFuncFromName(std::string_view name) {
  for (const auto& [func, n] : kAggNames) {
    if (n == name) {
      return func;
    }
  }
  return std::nullopt;
}

std::string_view FilterOpName(FilterOp op) {
  for (const auto& [o, name] : kOpNames) {
    if (o == op) {
      return name;
    }
  }
  return "?";
}

std::optional<FilterOp> FilterOpFromName(std::string_view name) {
  for (const auto& [o, n] : kOpNames) {
    if (n == name) {
      return o;
    }
  }
  return std::nullopt;
}

bool IsLogical(FilterOp op) {
  return op == FilterOp::kAnd || op == FilterOp::kOr || op == FilterOp::kNot;
}

bool IsLike(FilterOp op) {
  return op == FilterOp::kLike || op == FilterOp::kNotLike || op == FilterOp::kILike ||
         op == FilterOp::kNotILike;
}

std::optional<QueryIssue> FindLiteralIssue(const Literal& v) {
  bool has_text = v.kind == Literal::Kind::kDecimal || v.kind == Literal::Kind::kDate ||
                  v.kind == Literal::Kind::kString;
  if ((v.boolean && v.kind != Literal::Kind::kBoolean) ||
      (v.integer != 0 && v.kind != Literal::Kind::kInteger) || (!has_text && !v.text.empty())) {
    return Issue("", "a literal carries a value that does not belong to its kind");
  }
  switch (v.kind) {
    case Literal::Kind::kNull:
    case Literal::Kind::kBoolean:
    case Literal::Kind::kInteger:
      return std::nullopt;
    case Literal::Kind::kDecimal:
    case Literal::Kind::kDate:
    case Literal::Kind::kString:
      break;
  }
  if (v.text.size() > kMaxStringBytes) {
    return Issue("", "a literal is longer than " + std::to_string(kMaxStringBytes) + " bytes");
  }
  if (!common::IsValidUtf8(v.text)) {
    return Issue("", "a string is not valid UTF-8");
  }
  for (char c : v.text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Issue("", "a string contains a control character");
    }
  }
  if (ClassifyText(v.text) != v.kind) {
    return Issue("", "literal " + common::JsonQuote(v.text) + " is not of its stated kind");
  }
  return std::nullopt;
}

std::optional<QueryIssue> FindSelectItemIssue(const SelectItem& item) {
  if (item.kind == SelectItem::Kind::kGroupField && item.func != AggFunc::kCount) {
    return Issue("", "a plain field item has no function");
  }
  if (auto issue = FieldsIssue(item)) {
    return issue;
  }
  if (auto issue = ParameterIssue(item)) {
    return issue;
  }
  if (!item.alias.empty()) {
    if (item.kind == SelectItem::Kind::kGroupField) {
      return Issue("as", "a group-by field cannot be renamed");
    }
    return NameIssue("as", item.alias);
  }
  return std::nullopt;
}

std::optional<QueryIssue> FindFilterNodeIssue(const Filter& f) {
  if (IsLogical(f.op)) {
    if (!f.field.empty() || !f.values.empty() || !f.field2.empty()) {
      return Issue("", "and/or/not take no field or values");
    }
    if (f.op == FilterOp::kNot ? f.args.size() != 1 : f.args.size() < 2) {
      return Issue(f.op == FilterOp::kNot ? "arg" : "args", f.op == FilterOp::kNot
                                                                ? "not takes one filter"
                                                                : "and/or take two or more "
                                                                  "filters");
    }
    return std::nullopt;
  }
  if (!f.args.empty()) {
    return Issue("", "a comparison has no sub-filters");
  }
  if (auto issue = FieldExprIssue("field", f.field, /*allow_case=*/false)) {
    return issue;
  }
  if (!f.field2.empty()) {
    return FieldComparisonIssue(f);
  }
  size_t want = 1;
  if (f.op == FilterOp::kBetween || f.op == FilterOp::kNotBetween) {
    want = 2;
  } else if (f.op == FilterOp::kIsNull || f.op == FilterOp::kIsNotNull) {
    want = 0;
  }
  bool list = f.op == FilterOp::kIn || f.op == FilterOp::kNotIn;
  if (list ? (f.values.empty() || f.values.size() > kMaxInValues) : f.values.size() != want) {
    return Issue(
        list ? "values" : "",
        list ? "an IN list holds 1 to " + std::to_string(kMaxInValues) + " values"
             : std::string(FilterOpName(f.op)) + " takes " + std::to_string(want) + " value(s)");
  }
  for (size_t i = 0; i < f.values.size(); ++i) {
    if (auto issue = FindLiteralIssue(f.values[i])) {
      std::string rel = list ? "values[" + std::to_string(i) + "]"
                             : (want == 2 ? (i == 0 ? "low" : "high") : "value");
      return Issue(rel, issue->message);
    }
  }
  if (IsLike(f.op) &&
      (f.values[0].kind == Literal::Kind::kNull || f.values[0].kind == Literal::Kind::kBoolean ||
       f.values[0].kind == Literal::Kind::kInteger)) {
    return Issue("value", std::string(FilterOpName(f.op)) + " takes a pattern string");
  }
  return std::nullopt;
}

std::optional<QueryIssue> FindQueryIssue(const Query& q) {
  if (auto issue = FindQueryShapeIssue(q)) {
    return issue;
  }
  // Both forms must fit the text limit, so that every valid query round-trips through both.
  if (QueryToJson(q).size() > kMaxQueryTextBytes || QueryToSql(q).size() > kMaxQueryTextBytes) {
    return Issue("", "the query is too large: its SQL or JSON form exceeds " +
                         std::to_string(kMaxQueryTextBytes) + " bytes");
  }
  return std::nullopt;
}

std::optional<QueryIssue> FindQueryShapeIssue(const Query& q) {
  if (auto issue = NameIssue("dataset", q.dataset)) {
    return issue;
  }
  if (auto issue = GroupByIssue(q)) {
    return issue;
  }
  if (auto issue = SelectListIssue(q)) {
    return issue;
  }
  if (q.where) {
    size_t nodes = 0;
    if (auto issue = FilterIssue(*q.where, "where", 1, &nodes)) {
      return issue;
    }
  }
  return std::nullopt;
}

namespace {

common::Status StatusOf(const std::optional<QueryIssue>& issue) {
  if (!issue) {
    return common::Status::Ok();
  }
  return common::InvalidArgument(issue->path.empty() ? issue->message
                                                     : issue->path + ": " + issue->message);
}

}  // namespace

common::Status ValidateQuery(const Query& query) { return StatusOf(FindQueryIssue(query)); }

common::Status ValidateQueryShape(const Query& query) {
  return StatusOf(FindQueryShapeIssue(query));
}

std::string SelectFieldPath(const SelectItem& item, size_t i) {
  if (item.kind == SelectItem::Kind::kAggregate && item.func == AggFunc::kCorr) {
    return "fields[" + std::to_string(i) + "]";
  }
  if (item.kind == SelectItem::Kind::kAggregate && item.func == AggFunc::kRegression) {
    return i == 0 ? "y" : "x[" + std::to_string(i - 1) + "]";
  }
  return "field";
}

std::string ItemColumnName(const SelectItem& item) {
  if (!item.alias.empty()) {
    return item.alias;
  }
  return SqlSelectExpression(item);
}

QueryFootprint DescribeQuery(const Query& query) {
  QueryFootprint out;
  for (const SelectItem& item : query.select) {
    if (item.kind != SelectItem::Kind::kAggregate) {
      continue;
    }
    // Policies name one function for each statistic: the population forms read the variance.
    AggFunc f = item.func == AggFunc::kMedian      ? AggFunc::kQuantile
                : item.func == AggFunc::kVarPop    ? AggFunc::kVar
                : item.func == AggFunc::kStddevPop ? AggFunc::kStddev
                                                   : item.func;
    out.aggregates.push_back({std::string(AggFuncName(f)), item.fields});
  }
  for (const std::string& g : query.group_by) out.group_by.push_back(BaseField(g));
  if (query.where) {
    std::set<std::string> fields;
    CollectFilterFields(*query.where, &fields);
    out.filter_fields.assign(fields.begin(), fields.end());
  }
  return out;
}

}  // namespace verbind::federation
