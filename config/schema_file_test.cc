#include <gtest/gtest.h>

#include "common/dates.h"
#include "config/schema.h"

namespace verbind::config {
namespace {

constexpr const char* kBenefits = R"(
description = "Benefit recipients"
key = "person_id"

[[fields]]
name = "person_id"
type = "identifier"

[[fields]]
name = "birth_year"
type = "integer"
nullable = false
min = 1900
max = 2030

[[fields]]
name = "region"
type = "categorical"
max_categories = 50

[[fields]]
name = "benefit_type"
type = "categorical"
categories = ["aow", "ww", "wia", "bijstand", "wajong", "zw"]

[[fields]]
name = "monthly_amount"
type = "decimal"
scale = 2
min = "0.00"
max = "99999.99"
description = "Gross amount per month in euro"

[[fields]]
name = "start_date"
type = "date"
min = 1990-01-01

[[fields]]
name = "wmo"
type = "boolean"
)";

TEST(SchemaFile, ParsesEveryTypeAndOption) {
  auto s = ParseSchemaToml(kBenefits, "benefits.toml");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->fields.size(), 7u);
  EXPECT_EQ(s->description, "Benefit recipients");
  ASSERT_TRUE(s->key.has_value());
  EXPECT_EQ(*s->key, 0u);
  EXPECT_FALSE(s->fields[0].nullable);  // the key is implicitly not nullable
  EXPECT_EQ(s->fields[0].type, FieldType::kIdentifier);
  EXPECT_FALSE(s->fields[1].nullable);
  EXPECT_EQ(*s->fields[1].min, 1900);
  EXPECT_EQ(s->fields[2].max_categories, 50);
  EXPECT_EQ(s->fields[3].categories.size(), 6u);
  EXPECT_EQ(s->fields[4].scale, 2);
  EXPECT_EQ(*s->fields[4].max, 9999999);
  EXPECT_EQ(*s->fields[5].min, common::DaysFromCivil(1990, 1, 1));
  EXPECT_TRUE(s->fields[6].nullable);
  EXPECT_EQ(s->FieldIndex("wmo"), 6u);
  EXPECT_FALSE(s->FieldIndex("nope").has_value());
}

TEST(SchemaFile, TomlAndJsonRoundTripExactly) {
  auto s = ParseSchemaToml(kBenefits, "benefits.toml");
  ASSERT_TRUE(s.ok());
  std::string json = SchemaToJson(*s);
  auto back = SchemaFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(SchemaToJson(*back), json);
  auto again = ParseSchemaToml(RenderSchemaToml(*s), "rendered.toml");
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << RenderSchemaToml(*s);
  EXPECT_EQ(SchemaToJson(*again), json);
  // A description with DEL (allowed in JSON, escaped in TOML), as the fuzzer found.
  s->fields[1].description = "gross am\x7funt \x01 per month";
  auto del = ParseSchemaToml(RenderSchemaToml(*s), "rendered.toml");
  ASSERT_TRUE(del.ok()) << del.status().ToString() << "\n" << RenderSchemaToml(*s);
  EXPECT_EQ(del->fields[1].description, s->fields[1].description);
}

struct BadCase {
  const char* toml;
  const char* expect;  // substring of the error
};

TEST(SchemaFile, ErrorsNameTheFileLineAndProblem) {
  const BadCase cases[] = {
      {"[[fields]]\nname = \"a\"\ntype = \"text\"\n", "s.toml:3: field a: unknown type \"text\""},
      {"[[fields]]\nname = \"a\"\ntype = \"integer\"\ncolour = 1\n", "s.toml:4: field a: unknown key colour"},
      {"[[fields]]\nname = \"A b\"\ntype = \"integer\"\n", "s.toml:1: field name \"A b\" is not valid"},
      {"[[fields]]\nname = \"a\"\ntype = \"decimal\"\nscale = 12\n", "scale must be between 0 and 9"},
      {"[[fields]]\nname = \"a\"\ntype = \"decimal\"\nscale = 1\nmin = 0.5\n", "s.toml:5: field a: min: write decimals as strings"},
      {"[[fields]]\nname = \"a\"\ntype = \"decimal\"\nscale = 1\nmin = \"0.55\"\n", "is not a valid decimal with at most 1 decimals"},
      {"[[fields]]\nname = \"a\"\ntype = \"integer\"\nmin = 5\nmax = 1\n", "min is greater than max"},
      {"[[fields]]\nname = \"a\"\ntype = \"boolean\"\nmin = 1\n", "min and max apply to"},
      {"[[fields]]\nname = \"a\"\ntype = \"integer\"\ncategories = [\"x\"]\n", "categories apply to categorical"},
      {"[[fields]]\nname = \"a\"\ntype = \"categorical\"\ncategories = [\"x\", \"x\"]\n", "listed twice"},
      {"[[fields]]\nname = \"a\"\ntype = \"integer\"\n[[fields]]\nname = \"a\"\ntype = \"date\"\n", "s.toml:4: field a is defined twice"},
      {"key = \"a\"\n[[fields]]\nname = \"a\"\ntype = \"integer\"\n", "must be an identifier field"},
      {"key = \"b\"\n[[fields]]\nname = \"a\"\ntype = \"identifier\"\n", "s.toml:1: key names no field: b"},
      {"key = \"a\"\n[[fields]]\nname = \"a\"\ntype = \"identifier\"\nnullable = true\n", "cannot be nullable"},
      {"description = \"x\"\n", "at least one [[fields]]"},
      {"fields = 3\n", "at least one [[fields]]"},
      {"[[fields]]\nname = \"a\"\ntype = \"integer\"\nnullable = \"yes\"\n", "s.toml:4: field a: nullable must be true or false"},
      {"[[fields]]\nname = \"a\"\ntype = \"date\"\nmin = \"2023-02-29\"\n", "is not a valid date"},
      {"[[fields]]\nname = \"a\"\n", "field a needs a type"},
      {"[[fields]\nname = \"a\"\n", "s.toml:1:"},
      {"owner = \"x\"\n[[fields]]\nname = \"a\"\ntype = \"integer\"\n", "s.toml:1: unknown key owner"},
  };
  for (const auto& c : cases) {
    auto s = ParseSchemaToml(c.toml, "s.toml");
    ASSERT_FALSE(s.ok()) << c.toml;
    EXPECT_NE(s.status().message().find(c.expect), std::string::npos)
        << "got: " << s.status().message() << "\nwant: " << c.expect;
  }
}

