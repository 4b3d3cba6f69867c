// The WHERE expression and literals of the SQL subset (see federation/sql_parser.h).
#include <utility>

#include "common/dates.h"
#include "federation/internal/sql_parser.h"

namespace verbind::federation::sql_internal {

using common::Result;
using common::Status;

namespace {

std::optional<FilterOp> ComparisonOp(const SqlToken& t) {
  if (t.kind != SqlTokenKind::kSymbol) {
    return std::nullopt;
  }
  if (t.text == "<>") {
    return FilterOp::kNe;
  }
  for (FilterOp op :
       {FilterOp::kEq, FilterOp::kNe, FilterOp::kLt, FilterOp::kLe, FilterOp::kGt, FilterOp::kGe}) {
    if (FilterOpName(op) == t.text) {
      return op;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<Node> SqlParser::ParseOr(int nesting) {
  if (nesting > kMaxNesting) {
    return Fail(pos_, "the filter is nested too deeply");
  }
  ASSIGN_OR_RETURN(Node first, ParseAnd(nesting));
  if (!AtKeyword("or")) {
    return first;
  }
  Node out;
  out.filter.op = FilterOp::kOr;
  out.pos.token = pos_;
  out.filter.args.push_back(std::move(first.filter));
  out.pos.args.push_back(std::move(first.pos));
  while (AtKeyword("or")) {
    Advance();
    ASSIGN_OR_RETURN(Node next, ParseAnd(nesting));
    out.filter.args.push_back(std::move(next.filter));
    out.pos.args.push_back(std::move(next.pos));
  }
  return out;
}

Result<Node> SqlParser::ParseAnd(int nesting) {
  ASSIGN_OR_RETURN(Node first, ParseNot(nesting));
  if (!AtKeyword("and")) {
    return first;
  }
  Node out;
  out.filter.op = FilterOp::kAnd;
  out.pos.token = pos_;
  out.filter.args.push_back(std::move(first.filter));
  out.pos.args.push_back(std::move(first.pos));
  while (AtKeyword("and")) {
    Advance();
    ASSIGN_OR_RETURN(Node next, ParseNot(nesting));
    out.filter.args.push_back(std::move(next.filter));
    out.pos.args.push_back(std::move(next.pos));
  }
  return out;
}

Result<Node> SqlParser::ParseNot(int nesting) {
  if (!AtKeyword("not")) {
    return ParsePrimary(nesting);
  }
  if (nesting + 1 > kMaxNesting) {
    return Fail(pos_, "the filter is nested too deeply");
  }
  Node out;
  out.filter.op = FilterOp::kNot;
  out.pos.token = Advance();
  ASSIGN_OR_RETURN(Node arg, ParseNot(nesting + 1));
  out.filter.args.push_back(std::move(arg.filter));
  out.pos.args.push_back(std::move(arg.pos));
  return out;
}

Result<Node> SqlParser::ParsePrimary(int nesting) {
  if (!AtSymbol("(")) {
    return ParsePredicate();
  }
  const SqlToken& open = tokens_[Advance()];
  ASSIGN_OR_RETURN(Node inner, ParseOr(nesting + 1));
  if (!AtSymbol(")")) {
    return Fail(pos_, "expected ')' to close the '(' at line " + std::to_string(open.line) +
                          ", column " + std::to_string(open.column) + ", found " +
                          Describe(Peek()));
  }
  Advance();
  return inner;
}

Result<Node> SqlParser::ParsePredicate() {
  Node n;
  const SelectItem* having_item = nullptr;
  if (in_having_) {
    n.pos.token = pos_;
    ASSIGN_OR_RETURN(n.filter.field, ParseResultColumn("HAVING", &having_item));
    if (having_item != nullptr && having_item->kind == SelectItem::Kind::kAggregate &&
        (having_item->func == AggFunc::kHistogram || having_item->func == AggFunc::kRegression)) {
      return Fail(n.pos.token, "HAVING cannot test " + ItemColumnName(*having_item) +
                                   ": its values are not numbers");
    }
  } else {
    if (AtCall() && !AtDateFunction()) {
      return Fail(pos_, "aggregate functions cannot be used in WHERE");
    }
    if (AtCase()) {
      return Fail(pos_, "CASE makes group-by keys; in WHERE, test the field itself");
    }
    ASSIGN_OR_RETURN(n.filter.field, ParseFieldOrPart("a field name, NOT or '('", &n.pos.token));
  }
  if (std::optional<FilterOp> op = ComparisonOp(Peek())) {
    Advance();
    n.filter.op = *op;
    RETURN_IF_ERROR(ParseComparand(n));
  } else {
    RETURN_IF_ERROR(ParseKeywordTest(n));
  }
  if (having_item != nullptr && having_item->kind == SelectItem::Kind::kAggregate) {
    for (size_t i = 0; i < n.filter.values.size() && i < n.pos.values.size(); ++i) {
      Literal::Kind k = n.filter.values[i].kind;
      if (k != Literal::Kind::kInteger && k != Literal::Kind::kDecimal &&
          k != Literal::Kind::kNull) {
        return Fail(n.pos.values[i], "HAVING compares " + n.filter.field + " with a number");
      }
    }
  }
  return n;
}

Status SqlParser::ParseKeywordTest(Node& n) {
  bool negated = false;
  if (AtKeyword("not")) {
    Advance();
    negated = true;
    if (!AtKeyword("in") && !AtKeyword("between") && !AtKeyword("like") && !AtKeyword("ilike")) {
      return Expected("IN, BETWEEN, LIKE or ILIKE after NOT");
    }
  }
  if (AtKeyword("like") || AtKeyword("ilike")) {
    return ParseLike(n, negated);
  }
  if (AtKeyword("in")) {
    Advance();
    n.filter.op = negated ? FilterOp::kNotIn : FilterOp::kIn;
    return ParseInList(n);
  }
  if (AtKeyword("between")) {
    Advance();
    n.filter.op = negated ? FilterOp::kNotBetween : FilterOp::kBetween;
    RETURN_IF_ERROR(ParseValue(n));
    if (!AtKeyword("and")) {
      return Expected("AND");
    }
    Advance();
    return ParseValue(n);
  }
  if (!AtKeyword("is")) {
    return Expected("a comparison (=, !=, <, <=, >, >=, IN, BETWEEN, LIKE, ILIKE or IS)");
  }
  Advance();
  n.filter.op = FilterOp::kIsNull;
  if (AtKeyword("not")) {
    Advance();
    n.filter.op = FilterOp::kIsNotNull;
  }
  if (!AtKeyword("null")) {
    return Expected("NULL");
  }
  Advance();
  return Status::Ok();
}

Status SqlParser::ParseLike(Node& n, bool negated) {
  const bool ignore_case = AtKeyword("ilike");
  const size_t op_token = Advance();
  if (in_having_) {
    return Fail(op_token, "HAVING cannot use LIKE or ILIKE: filter the rows in WHERE");
  }
  n.filter.op = ignore_case ? (negated ? FilterOp::kNotILike : FilterOp::kILike)
                            : (negated ? FilterOp::kNotLike : FilterOp::kLike);
  if (Peek().kind != SqlTokenKind::kString) {
    return Expected("a pattern string after " + std::string(ignore_case ? "ILIKE" : "LIKE") +
                    ", such as 'AO%'");
  }
  n.pos.values.push_back(pos_);
  n.filter.values.push_back(Literal::Text(tokens_[Advance()].text));
  if (AtKeyword("escape")) {
    return Fail(pos_,
                "ESCAPE is not supported: '%' and '_' are always wildcards and '\\' is an "
                "ordinary character");
  }
  return Status::Ok();
}

Status SqlParser::ParseInList(Node& n) {
  if (!AtSymbol("(")) {
    return Expected("'('");
  }
  Advance();
  while (true) {
    if (n.filter.values.size() == kMaxInValues) {
      return Fail(pos_, "an IN list holds at most " + std::to_string(kMaxInValues) + " values");
    }
    RETURN_IF_ERROR(ParseValue(n));
    if (AtSymbol(")")) {
      Advance();
      return Status::Ok();
    }
    if (!AtSymbol(",")) {
      return Expected("',' or ')'");
    }
    Advance();
  }
}

bool SqlParser::AtFieldOperand() const {
  const SqlToken& t = Peek();
  if (t.kind == SqlTokenKind::kQuotedName) {
    return true;
  }
  return t.kind == SqlTokenKind::kName && !IsSqlReservedWord(t.text) &&
         !(AtKeyword("date") && Peek(1).kind == SqlTokenKind::kString);
}

Status SqlParser::ParseComparand(Node& n) {
  if (in_having_ || !AtFieldOperand()) {
    return ParseValue(n);
  }
  if (AtCall()) {
    return Fail(pos_, "a comparison compares a field with a value or with another field, not "
                      "with a function call");
  }
  ASSIGN_OR_RETURN(n.filter.field2, ParseField("a field name", &n.pos.field2));
  return Status::Ok();
}

Status SqlParser::ParseValue(Node& n) {
  size_t at = 0;
  ASSIGN_OR_RETURN(Literal v, ParseLiteral(&at));
  n.filter.values.push_back(std::move(v));
  n.pos.values.push_back(at);
  return Status::Ok();
}

Result<Literal> SqlParser::ParseNumber(size_t* at) {
  *at = pos_;
  std::string sign;
  if (AtSymbol("-")) {
    SqlTokenKind next = Peek(1).kind;
    if (next != SqlTokenKind::kInteger && next != SqlTokenKind::kDecimal) {
      Advance();
      return Expected("a number after '-'");
    }
    Advance();
    sign = "-";
  }
  const SqlToken& t = Peek();
  if (t.kind == SqlTokenKind::kInteger) {
    int64_t v = 0;
    if (!common::ParseInt64(sign + t.text, &v)) {
      return Fail(*at, "integer out of range");
    }
    Advance();
    return Literal::Integer(v);
  }
  std::string text = sign + t.text;
  if (text.size() > kMaxStringBytes) {
    return Fail(*at, "a number longer than " + std::to_string(kMaxStringBytes) + " bytes");
  }
  Advance();
  return Literal::Text(text);
}

Result<Literal> SqlParser::ParseLiteral(size_t* at) {
  *at = pos_;
  SqlTokenKind kind = Peek().kind;
  if (AtSymbol("-") || kind == SqlTokenKind::kInteger || kind == SqlTokenKind::kDecimal) {
    return ParseNumber(at);
  }
  if (kind == SqlTokenKind::kString) {
    return Literal::Text(tokens_[Advance()].text);
  }
  if (AtKeyword("date") && Peek(1).kind == SqlTokenKind::kString) {
    Advance();
    int32_t days = 0;
    if (!common::ParseIsoDate(Peek().text, &days)) {
      return Fail(pos_, "invalid date '" + Peek().text.substr(0, 40) + "': expected 'YYYY-MM-DD'");
    }
    Literal v = Literal::Text(Peek().text);
    Advance();
    return v;
  }
  for (auto [word, value] :
       {std::pair{"true", Literal::Boolean(true)}, std::pair{"false", Literal::Boolean(false)},
        std::pair{"null", Literal::Null()}}) {
    if (AtKeyword(word)) {
      Advance();
      return value;
    }
  }
  return Expected("a value (a number, 'text', DATE 'YYYY-MM-DD', TRUE, FALSE or NULL)");
}

}  // namespace verbind::federation::sql_internal
