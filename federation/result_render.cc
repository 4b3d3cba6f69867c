// Renderings of result tables (declared in federation/result.h).
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <functional>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "federation/result.h"

namespace verbind::federation {

using nlohmann::json;

namespace {

std::string Dump(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

// A value as text: strings as they are, null as `null_text`, others as compact JSON.
std::string CellText(const json& v, std::string_view null_text) {
  if (v.is_null()) {
    return std::string(null_text);
  }
  if (v.is_string()) {
    return v.get<std::string>();
  }
  return Dump(v);
}

bool Withheld(const ResultRow& row, size_t value) {
  return row.values[value].status == ValueStatus::kWithheld;
}

json RowJson(const ResultRow& row) {
  json out = json::object();
  out["key"] = row.key;
  out["values"] = json::array();
  for (const ResultValue& v : row.values) {
    out["values"].push_back(v.status == ValueStatus::kWithheld ? json(nullptr) : v.value);
  }
  out["status"] = ValueStatusName(RowStatus(row));
  out["value_status"] = json::array();
  for (const ResultValue& v : row.values) {
    out["value_status"].push_back(ValueStatusName(v.status));
  }
  return out;
}

// Cells of the table as text, header first; `numeric` marks cells to align right.
struct TextGrid {
  std::vector<std::vector<std::string>> cells;
  std::vector<std::vector<bool>> numeric;
};

TextGrid Grid(const ResultTable& t, std::string_view null_text) {
  TextGrid g;
  std::vector<std::string> header;
  for (const ResultColumn& c : t.columns) {
    header.push_back(c.name);
  }
  header.emplace_back("status");
  g.numeric.emplace_back(header.size(), false);
  g.cells.push_back(std::move(header));
  for (const ResultRow& row : t.rows) {
    std::vector<std::string> cells;
    std::vector<bool> numeric;
    for (const json& k : row.key) {
      cells.push_back(CellText(k, null_text));
      numeric.push_back(k.is_number());
    }
    for (size_t i = 0; i < row.values.size(); ++i) {
      bool hidden = Withheld(row, i);
      cells.push_back(hidden ? "(withheld)" : CellText(row.values[i].value, null_text));
      numeric.push_back(!hidden && row.values[i].value.is_number());
    }
    cells.emplace_back(ValueStatusName(RowStatus(row)));
    numeric.push_back(false);
    g.cells.push_back(std::move(cells));
    g.numeric.push_back(std::move(numeric));
  }
  return g;
}

size_t Width(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool IsPlainNumber(std::string_view s) {
  size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  bool digits = false, dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] == '.' && !dot && digits) {
      dot = true;
    } else if (s[i] >= '0' && s[i] <= '9') {
      digits = true;
    } else {
      return false;
    }
  }
  return digits && s.back() != '.';
}

std::string CsvField(std::string text, bool label) {
  if (label && !text.empty() && std::string_view("=+-@\t\r").find(text[0]) != std::string::npos &&
      !IsPlainNumber(text)) {
    text.insert(0, "'");
  }
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    return text;
  }
  std::string out = "\"";
  for (char c : text) {
    out += c;
    if (c == '"') {
      out += '"';
    }
  }
  return out + "\"";
}

// A cell of `row` in table column `column` (group keys first, then values); withheld is null.
const json& Cell(const ResultRow& row, size_t column) {
  static const json kNull;
  if (column < row.key.size()) return row.key[column];
  const ResultValue& v = row.values[column - row.key.size()];
  return v.status == ValueStatus::kWithheld ? kNull : v.value;
}

// A number for numbers and decimal text, else nullopt.
std::optional<long double> Numeric(const json& v) {
  if (v.is_number()) return v.get<long double>();
  if (v.is_string() && IsPlainNumber(v.get_ref<const std::string&>())) {
    return std::strtold(v.get_ref<const std::string&>().c_str(), nullptr);
  }
  return std::nullopt;
}

