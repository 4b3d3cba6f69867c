// The analysts' SQL subset: parsing to a Query with precise error positions, and rendering a
// Query back to SQL (for display and receipts). Grammar: docs/query.md. Pure functions;
// thread-safe.
//
//   SELECT item {, item} FROM dataset [WHERE expr] [GROUP BY field {, field}] [;]
//
// ParseSql gives the same Query as the equivalent JSON form (federation/query_json.h), and
// ParseSql(QueryToSql(q)) == q for every valid q.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "federation/query.h"

namespace verbind::federation {

// Where and why SQL was refused.
struct SqlError {
  int line = 0;         // 1-based; 0 when the error has no position (text too long)
  int column = 0;       // 1-based, counting UTF-8 code points
  std::string message;  // e.g. "expected FROM, found 'FORM'"
  std::string excerpt;  // the source line and a caret line under the token
};

// A query as an analyst writes it: what is asked of every node, and how the requester's node
// shows the finished result.
struct AnalystQuery {
  Query query;
  Presentation presentation;
};

// ParseSql that also takes ORDER BY key [ASC|DESC] [NULLS FIRST|LAST] {, ...}, LIMIT n and
// OFFSET n after GROUP BY. Sort keys name a result column: a group-by field, an aggregate's
// alias, a select-list position (1-based) or an aggregate call that is in the select list.
common::Result<AnalystQuery> ParseAnalystSql(std::string_view sql, SqlError* error = nullptr);

// `issue` of the query in `sql` (a path into the JSON form and a message, as FindQueryIssue
// and BindQuery give them) as InvalidArgument "line L, column C: message" and the excerpt, at
// the token the path names. The error of ParseAnalystSql when `sql` does not parse.
common::Status LocateSqlIssue(std::string_view sql, const QueryIssue& issue);

// Parses and validates (FindQueryIssue) one query. On failure returns InvalidArgument with
// "line L, column C: message" followed by a newline and the excerpt, and fills `*error` when
// it is not null. Never aborts on any input.
common::Result<Query> ParseSql(std::string_view sql, SqlError* error = nullptr);

// The query as one line of SQL: keywords in upper case, names double-quoted only when they
// need it, literals typed (DATE '2024-01-31', 'label', 12.50, TRUE, NULL).
std::string QueryToSql(const Query& query);

// A field or dataset name as SQL: unquoted when it is [a-z][a-z0-9_]* and not a reserved
// word, else "double-quoted".
std::string SqlName(std::string_view name);
// A field or a calendar part of one (FieldExpr text) as SQL: date_trunc('month', "start-date").
std::string SqlFieldExpr(std::string_view text);
// A CASE group key in canonical text (FieldExpr) read back; nullopt unless `text` is one,
// written exactly as FieldExprText writes it.
std::optional<FieldExpr> ParseCaseText(std::string_view text);
// A literal as SQL.
std::string SqlLiteral(const Literal& literal);
// A select item without its alias: "count(*)", "avg(amount)", "histogram(age, 0, 100, 10)".
std::string SqlSelectExpression(const SelectItem& item);
// A filter as SQL; nested and/or are parenthesised.
std::string SqlFilter(const Filter& filter);
// True for the reserved words, in any case (SELECT, FROM, WHERE, GROUP, BY, AND, OR, NOT, IN,
// BETWEEN, IS, NULL, TRUE, FALSE, AS).
bool IsSqlReservedWord(std::string_view word);

}  // namespace verbind::federation
