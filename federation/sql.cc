// The SQL statement: select list, FROM, GROUP BY (see federation/sql_parser.h).
#include "federation/sql.h"

#include <charconv>
#include <cstdlib>
#include <map>
#include <utility>

#include "federation/internal/sql_parser.h"

namespace verbind::federation {

using common::Result;
using common::Status;

namespace sql_internal {

namespace {

// How a call of `f` is written.
std::string Signature(AggFunc f) {
  std::string name(AggFuncName(f));
  switch (f) {
    case AggFunc::kCount:
      return "count(*) or count(field)";
    case AggFunc::kHistogram:
      return "histogram(field, lo, hi, bins)";
    case AggFunc::kQuantile:
      return "quantile(field, q)";
    case AggFunc::kCorr:
      return "corr(x, y)";
    case AggFunc::kRegression:
      return "regression(y, x1, ..., x8)";
    default:
      return name + "(field)";
  }
}

// The standard names of the aggregates that Verbind names otherwise.
std::optional<AggFunc> StandardAggregate(std::string_view name) {
  if (name == "variance" || name == "var_samp") return AggFunc::kVar;
  if (name == "stddev_samp") return AggFunc::kStddev;
  return AggFuncFromName(name);
}

// Words that start a clause SQL has after FROM: never taken for an alias.
bool IsClauseWord(std::string_view word) {
  const std::string lower = common::ToLower(word);
  for (std::string_view w : {"order", "having", "limit", "offset", "join", "union", "distinct"}) {
    if (lower == w) return true;
  }
  return false;
}

}  // namespace

Status SqlParser::ParseStatement() {
  if (!AtKeyword("select")) {
    return Expected("SELECT");
  }
  Advance();
  RETURN_IF_ERROR(ParseSelectList());
  ASSIGN_OR_RETURN(query_.dataset, ParseName("a dataset name", &dataset_token_));
  RETURN_IF_ERROR(ParseTableAlias());
  bool had_where = false, had_group = false, had_semicolon = false;
  if (AtKeyword("where")) {
    Advance();
    ASSIGN_OR_RETURN(Node where, ParseOr(0));
    query_.where = std::move(where.filter);
    where_pos_ = std::move(where.pos);
    had_where = true;
  }
  if (AtKeyword("group")) {
    Advance();
    RETURN_IF_ERROR(ParseGroupBy());
    had_group = true;
  }
  if (allow_presentation_) {
    RETURN_IF_ERROR(ParsePresentation());
  }
  if (AtSymbol(";")) {
    Advance();
    had_semicolon = true;
  }
  if (Peek().kind != SqlTokenKind::kEnd) {
    return Trailing(had_where, had_group, had_semicolon);
  }
  return CheckQualifiers();
}

bool SqlParser::AtAliasName() const {
  const SqlToken& t = Peek();
  return t.kind == SqlTokenKind::kQuotedName ||
         (t.kind == SqlTokenKind::kName && !IsSqlReservedWord(t.text) && !IsClauseWord(t.text));
}

// FROM dataset [[AS] alias]: the alias may qualify field names (t.field).
Status SqlParser::ParseTableAlias() {
  bool as = AtKeyword("as");
  if (as) Advance();
  // Without AS, a name is the alias only where a clause or the end follows it (so that a
  // misspelt WHERE is reported as such).
  const bool clause_follows = Peek(1).kind == SqlTokenKind::kEnd || AtSymbol(";", 1) ||
                              AtKeyword("where", 1) || AtKeyword("group", 1) ||
                              (Peek(1).kind == SqlTokenKind::kName && IsClauseWord(Peek(1).text));
  if (as || (AtAliasName() && clause_follows)) {
    size_t at = 0;
    ASSIGN_OR_RETURN(table_alias_, ParseName("a table alias", &at));
  }
  return Status::Ok();
}

// Every qualifier of a field name (q.field) names the dataset or its alias.
Status SqlParser::CheckQualifiers() {
  for (const auto& [name, at] : qualifiers_) {
    if (name != query_.dataset && name != table_alias_) {
      return Fail(at, "unknown table " + name + " (the query reads " + query_.dataset +
                          (table_alias_.empty() ? "" : " AS " + table_alias_) + ")");
    }
  }
  return Status::Ok();
}

Result<std::string> SqlParser::ParseField(std::string_view what, size_t* at) {
  ASSIGN_OR_RETURN(std::string name, ParseName(what, at));
  if (!AtSymbol(".")) return name;
  qualifiers_.emplace_back(name, *at);
  Advance();
  return ParseName("a field name after '" + name + ".'", at);
}

// The select list and the FROM keyword after it.
Status SqlParser::ParseSelectList() {
  while (true) {
    if (query_.select.size() == kMaxSelectItems) {
      return Fail(pos_, "more than " + std::to_string(kMaxSelectItems) + " select items");
    }
    RETURN_IF_ERROR(ParseSelectItem());
    if (!AtSymbol(",")) {
      break;
    }
    Advance();
  }
  if (!AtKeyword("from")) {
    return Expected(AtCall() ? "',' or FROM" : "FROM");
  }
  Advance();
  return FinishDerived();
}

Status SqlParser::ParseSelectItem() {
  SelectItem item;
  ItemPos pos;
  pos.start = pos_;
  if (AtSymbol("*")) {
    return Fail(pos_, "SELECT * is not supported: name aggregates such as count(*)");
  }
  if (allow_presentation_ && AtDerivedItem()) {
    return ParseDerivedItem();
  }
  if (AtCall()) {
    RETURN_IF_ERROR(ParseCall(item, pos));
    if (AtKeyword("as")) {
      Advance();
      ASSIGN_OR_RETURN(item.alias, ParseName("an alias", &pos.alias));
    } else if (AtAliasName() && (AtSymbol(",", 1) || AtKeyword("from", 1))) {
      ASSIGN_OR_RETURN(item.alias, ParseName("an alias", &pos.alias));  // AS is optional
    }
  } else {
    item.kind = SelectItem::Kind::kGroupField;
    size_t at = 0;
    ASSIGN_OR_RETURN(std::string field,
                     ParseField("a field name or an aggregate such as count(*)", &at));
    item.fields.push_back(std::move(field));
    pos.fields.push_back(at);
    if (AtKeyword("as")) {
      return Fail(pos_, "a group-by field cannot be renamed");
    }
  }
  if (item.kind == SelectItem::Kind::kAggregate) shown_.push_back(ItemColumnName(item));
  query_.select.push_back(std::move(item));
  item_pos_.push_back(std::move(pos));
  return Status::Ok();
}

namespace {

bool IsScalarFunction(std::string_view lower) {
  return lower == "round" || lower == "abs" || lower == "coalesce";
}

// The expression as SQL: its column name when it has no alias.
std::string RenderDerived(const DerivedExpr& e, bool parenthesise_sums = false) {
  using K = DerivedExpr::Kind;
  auto binary = [&](std::string_view op, bool tight) {
    std::string out = RenderDerived(e.args[0], tight) + " " + std::string(op) + " " +
                      RenderDerived(e.args[1], true);
    return parenthesise_sums && !tight ? "(" + out + ")" : out;
  };
  switch (e.kind) {
    case K::kNumber:
    case K::kColumn:
      return e.text;
    case K::kNegate:
      return "-" + RenderDerived(e.args[0], true);
    case K::kAdd:
      return binary("+", false);
    case K::kSubtract:
      return binary("-", false);
    case K::kMultiply:
      return binary("*", true);
    case K::kDivide:
      return binary("/", true);
    case K::kRound:
      return "round(" + RenderDerived(e.args[0]) +
             (e.digits != 0 ? ", " + std::to_string(e.digits) : std::string()) + ")";
    case K::kAbs:
      return "abs(" + RenderDerived(e.args[0]) + ")";
    case K::kCoalesce: {
      std::string out = "coalesce(";
      for (size_t i = 0; i < e.args.size(); ++i) out += (i ? ", " : "") + RenderDerived(e.args[i]);
      return out + ")";
    }
  }
  return "";
}

// Replaces the canonical call text of every aggregate leaf by its result column's name.
void RenameLeaves(DerivedExpr& e, const std::map<std::string, std::string>& names) {
  if (e.kind == DerivedExpr::Kind::kColumn) {
    e.text = names.at(e.text);
    return;
  }
  for (DerivedExpr& a : e.args) RenameLeaves(a, names);
}

}  // namespace

// An item that is more than one aggregate or field: it starts with a number, '(', '-', a
// scalar function, or is an aggregate call followed by an operator.
bool SqlParser::AtDerivedItem() const {
  const SqlToken& t = Peek();
  if (t.kind == SqlTokenKind::kInteger || t.kind == SqlTokenKind::kDecimal || AtSymbol("(") ||
      AtSymbol("-")) {
    return true;
  }
  auto at_operator = [&](size_t ahead) {
    return AtSymbol("+", ahead) || AtSymbol("-", ahead) || AtSymbol("*", ahead) ||
           AtSymbol("/", ahead);
  };
  if (((t.kind == SqlTokenKind::kName && !IsSqlReservedWord(t.text)) ||
       t.kind == SqlTokenKind::kQuotedName) &&
      at_operator(1)) {
    return true;  // a field in arithmetic: reported as such
  }
  if (!AtCall()) return false;
  if (IsScalarFunction(common::ToLower(t.text))) return true;
  int depth = 0;
  for (size_t ahead = 1; pos_ + ahead < tokens_.size(); ++ahead) {
    if (AtSymbol("(", ahead)) ++depth;
    if (AtSymbol(")", ahead) && --depth == 0) return at_operator(ahead + 1);
    if (Peek(ahead).kind == SqlTokenKind::kEnd) return false;
  }
  return false;
}

Status SqlParser::ParseDerivedItem() {
  const size_t start = pos_;
  ASSIGN_OR_RETURN(DerivedExpr e, ParseSum(0));
  std::string alias;
  size_t alias_at = 0;
  if (AtKeyword("as")) {
    Advance();
    ASSIGN_OR_RETURN(alias, ParseName("an alias", &alias_at));
  } else if (AtAliasName() && (AtSymbol(",", 1) || AtKeyword("from", 1))) {
    ASSIGN_OR_RETURN(alias, ParseName("an alias", &alias_at));
  }
  if (!AtSymbol(",") && !AtKeyword("from")) {
    return Expected("an operator, ',' or FROM");
  }
  if (e.kind == DerivedExpr::Kind::kColumn || e.kind == DerivedExpr::Kind::kNumber) {
    return Fail(start, "write an aggregate without parentheses, and with at least one aggregate "
                       "in an expression");
  }
  DerivedColumn column{alias, std::move(e)};
  if (column.name.empty()) column.name = RenderDerived(column.expr);
  for (const DerivedColumn& d : presentation_.derived) {
    if (d.name == column.name) {
      return Fail(alias_at != 0 ? alias_at : start,
                  "duplicate column name \"" + column.name + "\"; give one of them an alias");
    }
  }
  shown_.push_back(column.name);
  presentation_.derived.push_back(std::move(column));
  return Status::Ok();
}

Result<DerivedExpr> SqlParser::ParseSum(int depth) {
  ASSIGN_OR_RETURN(DerivedExpr left, ParseTerm(depth));
  while (AtSymbol("+") || AtSymbol("-")) {
    DerivedExpr node;
    node.kind = AtSymbol("+") ? DerivedExpr::Kind::kAdd : DerivedExpr::Kind::kSubtract;
    Advance();
    ASSIGN_OR_RETURN(DerivedExpr right, ParseTerm(depth));
    node.args = {std::move(left), std::move(right)};
    left = std::move(node);
  }
  return left;
}

Result<DerivedExpr> SqlParser::ParseTerm(int depth) {
  ASSIGN_OR_RETURN(DerivedExpr left, ParseFactor(depth));
  while (AtSymbol("*") || AtSymbol("/")) {
    DerivedExpr node;
    node.kind = AtSymbol("*") ? DerivedExpr::Kind::kMultiply : DerivedExpr::Kind::kDivide;
    Advance();
    ASSIGN_OR_RETURN(DerivedExpr right, ParseFactor(depth));
    node.args = {std::move(left), std::move(right)};
    left = std::move(node);
  }
  return left;
}

Result<DerivedExpr> SqlParser::ParseFactor(int depth) {
  if (depth > kMaxNesting || ++derived_nodes_ > kMaxFilterNodes) {
    return Fail(pos_, "the expression is nested too deeply or too long");
  }
  DerivedExpr e;
  const SqlToken& t = Peek();
  if (AtSymbol("-")) {
    Advance();
    e.kind = DerivedExpr::Kind::kNegate;
    ASSIGN_OR_RETURN(DerivedExpr inner, ParseFactor(depth + 1));
    e.args.push_back(std::move(inner));
    return e;
  }
  if (AtSymbol("(")) {
    Advance();
    ASSIGN_OR_RETURN(e, ParseSum(depth + 1));
    if (!AtSymbol(")")) return Expected("')'");
    Advance();
    return e;
  }
  if (t.kind == SqlTokenKind::kInteger || t.kind == SqlTokenKind::kDecimal) {
    e.kind = DerivedExpr::Kind::kNumber;
    e.text = t.text;
    e.number = std::strtold(t.text.c_str(), nullptr);
    Advance();
    return e;
  }
  if (AtCall() && IsScalarFunction(common::ToLower(t.text))) {
    const std::string name = common::ToLower(t.text);
    Advance();
    Advance();  // '('
    e.kind = name == "round" ? DerivedExpr::Kind::kRound
             : name == "abs" ? DerivedExpr::Kind::kAbs
                             : DerivedExpr::Kind::kCoalesce;
    while (true) {
      ASSIGN_OR_RETURN(DerivedExpr arg, ParseSum(depth + 1));
      e.args.push_back(std::move(arg));
      if (e.kind == DerivedExpr::Kind::kRound && AtSymbol(",")) {
        Advance();
        int64_t digits = 0;
        bool negative = AtSymbol("-");
        if (negative) Advance();
        if (Peek().kind != SqlTokenKind::kInteger || !common::ParseInt64(Peek().text, &digits) ||
            digits > 15) {
          return Fail(pos_, "round takes a whole number of digits from -15 to 15");
        }
        e.digits = static_cast<int>(negative ? -digits : digits);
        Advance();
        break;
      }
      if (e.kind != DerivedExpr::Kind::kCoalesce || !AtSymbol(",")) break;
      if (e.args.size() == 16) return Fail(pos_, "coalesce takes at most 16 arguments");
      Advance();
    }
    if (!AtSymbol(")")) return Expected("')'");
    Advance();
    return e;
  }
  if (AtCall()) {
    SelectItem probe;
    ItemPos ignored;
    const size_t at = pos_;
    RETURN_IF_ERROR(ParseCall(probe, ignored));
    e.kind = DerivedExpr::Kind::kColumn;
    e.text = SqlSelectExpression(probe);
    leaves_.emplace_back(std::move(probe), at);
    return e;
  }
  if ((t.kind == SqlTokenKind::kName && !IsSqlReservedWord(t.text)) ||
      t.kind == SqlTokenKind::kQuotedName) {
    return Fail(pos_, "a field in an expression must be inside an aggregate, such as sum(" +
                          t.text + ")");
  }
  return Expected("a number, an aggregate, a function (round, abs, coalesce) or '('");
}

// After the select list: every aggregate inside a derived column is a column of the result,
// the one of the select list that asks the same, or one asked only for it (not shown).
Status SqlParser::FinishDerived() {
  if (presentation_.derived.empty()) {
    shown_.clear();
    return Status::Ok();
  }
  std::map<std::string, std::string> names;
  for (auto& [probe, at] : leaves_) {
    const std::string call = SqlSelectExpression(probe);
    if (names.count(call)) continue;
    const SelectItem* found = nullptr;
    for (const SelectItem& s : query_.select) {
      if (s.kind == SelectItem::Kind::kAggregate && SqlSelectExpression(s) == call) found = &s;
    }
    if (found != nullptr) {
      names[call] = ItemColumnName(*found);
      continue;
    }
    if (query_.select.size() == kMaxSelectItems) {
      return Fail(at, "more than " + std::to_string(kMaxSelectItems) + " aggregates are asked");
    }
    names[call] = call;
    query_.select.push_back(probe);
    ItemPos pos;
    pos.start = at;
    item_pos_.push_back(pos);
  }
  for (DerivedColumn& d : presentation_.derived) RenameLeaves(d.expr, names);
  for (const DerivedColumn& d : presentation_.derived) {
    for (const SelectItem& s : query_.select) {
      const std::string name = s.kind == SelectItem::Kind::kAggregate ? ItemColumnName(s)
                                                                      : s.fields[0];
      if (name == d.name) {
        return Fail(0, "duplicate column name \"" + d.name + "\"; give one of them an alias");
      }
    }
  }
  presentation_.shown = shown_;
  return Status::Ok();
}

Status SqlParser::ParseCall(SelectItem& item, ItemPos& pos) {
  const SqlToken& name = Peek();
  const std::string lower = common::ToLower(name.text);
  std::optional<AggFunc> f = StandardAggregate(lower);
  if (!f) {
    return Fail(pos_, "unknown aggregate function '" + name.text +
                          "' (known: count, sum, avg, var or var_samp or variance, var_pop, "
                          "stddev or stddev_samp, stddev_pop, min, max, histogram, quantile, "
                          "median, corr, regression)");
  }
  item.func = *f;
  Advance();
  Advance();  // '('
  RETURN_IF_ERROR(ParseCallArgs(item, pos));
  if (!AtSymbol(")")) {
    if (AtSymbol(",")) {
      return Fail(pos_, "too many arguments: expected " + Signature(*f));
    }
    return Expected("')'");
  }
  Advance();
  return Status::Ok();
}

Status SqlParser::ParseCallArgs(SelectItem& item, ItemPos& pos) {
  if (item.func == AggFunc::kCount && AtSymbol("*")) {
    Advance();
    return Status::Ok();
  }
  // count(1), count(0.5): a constant is never NULL, so every row counts, as count(*).
  if (item.func == AggFunc::kCount &&
      (Peek().kind == SqlTokenKind::kInteger || Peek().kind == SqlTokenKind::kDecimal) &&
      AtSymbol(")", 1)) {
    Advance();
    return Status::Ok();
  }
  if (AtKeyword("distinct")) {
    return Fail(pos_, "DISTINCT inside an aggregate is not supported: counts of distinct "
                      "values are not available yet");
  }
  size_t at = 0;
  ASSIGN_OR_RETURN(std::string first, ParseFieldArg(item.func, &at));
  item.fields.push_back(std::move(first));
  pos.fields.push_back(at);
  switch (item.func) {
    case AggFunc::kHistogram:
      return ParseHistogramArgs(item, pos);
    case AggFunc::kQuantile:
      return ParseQuantileArg(item, pos);
    case AggFunc::kCorr:
    case AggFunc::kRegression:
      break;
    default:
      return Status::Ok();
  }
  size_t max_fields = item.func == AggFunc::kCorr ? 2 : 1 + kMaxRegressors;
  do {
    if (item.fields.size() == max_fields) {
      return Fail(pos_, "too many arguments: expected " + Signature(item.func));
    }
    RETURN_IF_ERROR(ExpectComma(item.func));
    ASSIGN_OR_RETURN(std::string field, ParseFieldArg(item.func, &at));
    item.fields.push_back(std::move(field));
    pos.fields.push_back(at);
  } while (item.func == AggFunc::kRegression && AtSymbol(","));
  return Status::Ok();
}

Status SqlParser::ParseHistogramArgs(SelectItem& item, ItemPos& pos) {
  for (auto [bound, at] : {std::pair{&item.lo, &pos.lo}, std::pair{&item.hi, &pos.hi}}) {
    RETURN_IF_ERROR(ExpectComma(item.func));
    ASSIGN_OR_RETURN(*bound, ParseLiteral(at));
    if (bound->kind == Literal::Kind::kNull || bound->kind == Literal::Kind::kBoolean) {
      return Fail(*at, "a histogram bound must be a number or a date");
    }
  }
  RETURN_IF_ERROR(ExpectComma(item.func));
  int64_t bins = 0;
  if (Peek().kind != SqlTokenKind::kInteger || !common::ParseInt64(Peek().text, &bins) ||
      bins < 1 || bins > kMaxHistogramBins) {
    return Fail(pos_, "bins must be an integer from 1 to " + std::to_string(kMaxHistogramBins));
  }
  item.bins = static_cast<int>(bins);
  pos.bins = Advance();
  return Status::Ok();
}

Status SqlParser::ParseQuantileArg(SelectItem& item, ItemPos& pos) {
  RETURN_IF_ERROR(ExpectComma(item.func));
  const SqlToken& t = Peek();
  double q = -1;
  if (t.kind == SqlTokenKind::kInteger || t.kind == SqlTokenKind::kDecimal) {
    std::from_chars(t.text.data(), t.text.data() + t.text.size(), q);
  }
  if (!(q >= 0.0 && q <= 1.0)) {
    return Fail(pos_, "q must be a number from 0 to 1");
  }
  item.q = q;
  pos.q = Advance();
  return Status::Ok();
}

Status SqlParser::ExpectComma(AggFunc f) {
  if (AtSymbol(",")) {
    Advance();
    return Status::Ok();
  }
  if (AtSymbol(")")) {
    return Fail(pos_, "too few arguments: expected " + Signature(f));
  }
  return Expected("','");
}

Result<std::string> SqlParser::ParseFieldArg(AggFunc f, size_t* at) {
  if (AtSymbol("*")) {
    return Fail(pos_, "'*' is allowed only in count(*)");
  }
  if (AtCall()) {
    return Fail(pos_, "aggregate functions cannot be nested");
  }
  if (AtSymbol(")")) {
    return Fail(pos_, "too few arguments: expected " + Signature(f));
  }
  return ParseField("a field name", at);
}

Result<std::string> SqlParser::ParseName(std::string_view what, size_t* at) {
  const SqlToken& t = Peek();
  std::string name;
  if (t.kind == SqlTokenKind::kName && !IsSqlReservedWord(t.text)) {
    name = common::ToLower(t.text);
  } else if (t.kind == SqlTokenKind::kQuotedName) {
    name = t.text;
  } else {
    return Expected(what);
  }
  if (!common::IsValidName(name)) {
    return Fail(pos_, "invalid name " + Describe(t) +
                          ": names are 1-64 characters of a-z, 0-9, '_', '.' and '-', "
                          "starting with a letter or digit");
  }
  *at = Advance();
  return name;
}

Status SqlParser::ParseGroupBy() {
  if (!AtKeyword("by")) {
    return Expected("BY");
  }
  Advance();
  while (true) {
    if (query_.group_by.size() == kMaxGroupByFields) {
      return Fail(pos_, "more than " + std::to_string(kMaxGroupByFields) + " group-by fields");
    }
    if (AtCall()) {
      return Fail(pos_, "aggregate functions cannot be used in GROUP BY");
    }
    size_t at = 0;
    std::string field;
    if (Peek().kind == SqlTokenKind::kInteger) {
      ASSIGN_OR_RETURN(field, GroupOrdinal(&at));
    } else {
      ASSIGN_OR_RETURN(field, ParseField("a field name or a select-list position", &at));
    }
    query_.group_by.push_back(std::move(field));
    group_pos_.push_back(at);
    if (!AtSymbol(",")) {
      return Status::Ok();
    }
    Advance();
  }
}

// [ORDER BY key {, key}] and LIMIT n, OFFSET n in either order.
Status SqlParser::ParsePresentation() {
  if (AtKeyword("having")) {
    Advance();
    in_having_ = true;
    ASSIGN_OR_RETURN(Node having, ParseOr(0));
    in_having_ = false;
    presentation_.having = std::move(having.filter);
    having_pos_ = std::move(having.pos);
  }
  if (AtKeyword("order")) {
    Advance();
    if (!AtKeyword("by")) return Expected("BY");
    Advance();
    while (true) {
      if (presentation_.order_by.size() == kMaxSelectItems + kMaxGroupByFields) {
        return Fail(pos_, "too many ORDER BY keys");
      }
      ASSIGN_OR_RETURN(SortKey key, ParseSortKey());
      presentation_.order_by.push_back(std::move(key));
      if (!AtSymbol(",")) break;
      Advance();
    }
  }
  bool limit = false, offset = false;
  while (true) {
    if (AtKeyword("limit") && !limit) {
      Advance();
      ASSIGN_OR_RETURN(int64_t n, ParseCount("LIMIT"));
      presentation_.limit = n;
      limit = true;
    } else if (AtKeyword("offset") && !offset) {
      Advance();
      ASSIGN_OR_RETURN(presentation_.offset, ParseCount("OFFSET"));
      offset = true;
    } else {
      return Status::Ok();
    }
  }
}

Result<int64_t> SqlParser::ParseCount(std::string_view clause) {
  int64_t n = -1;
  if (Peek().kind != SqlTokenKind::kInteger || !common::ParseInt64(Peek().text, &n) || n < 0 ||
      n > kMaxLimit) {
    return Fail(pos_, std::string(clause) + " takes a whole number from 0 to " +
                          std::to_string(kMaxLimit));
  }
  Advance();
  return n;
}

// One ORDER BY key: a select-list position, an aggregate call of the select list, or the name
// of a result column; then ASC or DESC and NULLS FIRST or LAST.
Result<std::string> SqlParser::ParseResultColumn(std::string_view clause,
                                                 const SelectItem** item) {
  const size_t at = pos_;
  *item = nullptr;
  const std::string what(clause);
  if (Peek().kind == SqlTokenKind::kInteger) {
    int64_t n = 0;
    if (!common::ParseInt64(Peek().text, &n) || n < 1 ||
        n > static_cast<int64_t>(query_.select.size())) {
      return Fail(pos_, what + " " + Peek().text + ": the select list has " +
                            std::to_string(query_.select.size()) + " items");
    }
    *item = &query_.select[static_cast<size_t>(n - 1)];
    Advance();
  } else if (AtCall()) {
    SelectItem probe;
    ItemPos ignored;
    RETURN_IF_ERROR(ParseCall(probe, ignored));
    for (const SelectItem& s : query_.select) {
      SelectItem unnamed = s;
      unnamed.alias.clear();
      if (s.kind == SelectItem::Kind::kAggregate && unnamed == probe) *item = &s;
    }
    if (*item == nullptr) {
      return Fail(at, what + " " + SqlSelectExpression(probe) + ": " +
                          (what == "HAVING" ? "test" : "order by") +
                          " an aggregate of the select list");
    }
  } else {
    size_t name_at = 0;
    ASSIGN_OR_RETURN(std::string name, ParseField("a result column", &name_at));
    std::string columns;
    bool group = false;
    for (const std::string& g : query_.group_by) {
      group = group || g == name;
      columns += (columns.empty() ? "" : ", ") + g;
    }
    for (const SelectItem& s : query_.select) {
      if (s.kind != SelectItem::Kind::kAggregate) continue;
      if (ItemColumnName(s) == name) *item = &s;
      columns += (columns.empty() ? "" : ", ") + ItemColumnName(s);
    }
    if (group && *item == nullptr) return name;
    for (const DerivedColumn& d : presentation_.derived) {
      if (d.name == name) return name;
    }
    if (*item == nullptr) {
      return Fail(name_at, what + " " + name + ": no result column " + name + " (columns: " +
                               columns + ")");
    }
  }
  return (*item)->kind == SelectItem::Kind::kGroupField ? (*item)->fields[0]
                                                        : ItemColumnName(**item);
}

// One ORDER BY key: a result column, then ASC or DESC and NULLS FIRST or LAST.
Result<SortKey> SqlParser::ParseSortKey() {
  const size_t at = pos_;
  const SelectItem* item = nullptr;
  SortKey key;
  ASSIGN_OR_RETURN(key.column, ParseResultColumn("ORDER BY", &item));
  if (item != nullptr && item->kind == SelectItem::Kind::kAggregate &&
      (item->func == AggFunc::kHistogram || item->func == AggFunc::kRegression)) {
    return Fail(at, "cannot order by " + ItemColumnName(*item) + ": its values are not numbers");
  }
  if (AtKeyword("asc")) {
    Advance();
  } else if (AtKeyword("desc")) {
    Advance();
    key.descending = true;
  }
  key.nulls_first = key.descending;
  if (AtKeyword("nulls")) {
    Advance();
    if (!AtKeyword("first") && !AtKeyword("last")) return Expected("FIRST or LAST after NULLS");
    key.nulls_first = AtKeyword("first");
    Advance();
  }
  return key;
}

// GROUP BY n: the n-th select item, which must be a plain field.
Result<std::string> SqlParser::GroupOrdinal(size_t* at) {
  int64_t n = 0;
  if (!common::ParseInt64(Peek().text, &n) || n < 1 ||
      n > static_cast<int64_t>(query_.select.size())) {
    return Fail(pos_, "GROUP BY " + Peek().text + ": the select list has " +
                          std::to_string(query_.select.size()) + " items");
  }
  const SelectItem& item = query_.select[static_cast<size_t>(n - 1)];
  if (item.kind != SelectItem::Kind::kGroupField) {
    return Fail(pos_, "GROUP BY " + Peek().text + " names an aggregate; group by a field");
  }
  *at = Advance();
  return item.fields[0];
}

Status SqlParser::Trailing(bool had_where, bool had_group, bool had_semicolon) {
  for (std::string_view clause : {"order", "having", "limit", "offset", "join", "union"}) {
    if (AtKeyword(clause) && allow_presentation_ && clause != "join" && clause != "union") {
      return Fail(pos_, "the clauses come in the order GROUP BY, HAVING, ORDER BY, then LIMIT "
                        "and OFFSET, each once");
    }
    if (AtKeyword(clause)) {
      return Fail(pos_, common::ToLower(Peek().text) == "order"
                            ? "ORDER BY is not supported"
                            : Peek().text + " is not supported");
    }
  }
  if (had_semicolon) {
    return Expected("end of input after ';'");
  }
  if (had_group) {
    return Expected("',', ';' or end of input");
  }
  if (had_where) {
    return Expected("AND, OR, GROUP BY, ';' or end of input");
  }
  return Expected("WHERE, GROUP BY, ';' or end of input");
}

}  // namespace sql_internal

Result<Query> ParseSql(std::string_view sql, SqlError* error) {
  if (sql.size() > kMaxQueryTextBytes) {
    std::string message =
        "the query is longer than " + std::to_string(kMaxQueryTextBytes) + " bytes";
    if (error != nullptr) {
      *error = SqlError{0, 0, message, ""};
    }
    return common::InvalidArgument(message);
  }
  ASSIGN_OR_RETURN(AnalystQuery parsed, sql_internal::SqlParser(sql, false).Parse(error));
  return std::move(parsed.query);
}

Status LocateSqlIssue(std::string_view sql, const QueryIssue& issue) {
  if (sql.size() > kMaxQueryTextBytes) return ParseSql(sql).status();
  sql_internal::SqlParser parser(sql, true);
  RETURN_IF_ERROR(parser.Parse(nullptr).status());
  return parser.FailAt(issue);
}

Result<AnalystQuery> ParseAnalystSql(std::string_view sql, SqlError* error) {
  if (sql.size() > kMaxQueryTextBytes) return ParseSql(sql, error).status();
  return sql_internal::SqlParser(sql, true).Parse(error);
}

}  // namespace verbind::federation
