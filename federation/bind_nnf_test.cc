// Property test of filter binding: for random filters over random rows with NULLs, the rows
// that SQL's three-valued logic selects from the original filter tree are exactly the rows
// the bound negation-normal-form predicate selects under the storage layer's rules.
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/dates.h"
#include "federation/bind.h"
#include "federation/like_pattern.h"
#include "federation/sql.h"

namespace verbind::federation {
namespace {

using config::FieldType;
using storage::Predicate;

// Columns: 0 integer, 1 decimal(2), 2 categorical, 3 boolean, 4 date.
config::Schema TestSchema() {
  config::Schema s;
  for (auto [name, type, scale] :
       {std::tuple{"n", FieldType::kInteger, 0}, std::tuple{"amount", FieldType::kDecimal, 2},
        std::tuple{"kind", FieldType::kCategorical, 0}, std::tuple{"flag", FieldType::kBoolean, 0},
        std::tuple{"day", FieldType::kDate, 0}}) {
    config::Field f;
    f.name = name;
    f.type = type;
    f.scale = scale;
    s.fields.push_back(f);
  }
  return s;
}

// Labels stored at this node, with their codes; "w" is a label it has never seen.
const std::vector<std::string> kStoredLabels = {"x", "y"};
const std::vector<std::string> kQueryLabels = {"x", "y", "w"};

std::optional<int64_t> CodeOf(size_t, std::string_view label) {
  for (size_t i = 0; i < kStoredLabels.size(); ++i) {
    if (kStoredLabels[i] == label) {
      return static_cast<int64_t>(i);
    }
  }
  return std::nullopt;
}

// The node's dictionary of the categorical column, for LIKE.
std::vector<std::string> LabelsOf(size_t) { return kStoredLabels; }

// LIKE patterns over the labels: some match one, both, none, or depend on case.
const std::vector<std::string> kPatterns = {"x", "%", "_", "y%", "w", "X", "%x%", "__"};

// A row: per column a value in storage units (codes for the categorical) or NULL.
using Row = std::vector<std::optional<int64_t>>;

// --- Reference (a): SQL three-valued logic on the original tree. -------------------------

enum class Truth { kFalse, kUnknown, kTrue };

Truth Not(Truth t) {
  return t == Truth::kTrue ? Truth::kFalse : t == Truth::kFalse ? Truth::kTrue : Truth::kUnknown;
}
Truth And(Truth a, Truth b) {
  if (a == Truth::kFalse || b == Truth::kFalse) {
    return Truth::kFalse;
  }
  return a == Truth::kTrue && b == Truth::kTrue ? Truth::kTrue : Truth::kUnknown;
}
Truth Or(Truth a, Truth b) { return Not(And(Not(a), Not(b))); }
Truth FromBool(bool b) { return b ? Truth::kTrue : Truth::kFalse; }

// The literal's value in the column's units, computed independently of the binder; nullopt
// for NULL. `label` is set for categorical literals instead.
struct Value {
  bool null = false;
  int64_t units = 0;
  std::string label;
};

Value ValueOf(const Literal& v, int column) {
  Value out;
  if (v.kind == Literal::Kind::kNull) {
    out.null = true;
  } else if (column == 2) {
    out.label = v.text;
  } else if (column == 3) {
    out.units = v.boolean ? 1 : 0;
  } else if (column == 4) {
    int32_t days = 0;
    common::ParseIsoDate(v.text, &days);
    out.units = days;
  } else if (v.kind == Literal::Kind::kInteger) {
    out.units = column == 1 ? v.integer * 100 : v.integer;
  } else {  // decimal text "-1.5" or "2.25" for the decimal column
    bool negative = v.text[0] == '-';
    std::string digits = v.text.substr(negative ? 1 : 0);
    size_t dot = digits.find('.');
    std::string fraction = digits.substr(dot + 1) + "00";
    out.units = std::stoll(digits.substr(0, dot)) * 100 + std::stoll(fraction.substr(0, 2));
    out.units = negative ? -out.units : out.units;
  }
  return out;
}

// Compares a non-null row value with a non-null literal: -1, 0, 1, or nullopt when a label
// the row cannot hold.
std::optional<int> Compare(int64_t row, const Value& v, int column) {
  if (column == 2) {
    if (row < 0 || row >= static_cast<int64_t>(kStoredLabels.size()) ||
        kStoredLabels[static_cast<size_t>(row)] != v.label) {
      return std::nullopt;  // differs; only = and != are used on labels
    }
    return 0;
  }
  return row < v.units ? -1 : row > v.units ? 1 : 0;
}

Truth CompareTruth(FilterOp op, const std::optional<int64_t>& row, const Literal& lit, int column) {
  Value v = ValueOf(lit, column);
  if (!row || v.null) {
    return Truth::kUnknown;
  }
  std::optional<int> c = Compare(*row, v, column);
  if (!c) {
    return FromBool(op == FilterOp::kNe);
  }
  switch (op) {
    case FilterOp::kEq:
      return FromBool(*c == 0);
    case FilterOp::kNe:
      return FromBool(*c != 0);
    case FilterOp::kLt:
      return FromBool(*c < 0);
    case FilterOp::kLe:
      return FromBool(*c <= 0);
    case FilterOp::kGt:
      return FromBool(*c > 0);
    default:
      return FromBool(*c >= 0);
  }
}

// Two fields compared by their real values (n in hundredths, as the decimal column is),
// unknown when either is NULL.
Truth CompareFields(FilterOp op, const std::optional<int64_t>& a, int column_a,
                    const std::optional<int64_t>& b, int column_b) {
  if (!a || !b) {
    return Truth::kUnknown;
  }
  int64_t x = column_a == 0 ? *a * 100 : *a;
  int64_t y = column_b == 0 ? *b * 100 : *b;
  switch (op) {
    case FilterOp::kEq:
      return FromBool(x == y);
    case FilterOp::kNe:
      return FromBool(x != y);
    case FilterOp::kLt:
      return FromBool(x < y);
    case FilterOp::kLe:
      return FromBool(x <= y);
    case FilterOp::kGt:
      return FromBool(x > y);
    default:
      return FromBool(x >= y);
  }
}

int ColumnOf(const std::string& field) {
  const std::vector<std::string> names = {"n", "amount", "kind", "flag", "day"};
  return static_cast<int>(std::find(names.begin(), names.end(), field) - names.begin());
}

Truth Evaluate(const Filter& f, const Row& row) {
  switch (f.op) {
    case FilterOp::kNot:
      return Not(Evaluate(f.args[0], row));
    case FilterOp::kAnd:
    case FilterOp::kOr: {
      Truth t = Evaluate(f.args[0], row);
      for (size_t i = 1; i < f.args.size(); ++i) {
        t = f.op == FilterOp::kAnd ? And(t, Evaluate(f.args[i], row))
                                   : Or(t, Evaluate(f.args[i], row));
      }
      return t;
    }
    default:
      break;
  }
  int column = ColumnOf(f.field);
  const std::optional<int64_t>& x = row[static_cast<size_t>(column)];
  if (!f.field2.empty()) {
    return CompareFields(f.op, x, column, row[static_cast<size_t>(ColumnOf(f.field2))],
                         ColumnOf(f.field2));
  }
  switch (f.op) {
    case FilterOp::kIsNull:
      return FromBool(!x);
    case FilterOp::kIsNotNull:
      return FromBool(x.has_value());
    case FilterOp::kIn:
    case FilterOp::kNotIn: {
      Truth t = Truth::kFalse;
      for (const Literal& v : f.values) {
        t = Or(t, CompareTruth(FilterOp::kEq, x, v, column));
      }
      return f.op == FilterOp::kIn ? t : Not(t);
    }
    case FilterOp::kBetween:
    case FilterOp::kNotBetween: {
      Truth t = And(CompareTruth(FilterOp::kGe, x, f.values[0], column),
                    CompareTruth(FilterOp::kLe, x, f.values[1], column));
      return f.op == FilterOp::kBetween ? t : Not(t);
    }
    case FilterOp::kLike:
    case FilterOp::kNotLike:
    case FilterOp::kILike:
    case FilterOp::kNotILike: {
      if (!x) {
        return Truth::kUnknown;
      }
      bool ignore_case = f.op == FilterOp::kILike || f.op == FilterOp::kNotILike;
      Truth t = FromBool(
          LikeMatches(f.values[0].text, kStoredLabels[static_cast<size_t>(*x)], ignore_case));
      return f.op == FilterOp::kLike || f.op == FilterOp::kILike ? t : Not(t);
    }
    default:
      return CompareTruth(f.op, x, f.values[0], column);
  }
}

// --- Reference (b): the storage rules for a bound NNF predicate. ---------------------------

bool Matches(const Predicate& p, const Row& row) {
  switch (p.op) {
    case Predicate::Op::kTrue:
      return true;
    case Predicate::Op::kFalse:
      return false;
    case Predicate::Op::kAnd:
      return std::all_of(p.children.begin(), p.children.end(),
                         [&](const Predicate& c) { return Matches(c, row); });
    case Predicate::Op::kOr:
      return std::any_of(p.children.begin(), p.children.end(),
                         [&](const Predicate& c) { return Matches(c, row); });
    default:
      break;
  }
  const std::optional<int64_t>& x = row[static_cast<size_t>(p.column)];
  if (p.op == Predicate::Op::kIsNull) {
    return !x;
  }
  if (p.op == Predicate::Op::kIsNotNull) {
    return x.has_value();
  }
  if (!x) {
    return false;
  }
  if (p.column2 >= 0) {
    const std::optional<int64_t>& y = row[static_cast<size_t>(p.column2)];
    if (!y) {
      return false;
    }
    // The storage rule: value * multiplier on each side, compared with p.op.
    Predicate scaled = p;
    scaled.column = 0;
    scaled.column2 = -1;
    scaled.values = {*y * p.multiplier2};
    return Matches(scaled, Row{*x * p.multiplier});
  }
  const auto& v = p.values;
  bool in = std::find(v.begin(), v.end(), *x) != v.end();
  switch (p.op) {
    case Predicate::Op::kEq:
      return *x == v[0];
    case Predicate::Op::kNe:
      return *x != v[0];
    case Predicate::Op::kLt:
      return *x < v[0];
    case Predicate::Op::kLe:
      return *x <= v[0];
    case Predicate::Op::kGt:
      return *x > v[0];
    case Predicate::Op::kGe:
      return *x >= v[0];
    case Predicate::Op::kIn:
      return in;
    case Predicate::Op::kNotIn:
      return !in;
    case Predicate::Op::kBetween:
      return v[0] <= *x && *x <= v[1];
    case Predicate::Op::kNotBetween:
      return *x < v[0] || *x > v[1];
    default:
      return false;
  }
}

// --- Random rows and filters. --------------------------------------------------------------

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  Row RandomRow() {
    Row row(5);
    for (int c = 0; c < 5; ++c) {
      if (Chance(5)) {
        continue;  // NULL
      }
      const int64_t ranges[] = {3, 300, 1, 1, 3};
      int64_t r = ranges[c];
      int64_t v = Uniform(c == 2 || c == 3 ? 0 : -r, r);
      row[static_cast<size_t>(c)] = c == 4 ? common::DaysFromCivil(2000, 1, 1) + v : v;
    }
    return row;
  }