TEST(SchemaFile, JsonIsStrict) {
  EXPECT_FALSE(SchemaFromJson("{}").ok());
  EXPECT_FALSE(SchemaFromJson("not json").ok());
  EXPECT_FALSE(SchemaFromJson(R"({"fields":[{"name":"a","type":"integer","x":1}]})").ok());
  EXPECT_FALSE(SchemaFromJson(R"({"fields":[{"name":"a","type":"decimal","scale":2,"min":0.5}]})")
                   .ok());
  auto ok = SchemaFromJson(
      R"({"fields":[{"name":"id","type":"identifier"},{"name":"m","type":"decimal","scale":2,"min":"-1.5","max":7}],"key":"id"})");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok->fields[1].min, -150);
  EXPECT_EQ(*ok->fields[1].max, 700);
  EXPECT_FALSE(ok->fields[0].nullable);
}

TEST(Decimal, ParseAndFormat) {
  int64_t u = 0;
  EXPECT_TRUE(ParseDecimal("-12.50", 2, &u));
  EXPECT_EQ(u, -1250);
  EXPECT_TRUE(ParseDecimal("3", 2, &u));
  EXPECT_EQ(u, 300);
  EXPECT_TRUE(ParseDecimal("+0.5", 2, &u));
  EXPECT_EQ(u, 50);
  EXPECT_TRUE(ParseDecimal("92233720368547758.07", 2, &u));
  EXPECT_EQ(u, INT64_MAX);
  EXPECT_TRUE(ParseDecimal("-92233720368547758.08", 2, &u));
  EXPECT_EQ(u, INT64_MIN);
  EXPECT_FALSE(ParseDecimal("92233720368547758.08", 2, &u));
  EXPECT_FALSE(ParseDecimal("1.234", 2, &u));
  for (const char* bad : {"", "-", ".5", "5.", "1e3", "1,5", " 1", "1 ", "--1", "0x10", "1.2.3"}) {
    EXPECT_FALSE(ParseDecimal(bad, 2, &u)) << bad;
  }
  EXPECT_EQ(FormatDecimal(-1250, 2), "-12.50");
  EXPECT_EQ(FormatDecimal(5, 2), "0.05");
  EXPECT_EQ(FormatDecimal(-5, 3), "-0.005");
  EXPECT_EQ(FormatDecimal(7, 0), "7");
  EXPECT_EQ(FormatDecimal(INT64_MIN, 2), "-92233720368547758.08");
}

}  // namespace
}  // namespace verbind::config

namespace verbind::config {
namespace {

TEST(SchemaFile, GridsAreReadValidatedAndRoundTrip) {
  std::string text = std::string(kBenefits);
  text.replace(text.find("description = \"Gross"), 0, "grid = \"250.00\"\n");
  text.replace(text.find("max = 2030"), 10, "max = 2030\ngrid = 10");
  auto s = ParseSchemaToml(text, "b.toml");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->fields[1].grid, 10);
  EXPECT_EQ(GridBins(s->fields[1]), 14);  // 1900..2030 is 131 years: 14 bins of 10
  EXPECT_EQ(s->fields[4].grid, 25000);    // in cents
  EXPECT_EQ(GridBins(s->fields[4]), 400);
  auto json = SchemaFromJson(SchemaToJson(*s));
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(json->fields[4].grid, 25000);
  auto toml = ParseSchemaToml(RenderSchemaToml(*s), "again.toml");
  ASSERT_TRUE(toml.ok()) << toml.status().ToString();
  EXPECT_EQ(toml->fields[1].grid, 10);

