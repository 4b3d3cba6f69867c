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

// A constant operand: a value in storage units, NULL, or a categorical label never seen here.
struct Operand {
  enum class Kind { kValue, kNull, kNoMatch };
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
  FilterBinder(const config::Schema& schema, const CategoryCodeLookup& codes)
      : schema_(schema), codes_(codes) {}

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
  Result<Predicate> BindLeaf(const Filter& f, bool negate, const std::string& path) {
    ASSIGN_OR_RETURN(BoundField bf, ResolveField(schema_, f.field, Join(path, "field")));
    const config::Field& field = schema_.fields[bf.index];
    int column = static_cast<int>(bf.index);
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

  Result<Operand> ToOperand(const Literal& v, const config::Field& field, size_t index,
                            const std::string& path) {
    if (v.kind == Literal::Kind::kNull) {
      return Operand{Operand::Kind::kNull, 0};
    }
    if (field.type != FieldType::kCategorical) {
      ASSIGN_OR_RETURN(int64_t units, LiteralToUnits(v, field, path));
      return Operand{Operand::Kind::kValue, units};
    }
    if (v.kind == Literal::Kind::kBoolean) {
      return DoesNotFit(path, v, field, "a label");
    }
    std::string label = v.kind == Literal::Kind::kInteger ? std::to_string(v.integer) : v.text;
    std::optional<int64_t> code = codes_ ? codes_(index, label) : std::nullopt;
    if (!code) {
      return Operand{Operand::Kind::kNoMatch, 0};
    }
    return Operand{Operand::Kind::kValue, *code};
  }

  const config::Schema& schema_;
  const CategoryCodeLookup& codes_;
};

}  // namespace

Result<BoundField> ResolveField(const config::Schema& schema, std::string_view name,
                                const std::string& path) {
  std::optional<size_t> index = schema.FieldIndex(name);
  if (!index) {
    return common::InvalidArgument(path + ": unknown field " + common::JsonQuote(name));
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
                             const CategoryCodeLookup& codes, const std::string& path) {
  return FilterBinder(schema, codes).Bind(filter, false, path, 1);
}

}  // namespace verbind::federation
