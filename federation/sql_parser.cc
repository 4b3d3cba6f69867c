#include "federation/internal/sql_parser.h"

#include <charconv>
#include <utility>

namespace verbind::federation::sql_internal {

using common::Result;
using common::Status;

namespace {

// Splits "name[3]" into "name" and 3.
void SplitComponent(std::string_view c, std::string_view* name, std::optional<size_t>* index) {
  size_t bracket = c.find('[');
  *name = c.substr(0, bracket);
  index->reset();
  if (bracket != std::string_view::npos && c.back() == ']') {
    size_t i = 0;
    std::string_view digits = c.substr(bracket + 1, c.size() - bracket - 2);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
    if (ec == std::errc() && p == digits.data() + digits.size()) {
      *index = i;
    }
  }
}

}  // namespace

Result<AnalystQuery> SqlParser::Parse(SqlError* error) {
  Status s = ParseStatement();
  if (s.ok()) {
    s = CheckQuery();
  }
  if (s.ok() && allow_presentation_ && query_.where) {
    s = CheckNullComparisons(*query_.where, where_pos_);
  }
  if (s.ok() && presentation_.having) {
    s = CheckNullComparisons(*presentation_.having, having_pos_);
  }
  if (!s.ok()) {
    if (error != nullptr) {
      *error = error_;
    }
    return s;
  }
  return AnalystQuery{query_, presentation_};  // kept: FailAt reads the query again
}

Status SqlParser::FailAt(const QueryIssue& issue) {
  return Fail(TokenForPath(issue.path), issue.message);
}

Status SqlParser::CheckNullComparisons(const Filter& f, const FilterPos& pos) {
  if (IsLogical(f.op)) {
    for (size_t i = 0; i < f.args.size() && i < pos.args.size(); ++i) {
      RETURN_IF_ERROR(CheckNullComparisons(f.args[i], pos.args[i]));
    }
    return Status::Ok();
  }
  if (f.op == FilterOp::kIn || f.op == FilterOp::kNotIn) return Status::Ok();
  for (size_t i = 0; i < f.values.size() && i < pos.values.size(); ++i) {
    if (f.values[i].kind != Literal::Kind::kNull) continue;
    return Fail(pos.values[i], "a comparison with NULL is never true (NULL is unknown): write " +
                                   SqlName(f.field) +
                                   (f.op == FilterOp::kNe ? " IS NOT NULL" : " IS NULL"));
  }
  return Status::Ok();
}

std::string SqlParser::Describe(const SqlToken& t) {
  auto cut = [](std::string_view s) {
    return s.size() > 40 ? std::string(s.substr(0, 37)) + "..." : std::string(s);
  };
  switch (t.kind) {
    case SqlTokenKind::kEnd:
      return "end of input";
    case SqlTokenKind::kString:
      return "string '" + cut(t.text) + "'";
    case SqlTokenKind::kQuotedName:
      return "'\"" + cut(t.text) + "\"'";
    default:
      return "'" + cut(t.text) + "'";
  }
}

Status SqlParser::Fail(size_t at, std::string message) {
  const SqlToken& t = tokens_[at];
  if (t.kind == SqlTokenKind::kError) {
    message = t.text;
  }
  error_.line = t.line;
  error_.column = t.column;
  error_.message = std::move(message);
  error_.excerpt = SqlExcerpt(sql_, t.offset, t.column);
  std::string text = "line " + std::to_string(t.line) + ", column " + std::to_string(t.column) +
                     ": " + error_.message + "\n" + error_.excerpt;
  text.pop_back();  // the excerpt's final newline
  return common::InvalidArgument(text);
}

Status SqlParser::Expected(std::string_view what) {
  return Fail(pos_, "expected " + std::string(what) + ", found " + Describe(Peek()));
}

Status SqlParser::CheckQuery() {
  std::optional<QueryIssue> issue = FindQueryIssue(query_);
  if (!issue) {
    return Status::Ok();
  }
  return Fail(TokenForPath(issue->path), issue->message);
}

size_t SqlParser::TokenForPath(std::string_view path) const {
  size_t dot = path.find('.');
  std::string_view head = path.substr(0, dot);
  std::string_view rest = dot == std::string_view::npos ? "" : path.substr(dot + 1);
  std::string_view name;
  std::optional<size_t> index;
  SplitComponent(head, &name, &index);
  if (name == "dataset") {
    return dataset_token_;
  }
  if (name == "select" && !item_pos_.empty()) {
    return index && *index < item_pos_.size() ? ItemToken(*index, rest) : item_pos_[0].start;
  }
  if (name == "group_by" && !group_pos_.empty()) {
    return group_pos_[index && *index < group_pos_.size() ? *index : 0];
  }
  if (name == "where" && query_.where) {
    return FilterToken(rest);
  }
  return 0;
}

size_t SqlParser::ItemToken(size_t item, std::string_view rest) const {
  const ItemPos& p = item_pos_[item];
  std::string_view name;
  std::optional<size_t> index;
  SplitComponent(rest, &name, &index);
  size_t field = name == "x" && index ? *index + 1 : (name == "fields" && index ? *index : 0);
  if ((name == "field" || name == "y" || name == "x" || name == "fields") &&
      field < p.fields.size()) {
    return p.fields[field];
  }
  for (auto [key, token] : {std::pair{"lo", p.lo}, std::pair{"hi", p.hi}, std::pair{"bins", p.bins},
                            std::pair{"q", p.q}, std::pair{"as", p.alias}}) {
    if (name == key && token != 0) {
      return token;
    }
  }
  return p.start;
}

size_t SqlParser::FilterToken(std::string_view rest) const {
  const FilterPos* node = &where_pos_;
  while (!rest.empty()) {
    size_t dot = rest.find('.');
    std::string_view name;
    std::optional<size_t> index;
    SplitComponent(rest.substr(0, dot), &name, &index);
    rest = dot == std::string_view::npos ? "" : rest.substr(dot + 1);
    size_t i = index.value_or(0);
    if ((name == "args" || name == "arg") && i < node->args.size()) {
      node = &node->args[i];
      continue;
    }
    if (name == "field2") {
      return node->field2;
    }
    if (name == "high") {
      i = 1;
    }
    if ((name == "values" || name == "value" || name == "low" || name == "high") &&
        i < node->values.size()) {
      return node->values[i];
    }
    break;
  }
  return node->token;
}

}  // namespace verbind::federation::sql_internal
