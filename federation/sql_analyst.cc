// The analysts' SQL beyond what peers are asked (see federation/sql.h, ParseAnalystSql):
// derived columns (arithmetic over aggregates) and HAVING, ORDER BY, LIMIT and OFFSET.
#include <cstdlib>
#include <map>
#include <utility>

#include "federation/internal/sql_parser.h"
#include "federation/sql.h"

namespace verbind::federation::sql_internal {

using common::Result;
using common::Status;

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
    ASSIGN_OR_RETURN(std::string name, ParseFieldOrPart("a result column", &name_at));
    name = Unalias(name);
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

}  // namespace verbind::federation::sql_internal
