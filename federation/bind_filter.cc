// Binding of filters (declared in federation/bind.h): literals to storage units and NOT pushed
// down to the leaves with SQL's three-valued logic.
//
// Each node is bound for one of two questions: "is it TRUE?" (negate = false) or "is it
// FALSE?" (negate = true). UNKNOWN answers neither, which is what WHERE needs: NOT (x < 5) is
// x >= 5 and excludes NULL. A comparison with a NULL literal is never TRUE or FALSE.
#include <algorithm>
#include <utility>

#include "common/dates.h"
#include "common/strings.h"
#include "federation/bind.h"
#include "federation/like_pattern.h"
#include "federation/sql.h"

namespace verbind::federation {

using common::Result;
using common::Status;
using config::FieldType;
using storage::Predicate;

namespace {

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// "12.500" -> "12.5", "12.0" -> "12": trailing zeros do not change a number.
std::string TrimFractionZeros(std::string_view text) {
  std::string t(text);
  if (t.find('.') == std::string::npos) {
    return t;
  }
  while (t.back() == '0') {
    t.pop_back();
  }
  if (t.back() == '.') {
    t.pop_back();
  }
  return t;
}

Status DoesNotFit(const std::string& path, const Literal& v, const config::Field& f,
                  std::string_view expected) {
  std::string type(config::FieldTypeName(f.type));
  if (f.type == FieldType::kDecimal) {
    type += "(" + std::to_string(f.scale) + ")";
  }
  return common::InvalidArgument(path + ": " + SqlLiteral(v) + " does not fit " + type +
                                 " field \"" + f.name + "\": expected " + std::string(expected));
}

std::string JoinList(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const std::string& x : v) out += (out.empty() ? "" : std::string(sep)) + x;
  return out;
}

// Edit distance between two short names (bounded input: names and labels of a schema).
size_t Distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// Lower case without '_', '-', '.' and spaces: "Body_Mass" and "bodymass" look alike.
std::string Folded(std::string_view s) {
  std::string out;
  for (char c : common::ToLower(s)) {
    if (c != '_' && c != '-' && c != '.' && c != ' ') out += c;
  }
  return out;
}

// The first n of `v`.
std::vector<std::string> Head(const std::vector<std::string>& v, size_t n) {
  return {v.begin(), v.begin() + static_cast<std::ptrdiff_t>(std::min(n, v.size()))};
}

}  // namespace

std::vector<std::string> Closest(std::string_view word, const std::vector<std::string>& candidates,
                                 size_t at_most) {
  const std::string w = Folded(word);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const std::string& c : candidates) {
    const std::string f = Folded(c);
    size_t d = Distance(w, f);
    bool contains = !w.empty() && !f.empty() &&
                    (f.find(w) != std::string::npos || w.find(f) != std::string::npos);
    size_t limit = std::max<size_t>(2, std::max(w.size(), f.size()) / 3);
    if (contains || d <= limit) scored.emplace_back(contains ? 0 : d, c);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < at_most; ++i) out.push_back(scored[i].second);
  return out;
}

