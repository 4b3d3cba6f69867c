// The SQL statement: select list, FROM, GROUP BY (see federation/sql_parser.h).
#include "federation/sql.h"

#include <charconv>
#include <cstdlib>
#include <map>
#include <set>
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

bool SqlParser::AtDateFunction() const {
  if (!AtCall()) return false;
  const std::string lower = common::ToLower(Peek().text);
  return lower == "date_trunc" || lower == "extract" || lower == "date_part";
}

// The fields that the filter's comparisons name, as FieldExpr texts.
static void NamedFields(const Filter& f, std::set<std::string>* out) {
  if (!IsLogical(f.op)) out->insert(f.field);
  if (!f.field2.empty()) out->insert(f.field2);
  for (const Filter& a : f.args) NamedFields(a, out);
}

// Nodes and literals of a filter: a CASE's bands together are bounded like one WHERE, since
// each band may be tested for every row.
static void CountFilter(const Filter& f, size_t* nodes, size_t* values) {
  ++*nodes;
  *values += f.values.size();
  for (const Filter& a : f.args) CountFilter(a, nodes, values);
}

Result<FieldExpr> SqlParser::ParseCase() {
  const size_t start = pos_;
  Advance();  // CASE
  FieldExpr e;
  std::set<std::string> bases;
  size_t nodes = 0, values = 0;
  auto label = [&](std::string* out) -> Status {
    if (Peek().kind != SqlTokenKind::kString) {
      return Fail(pos_, "a band's label is a string such as 'under 18', found " +
                            Describe(Peek()));
    }
    *out = Peek().text;
    Advance();
    return Status::Ok();
  };
  while (AtKeyword("when")) {
    if (e.bands.size() == kMaxCaseBands) {
      return Fail(pos_, "more than " + std::to_string(kMaxCaseBands) + " WHEN bands");
    }
    Advance();
    const size_t cond = pos_;
    ASSIGN_OR_RETURN(Node n, ParseOr(0));
    CountFilter(n.filter, &nodes, &values);
    if (nodes > kMaxFilterNodes || values > kMaxInValues) {
      return Fail(cond, "the WHEN bands of a CASE have more than " +
                            std::to_string(kMaxFilterNodes) + " conditions or " +
                            std::to_string(kMaxInValues) + " values together");
    }
    std::set<std::string> named;
    NamedFields(n.filter, &named);
    for (const std::string& text : named) {
      std::optional<FieldExpr> f = ParseFieldExpr(text);
      if (!f || !f->bands.empty()) return Fail(cond, "a WHEN cannot hold a CASE");
      bases.insert(f->field);
    }
    if (bases.size() > 1) {
      return Fail(cond, "every WHEN of a CASE group key tests the same field (found " +
                            *bases.begin() + " and " + *std::next(bases.begin()) + ")");
    }
    if (!AtKeyword("then")) return Expected("THEN");
    Advance();
    CaseBand band{std::move(n.filter), {}};
    RETURN_IF_ERROR(label(&band.then));
    e.bands.push_back(std::move(band));
  }
  if (AtKeyword("else")) {
    Advance();
    e.otherwise.emplace();
    RETURN_IF_ERROR(label(&*e.otherwise));
  }
  if (!AtKeyword("end")) return Expected(e.bands.empty() ? "WHEN" : "WHEN, ELSE or END");
  Advance();
  if (bases.empty()) return Fail(start, "a CASE group key tests a field in its WHEN bands");
  e.field = *bases.begin();
  return e;
}

Result<FieldExpr> SqlParser::ParseCaseOnly() {
  if (!AtCase()) return Expected("CASE WHEN");
  ASSIGN_OR_RETURN(FieldExpr e, ParseCase());
  if (Peek().kind != SqlTokenKind::kEnd) return Expected("end of input after END");
  return e;
}

Result<std::string> SqlParser::ParseFieldOrPart(std::string_view what, size_t* at) {
  if (AtCase()) {
    *at = pos_;
    ASSIGN_OR_RETURN(FieldExpr e, ParseCase());
    return FieldExprText(e);
  }
  if (!AtDateFunction()) return ParseField(what, at);
  const std::string function = common::ToLower(Peek().text);
  Advance();
  Advance();  // '('
  const bool extract = function == "extract";
  const SqlToken& unit = Peek();
  const bool ok_token = extract ? unit.kind == SqlTokenKind::kName ||
                                      unit.kind == SqlTokenKind::kString
                                : unit.kind == SqlTokenKind::kString;
  if (!ok_token) {
    return Expected(extract ? "a unit such as YEAR" : "a unit such as 'month'");
  }
  const std::string name = common::ToLower(unit.text);
  FieldExpr e;
  e.part = function == "date_trunc" ? common::TruncationOf(name) : common::ExtractionOf(name);
  if (e.part == common::DatePart::kNone) {
    return Fail(pos_, "unknown unit '" + unit.text + "' for " + function +
                          (function == "date_trunc"
                               ? " (known: day, week, month, quarter, year)"
                               : " (known: year, quarter, month, week, day, dow, isodow, doy)"));
  }
  Advance();
  if (extract ? !AtKeyword("from") : !AtSymbol(",")) return Expected(extract ? "FROM" : "','");
  Advance();
  ASSIGN_OR_RETURN(e.field, ParseField("a date field", at));
  if (!AtSymbol(")")) return Expected("')'");
  Advance();
  return FieldExprText(e);
}

std::string SqlParser::Unalias(const std::string& name) const {
  for (const auto& [alias, expr] : group_aliases_) {
    if (alias == name) return expr;
  }
  return name;
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
  if (AtCall() && !AtDateFunction()) {
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
                     ParseFieldOrPart("a field name or an aggregate such as count(*)", &at));
    item.fields.push_back(field);
    pos.fields.push_back(at);
    const bool as = AtKeyword("as");
    if (as || (AtAliasName() && (AtSymbol(",", 1) || AtKeyword("from", 1)))) {
      if (!allow_presentation_) return Fail(pos_, "a group-by field cannot be renamed");
      if (as) Advance();
      size_t alias_at = 0;
      ASSIGN_OR_RETURN(std::string alias, ParseName("an alias", &alias_at));
      for (const auto& [other, expr] : group_aliases_) {
        if (other == alias) return Fail(alias_at, "duplicate column name \"" + alias + "\"");
      }
      group_aliases_.emplace_back(alias, field);
      presentation_.renamed.emplace_back(field, alias);
    }
  }
  if (item.kind == SelectItem::Kind::kAggregate) shown_.push_back(ItemColumnName(item));
  query_.select.push_back(std::move(item));
  item_pos_.push_back(std::move(pos));
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
    if (AtCall() && !AtDateFunction()) {
      return Fail(pos_, "aggregate functions cannot be used in GROUP BY");
    }
    size_t at = 0;
    std::string field;
    if (Peek().kind == SqlTokenKind::kInteger) {
      ASSIGN_OR_RETURN(field, GroupOrdinal(&at));
    } else {
      ASSIGN_OR_RETURN(field, ParseFieldOrPart("a field name or a select-list position", &at));
      field = Unalias(field);
    }
    query_.group_by.push_back(std::move(field));
    group_pos_.push_back(at);
    if (!AtSymbol(",")) {
      return Status::Ok();
    }
    Advance();
  }
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

std::optional<FieldExpr> ParseCaseText(std::string_view text) {
  if (text.size() > kMaxQueryTextBytes) return std::nullopt;
  auto e = sql_internal::SqlParser(text, false).ParseCaseOnly();
  if (!e.ok() || FieldExprText(*e) != text) return std::nullopt;
  return *std::move(e);
}

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
