// The SQL subset's recursive-descent parser, private to federation/sql*.cc: sql.cc parses
// the statement, sql_filter_parser.cc the WHERE expression and literals, sql_parser.cc
// reports errors at tokens (also FindQueryIssue problems, through the positions recorded
// while parsing). One parser per call; not thread-safe.
#pragma once

#include <algorithm>
#include <utility>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/strings.h"
#include "federation/query.h"
#include "federation/sql.h"
#include "federation/internal/sql_lexer.h"

namespace verbind::federation::sql_internal {

// Parentheses and NOTs nested in the text; the tree depth is checked separately.
constexpr int kMaxNesting = 2 * kMaxFilterDepth + 2;

// Token positions of a filter node, parallel to the Filter tree.
struct FilterPos {
  size_t token = 0;
  std::vector<FilterPos> args;
  std::vector<size_t> values;
  size_t field2 = 0;  // the second field of a comparison of two fields
};

// A parsed filter node and where its parts are.
struct Node {
  Filter filter;
  FilterPos pos;
};

// Token positions of a select item.
struct ItemPos {
  size_t start = 0;
  std::vector<size_t> fields;
  size_t lo = 0, hi = 0, bins = 0, q = 0, alias = 0;
};

// Parses one SQL text into a Query, remembering token positions for error messages.
class SqlParser {
 public:
  // With `presentation`, ORDER BY, LIMIT and OFFSET are part of the language.
  SqlParser(std::string_view sql, bool presentation)
      : sql_(sql), tokens_(LexSql(sql)), allow_presentation_(presentation) {}

  // Parses and validates the whole text; fills *error (when not null) on failure.
  common::Result<AnalystQuery> Parse(SqlError* error);
  // After Parse: `issue` (a path into the JSON form and a message) as an error at its token.
  common::Status FailAt(const QueryIssue& issue);
  // The whole text as one CASE expression (a group key), or an error.
  common::Result<FieldExpr> ParseCaseOnly();

 private:
  const SqlToken& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  size_t Advance() {
    size_t at = pos_;
    if (pos_ + 1 < tokens_.size()) {
      ++pos_;
    }
    return at;
  }
  bool AtKeyword(std::string_view kw, size_t ahead = 0) const {
    const SqlToken& t = Peek(ahead);
    return t.kind == SqlTokenKind::kName && common::ToLower(t.text) == kw;
  }
  bool AtSymbol(std::string_view s, size_t ahead = 0) const {
    const SqlToken& t = Peek(ahead);
    return t.kind == SqlTokenKind::kSymbol && t.text == s;
  }
  bool AtCall() const {
    return Peek().kind == SqlTokenKind::kName && !IsSqlReservedWord(Peek().text) &&
           AtSymbol("(", 1);
  }

  // A token as error messages show it: 'FORM', string 'abc', end of input.
  static std::string Describe(const SqlToken& t);
  // Records an error at token `at` (a lexical error there takes precedence).
  common::Status Fail(size_t at, std::string message);
  // "expected <what>, found <the current token>".
  common::Status Expected(std::string_view what);