namespace {

// A constant operand: a value in storage units, NULL, a categorical label never seen here, or
// a number between two values the field can hold (40.15 for a field with one decimal: `value`
// is the one below, 40.1, and value + 1 the one above).
struct Operand {
  enum class Kind { kValue, kNull, kNoMatch, kBetweenUnits };
  Kind kind = Kind::kValue;
  int64_t value = 0;
};

Predicate Leaf(Predicate::Op op, int column, std::vector<int64_t> values = {}) {
  Predicate p;
  p.op = op;
  p.column = column;
  p.values = std::move(values);
  return p;
}

Predicate Constant(bool value) {
  Predicate p;
  p.op = value ? Predicate::Op::kTrue : Predicate::Op::kFalse;
  return p;
}

// AND (conj) or OR of `children`, flattened, with constants folded.
Predicate Combine(bool conj, std::vector<Predicate> children) {
  Predicate out;
  out.op = conj ? Predicate::Op::kAnd : Predicate::Op::kOr;
  Predicate::Op identity = conj ? Predicate::Op::kTrue : Predicate::Op::kFalse;
  Predicate::Op absorbing = conj ? Predicate::Op::kFalse : Predicate::Op::kTrue;
  for (Predicate& c : children) {
    if (c.op == identity) {
      continue;
    }
    if (c.op == absorbing) {
      return c;
    }
    if (c.op == out.op) {
      for (Predicate& g : c.children) {
        out.children.push_back(std::move(g));
      }
    } else {
      out.children.push_back(std::move(c));
    }
  }
  if (out.children.empty()) {
    return Constant(conj);
  }
  if (out.children.size() == 1) {
    return std::move(out.children[0]);
  }
  return out;
}

// The operator true exactly when `op` is false for a non-null value.
FilterOp Complement(FilterOp op) {
  switch (op) {
    case FilterOp::kEq:
      return FilterOp::kNe;
    case FilterOp::kNe:
      return FilterOp::kEq;
    case FilterOp::kLt:
      return FilterOp::kGe;
    case FilterOp::kLe:
      return FilterOp::kGt;
    case FilterOp::kGt:
      return FilterOp::kLe;
    default:
      return FilterOp::kLt;  // kGe
  }
}

Predicate::Op ComparisonLeaf(FilterOp op) {
  switch (op) {
    case FilterOp::kEq:
      return Predicate::Op::kEq;
    case FilterOp::kNe:
      return Predicate::Op::kNe;
    case FilterOp::kLt:
      return Predicate::Op::kLt;
    case FilterOp::kLe:
      return Predicate::Op::kLe;
    case FilterOp::kGt:
      return Predicate::Op::kGt;
    default:
      return Predicate::Op::kGe;
  }
}

// "column op operand is TRUE" (negate: "... is FALSE").
Predicate Comparison(FilterOp op, const Operand& operand, bool negate, int column) {
  FilterOp effective = negate ? Complement(op) : op;
  switch (operand.kind) {
    case Operand::Kind::kNull:
      return Constant(false);
    case Operand::Kind::kNoMatch:  // only = and != reach here
      return effective == FilterOp::kEq ? Constant(false) : Leaf(Predicate::Op::kIsNotNull, column);
    case Operand::Kind::kBetweenUnits:
      // No value of the field equals it; x < 40.15 is x <= 40.1, x > 40.15 is x >= 40.2.
      switch (effective) {
        case FilterOp::kEq:
          return Constant(false);
        case FilterOp::kNe:
          return Leaf(Predicate::Op::kIsNotNull, column);
        case FilterOp::kLt:
        case FilterOp::kLe:
          return Leaf(Predicate::Op::kLe, column, {operand.value});
        default:
          return Leaf(Predicate::Op::kGe, column, {operand.value + 1});
      }
    case Operand::Kind::kValue:
      break;
  }
  return Leaf(ComparisonLeaf(effective), column, {operand.value});
}

// "column IN operands is TRUE" (want_true) or "... is FALSE".
Predicate InList(const std::vector<Operand>& operands, bool want_true, int column) {
  std::vector<int64_t> known;
  bool has_null = false;
  for (const Operand& o : operands) {
    has_null = has_null || o.kind == Operand::Kind::kNull;
    if (o.kind == Operand::Kind::kValue) {
      known.push_back(o.value);
    }
  }
  std::sort(known.begin(), known.end());
  known.erase(std::unique(known.begin(), known.end()), known.end());
  if (want_true) {
    return known.empty() ? Constant(false) : Leaf(Predicate::Op::kIn, column, known);
  }
  if (has_null) {
    return Constant(false);  // x NOT IN (..., NULL) is never TRUE
  }
  return known.empty() ? Leaf(Predicate::Op::kIsNotNull, column)
                       : Leaf(Predicate::Op::kNotIn, column, known);
}

// "low <= column <= high is TRUE" (want_true) or "... is FALSE".
Predicate Between(const Operand& low, const Operand& high, bool want_true, int column) {
  if (low.kind == Operand::Kind::kValue && high.kind == Operand::Kind::kValue) {
    return Leaf(want_true ? Predicate::Op::kBetween : Predicate::Op::kNotBetween, column,
                {low.value, high.value});
  }
  std::vector<Predicate> parts;
  parts.push_back(Comparison(FilterOp::kGe, low, !want_true, column));
  parts.push_back(Comparison(FilterOp::kLe, high, !want_true, column));
  return Combine(want_true, std::move(parts));
}

bool IsOrdering(FilterOp op) {
  return op == FilterOp::kLt || op == FilterOp::kLe || op == FilterOp::kGt || op == FilterOp::kGe ||
         op == FilterOp::kBetween || op == FilterOp::kNotBetween;
}

std::string ValuePath(const Filter& f, const std::string& path, size_t i) {
  if (f.op == FilterOp::kIn || f.op == FilterOp::kNotIn) {
    return Join(path, "values[" + std::to_string(i) + "]");
  }
  if (f.op == FilterOp::kBetween || f.op == FilterOp::kNotBetween) {
    return Join(path, i == 0 ? "low" : "high");
  }
  return Join(path, "value");
}

class FilterBinder {
 public:
  FilterBinder(const config::Schema& schema, const CategoryCodeLookup& codes,
               const CategoryLabelsLookup& labels)
      : schema_(schema), codes_(codes), labels_(labels) {}