  auto bad = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    t.replace(t.find(from), from.size(), to);
    return ParseSchemaToml(t, "b.toml");
  };
  auto fine = bad("grid = 10", "grid = 1");
  ASSERT_TRUE(fine.ok());
  auto too_fine = bad("grid = \"250.00\"", "grid = \"0.01\"");
  ASSERT_FALSE(too_fine.ok());
  EXPECT_NE(too_fine.status().message().find("at most 1000"), std::string::npos)
      << too_fine.status().message();
  EXPECT_FALSE(bad("grid = 10", "grid = 0").ok());
  EXPECT_FALSE(bad("grid = 10", "grid = \"10\"").ok());
  auto no_max = bad("min = 1990-01-01", "min = 1990-01-01\ngrid = 30");
  ASSERT_FALSE(no_max.ok());
  EXPECT_NE(no_max.status().message().find("grid needs"), std::string::npos)
      << no_max.status().message();
}

}  // namespace
}  // namespace verbind::config

namespace verbind::config {
namespace {

TEST(SchemaFile, NullTokensAreReadValidatedAndRoundTrip) {
  std::string text = "null_tokens = [\"NA\", \"NULL\", \".\"]\n" + std::string(kBenefits);
  auto s = ParseSchemaToml(text, "b.toml");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->null_tokens, (std::vector<std::string>{"NA", "NULL", "."}));
  std::string json = SchemaToJson(*s);
  EXPECT_NE(json.find(R"("null_tokens":["NA","NULL","."])"), std::string::npos) << json;
  auto from_json = SchemaFromJson(json);
  ASSERT_TRUE(from_json.ok()) << from_json.status().ToString();
  EXPECT_EQ(from_json->null_tokens, s->null_tokens);
  auto again = ParseSchemaToml(RenderSchemaToml(*s), "again.toml");
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << RenderSchemaToml(*s);
  EXPECT_EQ(SchemaToJson(*again), json);
  // A schema without them has the JSON it had before they existed.
  auto plain = ParseSchemaToml(kBenefits, "b.toml");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(SchemaToJson(*plain).find("null_tokens"), std::string::npos);

  std::string seventeen = "null_tokens = [";
  for (int i = 0; i < 17; ++i) seventeen += (i ? ", \"t" : "\"t") + std::to_string(i) + "\"";
  struct Bad {
    std::string toml;
    const char* expect;
  };
  const Bad cases[] = {
      {"null_tokens = \"NA\"\n", "b.toml:1: null_tokens must be an array of strings"},
      {"null_tokens = [1]\n", "null_tokens must be an array of strings"},
      {"null_tokens = [\"\"]\n", "must be 1-64 bytes"},
      {"null_tokens = [\"a\\tb\"]\n", "without control characters"},
      {"null_tokens = [\"n;v\"]\n", "without control characters, quotes, ','"},
      {"null_tokens = [\"NA\", \"NA\"]\n", "\"NA\" is listed twice"},
      {"null_tokens = [\"" + std::string(65, 'x') + "\"]\n", "must be 1-64 bytes"},
      {seventeen + "]\n", "at most 16 tokens"},
  };
  for (const auto& c : cases) {
    auto bad = ParseSchemaToml(c.toml + std::string(kBenefits), "b.toml");
    ASSERT_FALSE(bad.ok()) << c.toml;
    EXPECT_NE(bad.status().message().find(c.expect), std::string::npos)
        << "got: " << bad.status().message() << "\nwant: " << c.expect;
  }
  EXPECT_FALSE(
      SchemaFromJson(R"({"fields":[{"name":"a","type":"integer"}],"null_tokens":"NA"})").ok());
  EXPECT_FALSE(
      SchemaFromJson(R"({"fields":[{"name":"a","type":"integer"}],"null_tokens":["a\u0001"]})")
          .ok());
}

TEST(SchemaFile, NotesAreRenderedAsCommentsAboveTheirFields) {
  auto s = ParseSchemaToml(kBenefits, "b.toml");
  ASSERT_TRUE(s.ok());
  std::vector<std::vector<std::string>> notes(2);
  notes[1] = {"integers 1921..2009 -> min 1920, max 2010", "a\nb"};
  std::string toml = RenderSchemaToml(*s, notes);
  EXPECT_NE(toml.find("# integers 1921..2009 -> min 1920, max 2010\n# a?b\n[[fields]]\n"
                      "name = \"birth_year\""),
            std::string::npos)
      << toml;
  auto again = ParseSchemaToml(toml, "notes.toml");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(SchemaToJson(*again), SchemaToJson(*s));
}

}  // namespace
}  // namespace verbind::config
