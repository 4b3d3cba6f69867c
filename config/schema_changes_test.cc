#include "config/schema_changes.h"

#include <gtest/gtest.h>

namespace verbind::config {
namespace {

constexpr const char* kV1 = R"(
key = "id"
[[fields]]
name = "id"
type = "identifier"
[[fields]]
name = "kind"
type = "categorical"
categories = ["a", "b"]
[[fields]]
name = "amount"
type = "decimal"
scale = 1
min = "0.0"
max = "100.0"
unit = "EUR"
)";

Schema Parse(const std::string& text) {
  auto s = ParseSchemaToml(text, "schema");
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? *s : Schema{};
}

// kV1 with `from` replaced by `to`.
Schema Edited(const std::string& from, const std::string& to) {
  std::string text = kV1;
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return Parse(text);
}

TEST(SchemaChanges, EqualSchemasHaveNoChanges) {
  EXPECT_TRUE(CompareSchemas(Parse(kV1), Parse(kV1)).empty());
}

TEST(SchemaChanges, AdditionsAndWideningAreCompatible) {
  Schema v1 = Parse(kV1);
  struct Case {
    std::string from, to, what;
    bool in_place;
  };
  std::vector<Case> cases = {
      {R"(["a", "b"])", R"(["a", "b", "c"])", "categories added: \"c\"", true},
      {"min = \"0.0\"", "min = \"-5.0\"", "min lowered", true},
      {"max = \"100.0\"", "max = \"100.5\"", "max raised", true},
      {"scale = 1\nmin = \"0.0\"\nmax = \"100.0\"", "scale = 2\nmin = \"0.00\"\nmax = \"100.00\"",
       "scale 1 -> 2 (stored values are rescaled)", false},
      {"unit = \"EUR\"\n", "unit = \"EUR\"\n[[fields]]\nname = \"note\"\ntype = \"boolean\"\n",
       "added (nullable; stored records hold NULL)", false},
      {"key = \"id\"\n", "key = \"id\"\nnull_tokens = [\"NA\"]\n", "null_tokens changed", true},
  };
  for (const auto& c : cases) {
    auto changes = CompareSchemas(v1, Edited(c.from, c.to));
    ASSERT_EQ(changes.size(), 1u) << c.to << ": " << DescribeChanges(changes);
    EXPECT_EQ(changes[0].what, c.what);
    EXPECT_TRUE(changes[0].compatible) << c.what;
    EXPECT_EQ(changes[0].in_place, c.in_place) << c.what;
  }
}

TEST(SchemaChanges, NarrowingAndRemovalAreIncompatible) {
  Schema v1 = Parse(kV1);
  struct Case {
    std::string from, to, field, what;
  };
  std::vector<Case> cases = {
      {R"(["a", "b"])", R"(["b", "a"])", "kind",
       "categories removed or reordered (only additions at the end are compatible)"},
      {R"(["a", "b"])", R"(["a"])", "kind",
       "categories removed or reordered (only additions at the end are compatible)"},
      {"max = \"100.0\"", "max = \"99.0\"", "amount", "max narrowed"},
      {"unit = \"EUR\"", "unit = \"cent\"", "amount", "unit \"EUR\" -> \"cent\""},
      {"type = \"decimal\"\nscale = 1\nmin = \"0.0\"\nmax = \"100.0\"", "type = \"integer\"",
       "amount", "type decimal -> integer"},
      {"key = \"id\"", "", "", "record key id -> (none)"},
  };
  for (const auto& c : cases) {
    auto changes = CompareSchemas(v1, Edited(c.from, c.to));
    ASSERT_FALSE(changes.empty()) << c.to;
    EXPECT_EQ(changes[0].field, c.field) << c.what;
    EXPECT_EQ(changes[0].what, c.what);
    EXPECT_FALSE(AllCompatible(changes)) << c.what;
  }
  // A non-nullable new field cannot hold the stored records' missing values.
  auto added = CompareSchemas(
      v1, Edited("unit = \"EUR\"\n",
                 "unit = \"EUR\"\n[[fields]]\nname = \"x\"\ntype = \"boolean\"\nnullable = false\n"));
  EXPECT_EQ(DescribeChanges(added), "field x: added, not nullable");
  EXPECT_FALSE(AllCompatible(added));
}

}  // namespace
}  // namespace verbind::config