  Result<Predicate> Bind(const Filter& f, bool negate, const std::string& path, int depth) {
    if (depth > kMaxFilterDepth) {
      return common::InvalidArgument(path + ": the filter is nested too deeply");
    }
    if (auto issue = FindFilterNodeIssue(f)) {
      return common::InvalidArgument(Join(path, issue->path) + ": " + issue->message);
    }
    if (f.op == FilterOp::kNot) {
      return Bind(f.args[0], !negate, Join(path, "arg"), depth + 1);
    }
    if (f.op == FilterOp::kAnd || f.op == FilterOp::kOr) {
      std::vector<Predicate> children;
      for (size_t i = 0; i < f.args.size(); ++i) {
        ASSIGN_OR_RETURN(
            Predicate c,
            Bind(f.args[i], negate, Join(path, "args[" + std::to_string(i) + "]"), depth + 1));
        children.push_back(std::move(c));
      }
      return Combine((f.op == FilterOp::kAnd) != negate, std::move(children));
    }
    return BindLeaf(f, negate, path);
  }

 private:
  // A comparison of a calendar part compares the part's values: dates or integers.
  Result<Predicate> BindLeaf(const Filter& f, bool negate, const std::string& path) {
    if (!f.field2.empty()) return BindFieldComparison(f, negate, path);
    ASSIGN_OR_RETURN(BoundField bf, ResolveFieldExpr(schema_, f.field, Join(path, "field")));
    if (bf.part == common::DatePart::kNone) return BindFieldLeaf(f, negate, path, bf);
    config::Field part;
    part.name = bf.name;
    part.type = bf.type;
    ASSIGN_OR_RETURN(Predicate p, BindFieldLeaf(f, negate, path, bf, &part));
    SetPart(p, bf.part);
    return p;
  }

  static void SetPart(Predicate& p, common::DatePart part) {
    for (Predicate& c : p.children) SetPart(c, part);
    if (p.column >= 0) p.part = part;
  }

  // `field` op `field2`: numbers in one unit (the larger scale), dates, or booleans with = and
  // !=. NOT complements the operator, so a row with a NULL side matches neither way.
  Result<Predicate> BindFieldComparison(const Filter& f, bool negate, const std::string& path) {
    ASSIGN_OR_RETURN(BoundField a, ResolveField(schema_, f.field, Join(path, "field")));
    ASSIGN_OR_RETURN(BoundField b, ResolveField(schema_, f.field2, Join(path, "field2")));
    RETURN_IF_ERROR(CheckComparable(f.op, a, b, path));
    Predicate p = Leaf(ComparisonLeaf(negate ? Complement(f.op) : f.op), static_cast<int>(a.index));
    p.column2 = static_cast<int>(b.index);
    const int scale_a = a.type == FieldType::kDecimal ? a.scale : 0;
    const int scale_b = b.type == FieldType::kDecimal ? b.scale : 0;
    p.multiplier = PowerOfTen(std::max(scale_a, scale_b) - scale_a);
    p.multiplier2 = PowerOfTen(std::max(scale_a, scale_b) - scale_b);
    return p;
  }

