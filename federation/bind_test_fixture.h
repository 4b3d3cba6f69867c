// Shared by the binding tests: the documentation's benefits schema, a node's label codes, and
// helpers that bind SQL and compare predicates. Test code only.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "federation/bind.h"
#include "federation/sql.h"

namespace verbind::federation::bind_testing {

using config::FieldType;
using storage::Predicate;

inline config::Field MakeField(std::string name, FieldType type, int scale = 0) {
  config::Field f;
  f.name = std::move(name);
  f.type = type;
  f.scale = scale;
  return f;
}

// The benefits dataset of the documentation.
inline config::Schema Benefits() {
  config::Schema s;
  s.fields = {MakeField("bsn", FieldType::kIdentifier),             // 0
              MakeField("benefit_type", FieldType::kCategorical),   // 1
              MakeField("monthly_amount", FieldType::kDecimal, 2),  // 2
              MakeField("birth_year", FieldType::kInteger),         // 3
              MakeField("birth_date", FieldType::kDate),            // 4
              MakeField("active", FieldType::kBoolean),             // 5
              MakeField("region", FieldType::kCategorical),         // 6
              MakeField("household_size", FieldType::kInteger)};    // 7
  s.key = 0;
  return s;
}

// Codes for the labels this node has seen.
inline CategoryCodeLookup Codes() {
  return [](size_t field, std::string_view label) -> std::optional<int64_t> {
    static const std::map<std::pair<size_t, std::string>, int64_t> kCodes = {
        {{1, "AOW"}, 0},   {{1, "WW"}, 1},    {{1, "Bijstand"}, 2},
        {{6, "north"}, 0}, {{6, "south"}, 1}, {{6, "12"}, 2}};
    auto it = kCodes.find({field, std::string(label)});
    return it == kCodes.end() ? std::nullopt : std::optional<int64_t>(it->second);
  };
}

// The labels of this node's dictionaries, for LIKE on fields without declared categories.
inline CategoryLabelsLookup Labels() {
  return [](size_t field) -> std::vector<std::string> {
    if (field == 1) {
      return {"AOW", "WW", "Bijstand"};
    }
    return field == 6 ? std::vector<std::string>{"north", "south", "12"}
                      : std::vector<std::string>{};
  };
}

inline common::Result<BoundQuery> BindSql(std::string_view sql) {
  auto q = ParseSql(sql);
  if (!q.ok()) {
    return q.status();
  }
  return BindQuery(*q, Benefits(), Codes(), Labels());
}

// The bound filter of "SELECT count(*) FROM benefits WHERE <where>".
inline Predicate Where(std::string_view where) {
  auto b = BindSql("SELECT count(*) FROM benefits WHERE " + std::string(where));
  EXPECT_TRUE(b.ok()) << where << ": " << b.status().ToString();
  return b.ok() ? b->scan.filter : Predicate::True();
}

inline std::string BindError(std::string_view sql) {
  auto b = BindSql(sql);
  return b.ok() ? "OK" : b.status().message();
}

inline Predicate Leaf(Predicate::Op op, int column, std::vector<int64_t> values = {}) {
  Predicate p;
  p.op = op;
  p.column = column;
  p.values = std::move(values);
  return p;
}

inline Predicate Node(Predicate::Op op, std::vector<Predicate> children) {
  Predicate p;
  p.op = op;
  p.children = std::move(children);
  return p;
}

// Structural equality of predicates (scan.h defines none).
inline bool Same(const Predicate& a, const Predicate& b) {
  if (a.op != b.op || a.column != b.column || a.part != b.part || a.values != b.values ||
      a.column2 != b.column2 || a.multiplier != b.multiplier || a.multiplier2 != b.multiplier2 ||
      a.children.size() != b.children.size()) {
    return false;
  }
  for (size_t i = 0; i < a.children.size(); ++i) {
    if (!Same(a.children[i], b.children[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace verbind::federation::bind_testing