  common::Status ParseStatement();
  common::Status ParseSelectList();
  common::Status ParseSelectItem();
  common::Status ParseCall(SelectItem& item, ItemPos& pos);
  common::Status ParseCallArgs(SelectItem& item, ItemPos& pos);
  common::Status ParseHistogramArgs(SelectItem& item, ItemPos& pos);
  common::Status ParseQuantileArg(SelectItem& item, ItemPos& pos);
  common::Status ExpectComma(AggFunc f);
  common::Status ParseGroupBy();
  common::Status ParsePresentation();
  common::Result<SortKey> ParseSortKey();
  // Derived columns (the analysts' SQL): arithmetic over aggregates in the select list.
  bool AtDerivedItem() const;
  common::Status ParseDerivedItem();
  common::Result<DerivedExpr> ParseSum(int depth);
  common::Result<DerivedExpr> ParseTerm(int depth);
  common::Result<DerivedExpr> ParseFactor(int depth);
  common::Status FinishDerived();
  // A result column: a select-list position, an aggregate call of the select list, a group-by
  // field or an aggregate's alias. `*item` is the select item it is, when it is one.
  common::Result<std::string> ParseResultColumn(std::string_view clause, const SelectItem** item);
  common::Result<int64_t> ParseCount(std::string_view clause);
  common::Result<std::string> GroupOrdinal(size_t* at);
  common::Status ParseTableAlias();
  // At a name that can be an alias: a quoted name, or a name that is no keyword.
  bool AtAliasName() const;
  common::Status CheckQualifiers();
  // A field name, perhaps qualified by the dataset or its alias (t.field).
  common::Result<std::string> ParseField(std::string_view what, size_t* at);
  // At date_trunc(, extract( or date_part(.
  bool AtDateFunction() const;
  // At CASE WHEN.
  bool AtCase() const { return AtKeyword("case") && AtKeyword("when", 1); }
  // CASE WHEN filter THEN 'label' ... [ELSE 'label'] END, every filter on one field.
  common::Result<FieldExpr> ParseCase();
  // A field or a calendar part of one (date_trunc, extract, date_part), as FieldExpr text.
  common::Result<std::string> ParseFieldOrPart(std::string_view what, size_t* at);
  // The group-by expression a name stands for: a select-list alias of a group item, or itself.
  std::string Unalias(const std::string& name) const;
  common::Status Trailing(bool had_where, bool had_group, bool had_semicolon);
  common::Result<std::string> ParseName(std::string_view what, size_t* at);
  common::Result<std::string> ParseFieldArg(AggFunc f, size_t* at);
  common::Result<Node> ParseOr(int nesting);
  common::Result<Node> ParseAnd(int nesting);
  common::Result<Node> ParseNot(int nesting);
  common::Result<Node> ParsePrimary(int nesting);
  common::Result<Node> ParsePredicate();
  common::Status ParseKeywordTest(Node& n);
  // After the field (and NOT): LIKE or ILIKE and its pattern string.
  common::Status ParseLike(Node& n, bool negated);
  common::Status ParseInList(Node& n);
  common::Status ParseValue(Node& n);
  // At a field name where a comparison's value may stand (not DATE 'x', TRUE, FALSE, NULL).
  bool AtFieldOperand() const;
  // The right side of a comparison: a value, or in WHERE a (qualified) field name.
  common::Status ParseComparand(Node& n);
  common::Result<Literal> ParseNumber(size_t* at);
  common::Result<Literal> ParseLiteral(size_t* at);
  common::Status CheckQuery();
  // The analysts' SQL: a comparison with NULL is never true, so it is refused.
  common::Status CheckNullComparisons(const Filter& f, const FilterPos& pos);
  size_t TokenForPath(std::string_view path) const;
  size_t ItemToken(size_t item, std::string_view rest) const;
  size_t FilterToken(std::string_view rest) const;

  std::string_view sql_;
  std::vector<SqlToken> tokens_;
  size_t pos_ = 0;
  Query query_;
  size_t dataset_token_ = 0;
  std::vector<ItemPos> item_pos_;
  std::vector<size_t> group_pos_;
  FilterPos where_pos_;
  bool allow_presentation_ = false;
  bool in_having_ = false;  // predicates name result columns, not fields
  std::vector<std::string> shown_;  // value columns in select-list order (derived and plain)
  std::vector<std::pair<SelectItem, size_t>> leaves_;  // aggregates inside derived columns
  size_t derived_nodes_ = 0;
  FilterPos having_pos_;
  Presentation presentation_;
  std::string table_alias_;
  std::vector<std::pair<std::string, std::string>> group_aliases_;  // {alias, FieldExpr text}
  std::vector<std::pair<std::string, size_t>> qualifiers_;  // q of q.field, and its token
  SqlError error_;
};

}  // namespace verbind::federation::sql_internal
