// Rendering of queries as SQL (declared in federation/sql.h).
#include <array>
#include <charconv>

#include "common/strings.h"
#include "federation/sql.h"

namespace verbind::federation {

namespace {

constexpr std::array<std::string_view, 15> kReserved = {
    "select", "from",    "where", "group", "by",   "and",   "or", "not",
    "in",     "between", "is",    "null",  "true", "false", "as"};

// Shortest text that reads back as `q`, without an exponent ("0.5", "1", "0.00001").
std::string NumberText(double q) {
  char buf[400];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, q, std::chars_format::fixed);
  if (ec != std::errc()) {
    return "0";
  }
  return std::string(buf, end);
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      out += sep;
    }
    out += parts[i];
  }
  return out;
}

std::string Names(const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const std::string& n : names) {
    quoted.push_back(SqlFieldExpr(n));
  }
  return Join(quoted, ", ");
}

std::string_view ComparisonSymbol(FilterOp op) {
  switch (op) {
    case FilterOp::kEq:
      return "=";
    case FilterOp::kNe:
      return "!=";
    case FilterOp::kLt:
      return "<";
    case FilterOp::kLe:
      return "<=";
    case FilterOp::kGt:
      return ">";
    case FilterOp::kGe:
      return ">=";
    default:
      return "?";
  }
}

// values[i], or NULL when an invalid filter lacks it.
std::string ValueSql(const Filter& f, size_t i) {
  return i < f.values.size() ? SqlLiteral(f.values[i]) : std::string("NULL");
}

std::string_view LikeKeyword(FilterOp op) {
  switch (op) {
    case FilterOp::kLike:
      return " LIKE ";
    case FilterOp::kNotLike:
      return " NOT LIKE ";
    case FilterOp::kILike:
      return " ILIKE ";
    default:
      return " NOT ILIKE ";
  }
}

// A LIKE pattern as a quoted string, also when its text is a decimal or a date ('1.5' and
// '2024-01-01' read back as the same literal, and the parser takes only a string after LIKE).
std::string PatternSql(const Filter& f) {
  if (f.values.empty()) {
    return "NULL";
  }
  Literal pattern = f.values[0];
  if (pattern.kind == Literal::Kind::kDecimal || pattern.kind == Literal::Kind::kDate) {
    pattern.kind = Literal::Kind::kString;
  }
  return SqlLiteral(pattern);
}

std::string LeafSql(const Filter& f) {
  std::string field = SqlFieldExpr(f.field);
  switch (f.op) {
    case FilterOp::kIn:
    case FilterOp::kNotIn: {
      std::vector<std::string> values;
      for (const Literal& v : f.values) {
        values.push_back(SqlLiteral(v));
      }
      return field + (f.op == FilterOp::kIn ? " IN (" : " NOT IN (") + Join(values, ", ") + ")";
    }
    case FilterOp::kBetween:
    case FilterOp::kNotBetween:
      return field + (f.op == FilterOp::kBetween ? " BETWEEN " : " NOT BETWEEN ") + ValueSql(f, 0) +
             " AND " + ValueSql(f, 1);
    case FilterOp::kIsNull:
      return field + " IS NULL";
    case FilterOp::kIsNotNull:
      return field + " IS NOT NULL";
    case FilterOp::kLike:
    case FilterOp::kNotLike:
    case FilterOp::kILike:
    case FilterOp::kNotILike:
      return field + std::string(LikeKeyword(f.op)) + PatternSql(f);
    default:
      return field + " " + std::string(ComparisonSymbol(f.op)) + " " +
             (f.field2.empty() ? ValueSql(f, 0) : SqlName(f.field2));
  }
}

std::string Operand(const Filter& f) {
  bool group = f.op == FilterOp::kAnd || f.op == FilterOp::kOr;
  return group ? "(" + SqlFilter(f) + ")" : SqlFilter(f);
}

}  // namespace

bool IsSqlReservedWord(std::string_view word) {
  std::string lower = common::ToLower(word);
  for (std::string_view r : kReserved) {
    if (r == lower) {
      return true;
    }
  }
  return false;
}

std::string SqlName(std::string_view name) {
  bool plain = !name.empty() && name[0] >= 'a' && name[0] <= 'z';
  for (char c : name) {
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (plain && !IsSqlReservedWord(name)) {
    return std::string(name);
  }
  return "\"" + std::string(name) + "\"";
}

std::string SqlFieldExpr(std::string_view text) {
  std::optional<FieldExpr> e = ParseFieldExpr(text);
  if (e && !e->bands.empty()) return std::string(text);
  if (!e || e->part == common::DatePart::kNone) return SqlName(text);
  std::string unit(common::DatePartUnit(e->part));
  if (common::IsTruncation(e->part)) return "date_trunc('" + unit + "', " + SqlName(e->field) + ")";
  return "extract(" + unit + " from " + SqlName(e->field) + ")";
}

std::string SqlLiteral(const Literal& v) {
  switch (v.kind) {
    case Literal::Kind::kNull:
      return "NULL";
    case Literal::Kind::kBoolean:
      return v.boolean ? "TRUE" : "FALSE";
    case Literal::Kind::kInteger:
      return std::to_string(v.integer);
    case Literal::Kind::kDecimal:
      return v.text;
    case Literal::Kind::kDate:
      return "DATE '" + v.text + "'";
    case Literal::Kind::kString:
      break;
  }
  std::string out = "'";
  for (char c : v.text) {
    out += c;
    if (c == '\'') {
      out += '\'';
    }
  }
  return out + "'";
}

std::string SqlSelectExpression(const SelectItem& item) {
  if (item.kind == SelectItem::Kind::kGroupField) {
    return item.fields.empty() ? std::string() : SqlFieldExpr(item.fields[0]);
  }
  std::string out = std::string(AggFuncName(item.func)) + "(";
  if (item.func == AggFunc::kCount && item.fields.empty()) {
    out += "*";
  } else {
    out += Names(item.fields);
  }
  if (item.func == AggFunc::kHistogram) {
    out +=
        ", " + SqlLiteral(item.lo) + ", " + SqlLiteral(item.hi) + ", " + std::to_string(item.bins);
  } else if (item.func == AggFunc::kQuantile) {
    out += ", " + NumberText(item.q);
  }
  return out + ")";
}

std::string SqlFilter(const Filter& f) {
  switch (f.op) {
    case FilterOp::kAnd:
    case FilterOp::kOr: {
      std::vector<std::string> parts;
      for (const Filter& a : f.args) {
        parts.push_back(Operand(a));
      }
      return Join(parts, f.op == FilterOp::kAnd ? " AND " : " OR ");
    }
    case FilterOp::kNot:
      return f.args.empty() ? "NOT" : "NOT " + Operand(f.args[0]);
    default:
      return LeafSql(f);
  }
}

std::string QueryToSql(const Query& q) {
  std::vector<std::string> items;
  for (const SelectItem& item : q.select) {
    std::string text = SqlSelectExpression(item);
    if (!item.alias.empty()) {
      text += " AS " + SqlName(item.alias);
    }
    items.push_back(std::move(text));
  }
  std::string out = "SELECT " + Join(items, ", ") + " FROM " + SqlName(q.dataset);
  if (q.where) {
    out += " WHERE " + SqlFilter(*q.where);
  }
  if (!q.group_by.empty()) {
    out += " GROUP BY " + Names(q.group_by);
  }
  return out;
}

}  // namespace verbind::federation