  Filter RandomFilter(int depth) {
    if (depth > 1 && !Chance(3)) {
      Filter f;
      int kind = static_cast<int>(Uniform(0, 2));
      f.op = kind == 0 ? FilterOp::kAnd : kind == 1 ? FilterOp::kOr : FilterOp::kNot;
      size_t n = f.op == FilterOp::kNot ? 1 : static_cast<size_t>(Uniform(2, 3));
      for (size_t i = 0; i < n; ++i) {
        f.args.push_back(RandomFilter(depth - 1));
      }
      return f;
    }
    return RandomLeaf();
  }

 private:
  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool Chance(int one_in) { return Uniform(1, one_in) == 1; }

  Literal RandomLiteral(int column) {
    if (Chance(12)) {
      return Literal::Null();
    }
    switch (column) {
      case 0:
        return Literal::Integer(Uniform(-4, 4));
      case 1: {
        if (Chance(3)) {
          return Literal::Integer(Uniform(-3, 3));
        }
        return Literal::Text(ExactDecimal(Uniform(-300, 300)));
      }
      case 2:
        return Literal::Text(kQueryLabels[static_cast<size_t>(Uniform(0, 2))]);
      case 3:
        return Literal::Boolean(Chance(2));
      default:
        return Literal::Text(common::FormatIsoDate(
            static_cast<int32_t>(common::DaysFromCivil(2000, 1, 1) + Uniform(-4, 4))));
    }
  }