  static int64_t PowerOfTen(int n) {
    int64_t out = 1;
    for (int i = 0; i < n; ++i) out *= 10;
    return out;
  }

  static Status CheckComparable(FilterOp op, const BoundField& a, const BoundField& b,
                                const std::string& path) {
    auto numeric = [](FieldType t) { return t == FieldType::kInteger || t == FieldType::kDecimal; };
    auto type = [](const BoundField& f) { return std::string(config::FieldTypeName(f.type)); };
    if (a.type == FieldType::kCategorical || b.type == FieldType::kCategorical) {
      const BoundField& c = a.type == FieldType::kCategorical ? a : b;
      return common::InvalidArgument(
          Join(path, "field2") + ": categorical field \"" + c.name +
          "\" cannot be compared with another field (labels are coded per field); compare it "
          "with labels");
    }
    if (!(numeric(a.type) && numeric(b.type)) && a.type != b.type) {
      return common::InvalidArgument(Join(path, "field2") + ": cannot compare " + type(a) +
                                     " field \"" + a.name + "\" with " + type(b) + " field \"" +
                                     b.name + "\"");
    }
    if (a.type == FieldType::kBoolean && IsOrdering(op)) {
      return common::InvalidArgument(Join(path, "op") + ": " + std::string(FilterOpName(op)) +
                                     " needs ordered fields; \"" + a.name + "\" and \"" + b.name +
                                     "\" are boolean");
    }
    return Status::Ok();
  }

  Result<Predicate> BindFieldLeaf(const Filter& f, bool negate, const std::string& path,
                                  const BoundField& bf, const config::Field* as = nullptr) {
    const config::Field& field = as != nullptr ? *as : schema_.fields[bf.index];
    int column = static_cast<int>(bf.index);
    if (IsLike(f.op)) {
      return BindLike(f, field, bf.index, negate, path);
    }
    bool unordered = field.type == FieldType::kCategorical || field.type == FieldType::kBoolean;
    if (unordered && IsOrdering(f.op)) {
      return common::InvalidArgument(Join(path, "op") + ": " + std::string(FilterOpName(f.op)) +
                                     " needs an ordered field; \"" + field.name + "\" is " +
                                     std::string(config::FieldTypeName(field.type)));
    }
    std::vector<Operand> operands;
    for (size_t i = 0; i < f.values.size(); ++i) {
      ASSIGN_OR_RETURN(Operand o, ToOperand(f.values[i], field, bf.index, ValuePath(f, path, i)));
      operands.push_back(o);
    }
    switch (f.op) {
      case FilterOp::kIsNull:
      case FilterOp::kIsNotNull:
        return Leaf((f.op == FilterOp::kIsNull) != negate ? Predicate::Op::kIsNull
                                                          : Predicate::Op::kIsNotNull,
                    column);
      case FilterOp::kIn:
      case FilterOp::kNotIn:
        return InList(operands, (f.op == FilterOp::kIn) != negate, column);
      case FilterOp::kBetween:
      case FilterOp::kNotBetween:
        return Between(operands[0], operands[1], (f.op == FilterOp::kBetween) != negate, column);
      default:
        return Comparison(f.op, operands[0], negate, column);
    }
  }