// -1, 0 or 1 for two non-null cells of one column.
int Compare(const json& a, const json& b) {
  auto x = Numeric(a), y = Numeric(b);
  if (x && y) return *x < *y ? -1 : (*y < *x ? 1 : 0);
  if (a.is_boolean() && b.is_boolean()) return static_cast<int>(a.get<bool>()) - b.get<bool>();
  if (a.is_string() && b.is_string()) {
    int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return 0;  // objects (quantiles with an interval) keep their order
}

enum class Truth { kFalse, kTrue, kUnknown };

Truth Negate(Truth t) {
  return t == Truth::kUnknown ? t : (t == Truth::kTrue ? Truth::kFalse : Truth::kTrue);
}

// A literal as a value of a result cell: numbers (integer or decimal text), text, booleans.
json LiteralValue(const Literal& v) {
  switch (v.kind) {
    case Literal::Kind::kNull: return nullptr;
    case Literal::Kind::kBoolean: return v.boolean;
    case Literal::Kind::kInteger: return v.integer;
    default: return v.text;
  }
}

// -1, 0 or 1; nullopt when the two cannot be compared (a number and a label).
std::optional<int> CompareValues(const json& a, const json& b) {
  auto x = Numeric(a), y = Numeric(b);
  if (x && y) return *x < *y ? -1 : (*y < *x ? 1 : 0);
  if (a.is_boolean() && b.is_boolean()) return static_cast<int>(a.get<bool>()) - b.get<bool>();
  if (a.is_string() && b.is_string() && !x && !y) return Compare(a, b);
  return std::nullopt;
}

// HAVING on one row, with three-valued logic; `column` maps a filter's field to its column.
Truth Evaluate(const Filter& f, const ResultRow& row,
               const std::function<size_t(const std::string&)>& column) {
  switch (f.op) {
    case FilterOp::kAnd:
    case FilterOp::kOr: {
      const bool conj = f.op == FilterOp::kAnd;
      Truth out = conj ? Truth::kTrue : Truth::kFalse;
      for (const Filter& a : f.args) {
        Truth t = Evaluate(a, row, column);
        if (t == (conj ? Truth::kFalse : Truth::kTrue)) return t;
        if (t == Truth::kUnknown) out = Truth::kUnknown;
      }
      return out;
    }
    case FilterOp::kNot:
      return Negate(Evaluate(f.args[0], row, column));
    default:
      break;
  }
  const json& cell = Cell(row, column(f.field));
  if (f.op == FilterOp::kIsNull || f.op == FilterOp::kIsNotNull) {
    return cell.is_null() == (f.op == FilterOp::kIsNull) ? Truth::kTrue : Truth::kFalse;
  }
  if (cell.is_null()) return Truth::kUnknown;
  auto compare = [&](const Literal& v) { return CompareValues(cell, LiteralValue(v)); };
  auto truth = [](bool b) { return b ? Truth::kTrue : Truth::kFalse; };
  switch (f.op) {
    case FilterOp::kIn:
    case FilterOp::kNotIn: {
      Truth found = Truth::kFalse;
      for (const Literal& v : f.values) {
        auto c = compare(v);
        if (!c) {
          found = found == Truth::kTrue ? found : Truth::kUnknown;
        } else if (*c == 0) {
          found = Truth::kTrue;
        }
      }
      return f.op == FilterOp::kIn ? found : Negate(found);
    }
    case FilterOp::kBetween:
    case FilterOp::kNotBetween: {
      auto lo = compare(f.values[0]), hi = compare(f.values[1]);
      if (!lo || !hi) return Truth::kUnknown;
      Truth in = truth(*lo >= 0 && *hi <= 0);
      return f.op == FilterOp::kBetween ? in : Negate(in);
    }
    default: {
      auto c = compare(f.values[0]);
      if (!c) return Truth::kUnknown;
      switch (f.op) {
        case FilterOp::kEq: return truth(*c == 0);
        case FilterOp::kNe: return truth(*c != 0);
        case FilterOp::kLt: return truth(*c < 0);
        case FilterOp::kLe: return truth(*c <= 0);
        case FilterOp::kGt: return truth(*c > 0);
        default: return truth(*c >= 0);
      }
    }
  }
}

// A derived column's value from the row's values, and the worst status of those it read.
std::optional<long double> Derive(const DerivedExpr& e, const ResultRow& row,
                                  const std::function<size_t(const std::string&)>& column,
                                  ValueStatus* status) {
  using K = DerivedExpr::Kind;
  switch (e.kind) {
    case K::kNumber:
      return e.number;
    case K::kColumn: {
      size_t c = column(e.text);
      if (c >= row.key.size()) {
        ValueStatus s = row.values[c - row.key.size()].status;
        if (s == ValueStatus::kWithheld || *status == ValueStatus::kComplete) *status = s;
      }
      return Numeric(Cell(row, c));
    }
    case K::kCoalesce:
      for (const DerivedExpr& a : e.args) {
        if (auto v = Derive(a, row, column, status)) return v;
      }
      return std::nullopt;
    default:
      break;
  }
  std::vector<long double> x;
  for (const DerivedExpr& a : e.args) {
    auto v = Derive(a, row, column, status);
    if (!v) return std::nullopt;
    x.push_back(*v);
  }
  switch (e.kind) {
    case K::kNegate: return -x[0];
    case K::kAdd: return x[0] + x[1];
    case K::kSubtract: return x[0] - x[1];
    case K::kMultiply: return x[0] * x[1];
    case K::kDivide:
      if (x[1] == 0) return std::nullopt;
      return x[0] / x[1];
    case K::kAbs: return std::fabs(x[0]);
    case K::kRound: {
      long double scale = std::pow(10.0L, static_cast<long double>(e.digits));
      return std::round(x[0] * scale) / scale;
    }
    default: return std::nullopt;
  }
}

// A derived number as JSON: an integer when it is whole and exact as a double, else a double;
// null when it is not finite.
json DerivedJson(long double v) {
  if (!std::isfinite(v)) return nullptr;
  if (v == std::floor(v) && std::fabs(v) < 9.0e15L) return static_cast<int64_t>(v);
  return static_cast<double>(v);
}

// Every field a filter names, for checking them against the columns.
void FilterColumns(const Filter& f, std::vector<std::string>* out) {
  if (!f.field.empty()) out->push_back(f.field);
  for (const Filter& a : f.args) FilterColumns(a, out);
}

}  // namespace