  // Decimal text for `units` hundredths: two digits, or one when the second is zero.
  std::string ExactDecimal(int64_t units) {
    int64_t mag = units < 0 ? -units : units;
    std::string text =
        (units < 0 ? "-" : "") + std::to_string(mag / 100) + "." + std::to_string(mag % 100 / 10);
    if (mag % 10 != 0 || Chance(2)) {
      text += std::to_string(mag % 10);
    }
    return text;
  }

  // A comparison of two fields of comparable types: the numbers (integer and decimal in any
  // order), the dates, or the booleans with = and !=.
  Filter RandomFieldComparison() {
    static const std::vector<std::pair<std::string, std::string>> kPairs = {
        {"n", "n"}, {"n", "amount"}, {"amount", "n"}, {"amount", "amount"}, {"day", "day"},
        {"flag", "flag"}};
    const auto& [a, b] = kPairs[static_cast<size_t>(Uniform(0, 5))];
    Filter f;
    f.field = a;
    f.field2 = b;
    const std::vector<FilterOp> ops = {FilterOp::kEq, FilterOp::kNe, FilterOp::kLt,
                                       FilterOp::kLe, FilterOp::kGt, FilterOp::kGe};
    f.op = ops[static_cast<size_t>(Uniform(0, a == "flag" ? 1 : 5))];
    return f;
  }