  // LIKE and ILIKE: an IN list of the codes of the labels the pattern matches, taken from the
  // declared categories when the field has them (public, so what matches does not depend on
  // the data), else from the node's dictionary.
  Result<Predicate> BindLike(const Filter& f, const config::Field& field, size_t index, bool negate,
                             const std::string& path) {
    const bool ignore_case = f.op == FilterOp::kILike || f.op == FilterOp::kNotILike;
    if (field.type != FieldType::kCategorical) {
      return common::InvalidArgument(Join(path, "op") + ": " + (ignore_case ? "ILIKE" : "LIKE") +
                                     " compares categorical fields only; \"" + field.name +
                                     "\" is " + std::string(config::FieldTypeName(field.type)));
    }
    std::vector<std::string> dictionary;
    if (field.categories.empty() && labels_) {
      dictionary = labels_(index);
    }
    std::vector<Operand> operands;
    for (const std::string& label : field.categories.empty() ? dictionary : field.categories) {
      if (!LikeMatches(f.values[0].text, label, ignore_case)) {
        continue;
      }
      if (std::optional<int64_t> code = codes_ ? codes_(index, label) : std::nullopt) {
        operands.push_back(Operand{Operand::Kind::kValue, *code});
      }
    }
    const bool positive = f.op == FilterOp::kLike || f.op == FilterOp::kILike;
    return InList(operands, positive != negate, static_cast<int>(index));
  }

  Result<Operand> ToOperand(const Literal& v, const config::Field& field, size_t index,
                            const std::string& path) {
    if (v.kind == Literal::Kind::kNull) {
      return Operand{Operand::Kind::kNull, 0};
    }
    if (field.type != FieldType::kCategorical) {
      auto units = LiteralToUnits(v, field, path);
      if (units.ok()) return Operand{Operand::Kind::kValue, *units};
      if (auto below = UnitsBelow(v, field)) return Operand{Operand::Kind::kBetweenUnits, *below};
      return units.status();
    }
    if (v.kind == Literal::Kind::kBoolean) {
      return DoesNotFit(path, v, field, "a label");
    }
    std::string label = v.kind == Literal::Kind::kInteger ? std::to_string(v.integer) : v.text;
    if (!field.categories.empty()) {
      ASSIGN_OR_RETURN(label, DeclaredLabel(label, field, path));
    }
    std::optional<int64_t> code = codes_ ? codes_(index, label) : std::nullopt;
    if (!code) {
      return Operand{Operand::Kind::kNoMatch, 0};
    }
    return Operand{Operand::Kind::kValue, *code};
  }

  // The declared label `label` stands for: itself, or the one declared label equal to it
  // ignoring case. InvalidArgument naming the closest declared labels otherwise.
  static Result<std::string> DeclaredLabel(const std::string& label, const config::Field& field,
                                           const std::string& path) {
    std::vector<std::string> folded;
    for (const std::string& c : field.categories) {
      if (c == label) return label;
      if (common::ToLower(c) == common::ToLower(label)) folded.push_back(c);
    }
    if (folded.size() == 1) return folded[0];
    std::string message = path + ": unknown label " + SqlLiteral(Literal::Text(label)) +
                          " for field \"" + field.name + "\"";
    if (folded.size() > 1) {
      return common::InvalidArgument(message + ": it matches " + std::to_string(folded.size()) +
                                     " labels that differ only in case (" +
                                     JoinList(folded, ", ") + "); write one exactly");
    }
    std::vector<std::string> close = Closest(label, field.categories, 3);
    return common::InvalidArgument(
        message + " (" + (close.empty() ? "declared: " : "closest declared: ") +
        JoinList(close.empty() ? Head(field.categories, 10) : close, ", ") + ")");
  }