common::Status ApplyPresentation(const Presentation& p, ResultTable* t) {
  auto index = [&](const std::string& name) -> std::optional<size_t> {
    for (size_t i = 0; i < t->columns.size(); ++i) {
      if (t->columns[i].name == name) return i;
    }
    return std::nullopt;
  };
  for (const DerivedColumn& d : p.derived) {
    auto column = [&](const std::string& name) { return index(name).value_or(SIZE_MAX); };
    std::vector<std::string> leaves;
    std::function<void(const DerivedExpr&)> collect = [&](const DerivedExpr& e) {
      if (e.kind == DerivedExpr::Kind::kColumn) leaves.push_back(e.text);
      for (const DerivedExpr& a : e.args) collect(a);
    };
    collect(d.expr);
    for (const std::string& n : leaves) {
      if (!index(n)) return common::InvalidArgument(d.name + ": the result has no column " + n);
    }
    for (ResultRow& row : t->rows) {
      ValueStatus status = ValueStatus::kComplete;
      std::optional<long double> v = Derive(d.expr, row, column, &status);
      ResultValue out;
      out.status = status;
      out.value = v ? DerivedJson(*v) : json(nullptr);
      if (status == ValueStatus::kWithheld && v) out.status = ValueStatus::kIncomplete;
      row.values.push_back(std::move(out));
    }
    t->columns.push_back({d.name, ResultColumn::Role::kAggregate, "derived"});
  }
  if (p.having) {
    std::vector<std::string> named;
    FilterColumns(*p.having, &named);
    for (const std::string& n : named) {
      if (!index(n)) return common::InvalidArgument("HAVING " + n + ": the result has no such column");
    }
    auto column = [&](const std::string& name) { return *index(name); };
    std::erase_if(t->rows, [&](const ResultRow& row) {
      return Evaluate(*p.having, row, column) != Truth::kTrue;
    });
  }
  struct Key {
    size_t column;
    const SortKey* spec;
  };
  std::vector<Key> keys;
  for (const SortKey& k : p.order_by) {
    auto it = std::find_if(t->columns.begin(), t->columns.end(),
                           [&](const ResultColumn& c) { return c.name == k.column; });
    if (it == t->columns.end()) {
      return common::InvalidArgument("ORDER BY " + k.column + ": the result has no such column");
    }
    keys.push_back({static_cast<size_t>(it - t->columns.begin()), &k});
  }
  std::stable_sort(t->rows.begin(), t->rows.end(), [&](const ResultRow& a, const ResultRow& b) {
    for (const Key& k : keys) {
      const json& x = Cell(a, k.column);
      const json& y = Cell(b, k.column);
      if (x.is_null() != y.is_null()) return x.is_null() == k.spec->nulls_first;
      if (x.is_null()) continue;
      int c = Compare(x, y);
      if (c != 0) return k.spec->descending ? c > 0 : c < 0;
    }
    return false;
  });
  size_t from = static_cast<size_t>(std::min<int64_t>(p.offset, static_cast<int64_t>(t->rows.size())));
  t->rows.erase(t->rows.begin(), t->rows.begin() + static_cast<std::ptrdiff_t>(from));
  if (p.limit && static_cast<size_t>(*p.limit) < t->rows.size()) {
    t->rows.resize(static_cast<size_t>(*p.limit));
  }
  if (!p.shown.empty()) {
    // The value columns in select-list order; those asked only for a derived column go.
    const size_t groups = t->rows.empty() ? static_cast<size_t>(std::count_if(
                                                t->columns.begin(), t->columns.end(),
                                                [](const ResultColumn& c) {
                                                  return c.role == ResultColumn::Role::kGroup;
                                                }))
                                          : t->rows[0].key.size();
    std::vector<size_t> order;
    for (const std::string& name : p.shown) {
      auto i = index(name);
      if (!i || *i < groups) return common::InvalidArgument("no value column " + name);
      order.push_back(*i);
    }
    std::vector<ResultColumn> columns(t->columns.begin(),
                                      t->columns.begin() + static_cast<std::ptrdiff_t>(groups));
    for (size_t i : order) columns.push_back(t->columns[i]);
    for (ResultRow& row : t->rows) {
      std::vector<ResultValue> values;
      for (size_t i : order) values.push_back(row.values[i - groups]);
      row.values = std::move(values);
    }
    t->columns = std::move(columns);
  }
  for (const auto& [column, alias] : p.renamed) {
    auto i = index(column);
    if (!i || t->columns[*i].role != ResultColumn::Role::kGroup) {
      return common::InvalidArgument("no group column " + column + " to show as " + alias);
    }
    t->columns[*i].name = alias;
  }
  return common::Status::Ok();
}