  Filter RandomLeaf() {
    if (Chance(5)) {
      return RandomFieldComparison();
    }
    Filter f;
    int column = static_cast<int>(Uniform(0, 4));
    f.field = std::vector<std::string>{"n", "amount", "kind", "flag", "day"}[column];
    bool unordered = column == 2 || column == 3;
    std::vector<FilterOp> ops = {FilterOp::kEq,    FilterOp::kNe,     FilterOp::kIn,
                                 FilterOp::kNotIn, FilterOp::kIsNull, FilterOp::kIsNotNull};
    if (!unordered) {
      ops.insert(ops.end(), {FilterOp::kLt, FilterOp::kLe, FilterOp::kGt, FilterOp::kGe,
                             FilterOp::kBetween, FilterOp::kNotBetween});
    }
    if (column == 2) {
      ops.insert(ops.end(),
                 {FilterOp::kLike, FilterOp::kNotLike, FilterOp::kILike, FilterOp::kNotILike});
    }
    f.op = ops[static_cast<size_t>(Uniform(0, static_cast<int64_t>(ops.size()) - 1))];
    if (IsLike(f.op)) {
      f.values.push_back(Literal::Text(
          kPatterns[static_cast<size_t>(Uniform(0, static_cast<int64_t>(kPatterns.size()) - 1))]));
      return f;
    }
    size_t n = 1;
    if (f.op == FilterOp::kIn || f.op == FilterOp::kNotIn) {
      n = static_cast<size_t>(Uniform(1, 4));
    } else if (f.op == FilterOp::kBetween || f.op == FilterOp::kNotBetween) {
      n = 2;
    } else if (f.op == FilterOp::kIsNull || f.op == FilterOp::kIsNotNull) {
      n = 0;
    }
    for (size_t i = 0; i < n; ++i) {
      f.values.push_back(RandomLiteral(column));
    }
    return f;
  }

  std::mt19937_64 rng_;
};

TEST(BindNnf, BoundPredicateSelectsTheRowsThreeValuedLogicSelects) {
  Generator gen(20240531);
  config::Schema schema = TestSchema();
  std::vector<Row> rows;
  for (int i = 0; i < 300; ++i) {
    rows.push_back(gen.RandomRow());
  }
  int selected = 0, total = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    Filter f = gen.RandomFilter(1 + trial % 5);
    ASSERT_FALSE(FindFilterNodeIssue(f).has_value()) << SqlFilter(f);
    auto bound = BindFilter(f, schema, CodeOf, "where", LabelsOf);
    ASSERT_TRUE(bound.ok()) << SqlFilter(f) << ": " << bound.status().ToString();
    for (const Row& row : rows) {
      bool expected = Evaluate(f, row) == Truth::kTrue;
      ASSERT_EQ(Matches(*bound, row), expected) << SqlFilter(f);
      selected += expected ? 1 : 0;
      ++total;
    }
  }
  // The filters are neither trivially empty nor trivially full.
  EXPECT_GT(selected, total / 10);
  EXPECT_LT(selected, total * 9 / 10);
}

TEST(BindNnf, BoundPredicatesAreInNegationNormalForm) {
  Generator gen(7);
  config::Schema schema = TestSchema();
  for (int trial = 0; trial < 500; ++trial) {
    auto bound = BindFilter(gen.RandomFilter(5), schema, CodeOf, "where", LabelsOf);
    ASSERT_TRUE(bound.ok());
    std::vector<const Predicate*> stack = {&*bound};
    while (!stack.empty()) {
      const Predicate* p = stack.back();
      stack.pop_back();
      bool logical = p->op == Predicate::Op::kAnd || p->op == Predicate::Op::kOr;
      if (logical) {
        EXPECT_GE(p->children.size(), 2u);
        for (const Predicate& c : p->children) {
          EXPECT_NE(c.op, p->op);  // flattened
          EXPECT_NE(c.op, Predicate::Op::kTrue);
          EXPECT_NE(c.op, Predicate::Op::kFalse);
          stack.push_back(&c);
        }
      } else {
        EXPECT_TRUE(p->children.empty());
      }
    }
  }
}

}  // namespace
}  // namespace verbind::federation