  // For a number with more decimals than `field` holds, inside the field's range: the largest
  // value in storage units below it.
  static std::optional<int64_t> UnitsBelow(const Literal& v, const config::Field& field) {
    if (field.type != FieldType::kInteger && field.type != FieldType::kDecimal) {
      return std::nullopt;
    }
    if (v.kind != Literal::Kind::kDecimal && v.kind != Literal::Kind::kString) {
      return std::nullopt;
    }
    const std::string text = TrimFractionZeros(v.text);
    size_t point = text.find('.');
    if (point == std::string::npos) return std::nullopt;
    const int scale = field.type == FieldType::kDecimal ? field.scale : 0;
    const size_t keep = point + (scale > 0 ? 1 + static_cast<size_t>(scale) : 0);
    if (keep >= text.size()) return std::nullopt;  // it fits: not this case
    std::string truncated = text.substr(0, keep);  // toward zero
    int64_t units = 0;
    bool parsed = field.type == FieldType::kDecimal
                      ? config::ParseDecimal(truncated, field.scale, &units)
                      : common::ParseInt64(truncated, &units);
    if (!parsed) return std::nullopt;
    // Below a negative number is one unit further from zero.
    if (text[0] == '-') {
      if (units == INT64_MIN) return std::nullopt;
      --units;
    }
    if (units == INT64_MAX) return std::nullopt;
    return units;
  }
  const config::Schema& schema_;
  const CategoryCodeLookup& codes_;
  const CategoryLabelsLookup& labels_;
};

}  // namespace

Result<BoundField> ResolveField(const config::Schema& schema, std::string_view name,
                                const std::string& path) {
  std::optional<size_t> index = schema.FieldIndex(name);
  if (!index) {
    std::vector<std::string> names;
    for (const config::Field& f : schema.fields) {
      if (f.type != FieldType::kIdentifier) names.push_back(f.name);
    }
    std::vector<std::string> close = Closest(name, names, 3);
    std::string hint = close.empty() ? " (fields: " + JoinList(Head(names, 20), ", ") + ")"
                                     : " (did you mean " + JoinList(close, " or ") + "?)";
    return common::InvalidArgument(path + ": unknown field " + common::JsonQuote(name) + hint);
  }
  const config::Field& f = schema.fields[*index];
  if (f.type == FieldType::kIdentifier) {
    return common::InvalidArgument(path + ": field \"" + f.name +
                                   "\" is an identifier and cannot be used in queries");
  }
  return BoundField{*index, f.name, f.type, f.scale};
}

Result<int64_t> LiteralToUnits(const Literal& v, const config::Field& field,
                               const std::string& path) {
  int64_t units = 0;
  bool numeric_text = v.kind == Literal::Kind::kDecimal || v.kind == Literal::Kind::kString;
  switch (field.type) {
    case FieldType::kInteger:
      if (v.kind == Literal::Kind::kInteger) {
        return v.integer;
      }
      if (numeric_text && common::ParseInt64(TrimFractionZeros(v.text), &units)) {
        return units;
      }
      return DoesNotFit(path, v, field, "an integer");
    case FieldType::kDecimal: {
      std::string text =
          v.kind == Literal::Kind::kInteger ? std::to_string(v.integer) : TrimFractionZeros(v.text);
      if ((v.kind == Literal::Kind::kInteger || numeric_text) &&
          config::ParseDecimal(text, field.scale, &units)) {
        return units;
      }
      return DoesNotFit(
          path, v, field,
          "a number in range with at most " + std::to_string(field.scale) + " decimal places");
    }
    case FieldType::kDate: {
      int32_t days = 0;
      if (v.kind == Literal::Kind::kDate && common::ParseIsoDate(v.text, &days)) {
        return static_cast<int64_t>(days);
      }
      return DoesNotFit(path, v, field, "a date 'YYYY-MM-DD'");
    }
    case FieldType::kBoolean:
      if (v.kind == Literal::Kind::kBoolean) {
        return static_cast<int64_t>(v.boolean ? 1 : 0);
      }
      return DoesNotFit(path, v, field, "TRUE or FALSE");
    default:
      return DoesNotFit(path, v, field, "a label");
  }
}

Result<Predicate> BindFilter(const Filter& filter, const config::Schema& schema,
                             const CategoryCodeLookup& codes, const std::string& path,
                             const CategoryLabelsLookup& labels) {
  return FilterBinder(schema, codes, labels).Bind(filter, false, path, 1);
}

}  // namespace verbind::federation