json ResultToJson(const ResultTable& t) {
  json out = json::object();
  out["columns"] = json::array();
  for (const ResultColumn& c : t.columns) {
    json col = {{"name", c.name},
                {"role", c.role == ResultColumn::Role::kGroup ? "group" : "aggregate"}};
    if (c.role == ResultColumn::Role::kAggregate) {
      col["function"] = c.function;
    }
    out["columns"].push_back(std::move(col));
  }
  out["rows"] = json::array();
  for (const ResultRow& row : t.rows) {
    out["rows"].push_back(RowJson(row));
  }
  return out;
}

std::string RenderTextTable(const ResultTable& t) {
  TextGrid g = Grid(t, "NULL");
  size_t columns = g.cells[0].size();
  std::vector<size_t> widths(columns, 0);
  for (const auto& line : g.cells) {
    for (size_t i = 0; i < columns && i < line.size(); ++i) {
      widths[i] = std::max(widths[i], Width(line[i]));
    }
  }
  std::string out;
  for (size_t r = 0; r < g.cells.size(); ++r) {
    for (size_t i = 0; i < columns && i < g.cells[r].size(); ++i) {
      const std::string& cell = g.cells[r][i];
      std::string pad(widths[i] - Width(cell), ' ');
      out += (i > 0 ? " | " : "") + (g.numeric[r][i] ? pad + cell : cell + pad);
    }
    while (!out.empty() && out.back() == ' ') {
      out.pop_back();
    }
    out += '\n';
    if (r == 0) {
      for (size_t i = 0; i < columns; ++i) {
        out += (i > 0 ? "-+-" : "") + std::string(widths[i], '-');
      }
      out += '\n';
    }
  }
  size_t rows = t.rows.size();
  return out + "(" + std::to_string(rows) + (rows == 1 ? " row)\n" : " rows)\n");
}

std::string RenderCsv(const ResultTable& t) {
  TextGrid g = Grid(t, "");
  std::string out;
  for (size_t r = 0; r < g.cells.size(); ++r) {
    for (size_t i = 0; i < g.cells[r].size(); ++i) {
      bool label = r > 0 && i < t.columns.size() && t.columns[i].role == ResultColumn::Role::kGroup;
      out += (i > 0 ? "," : "") + CsvField(g.cells[r][i], label);
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace verbind::federation
