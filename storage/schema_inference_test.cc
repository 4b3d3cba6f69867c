// Schema inference from CSV files as Dutch government systems export them: the delimiter,
// a decimal comma and words for missing values are detected and reported with the schema.
#include <gtest/gtest.h>

#include "storage/dataset_store.h"

namespace verbind::storage {
namespace {

TEST(SchemaInference, ReadsSemicolonsDecimalCommasAndMissingWords) {
  std::string csv = "Dossiernummer;Gemeente;Bedrag;Aantal;Peildatum;Toelichting\r\n";
  for (int i = 0; i < 60; ++i) {
    std::string amount = std::to_string(i * 10) + "," + std::to_string(i % 10) + "5";
    std::string count = i % 6 == 0 ? "NA" : std::to_string(i % 9);
    std::string day = i % 5 == 0 ? "NULL" : "2024-03-" + std::to_string(10 + i % 19);
    std::string note = i % 4 == 0 ? "NA" : "\"tekst; " + std::to_string(i) + "\"";
    csv += "D" + std::to_string(i) + ";" + (i % 2 ? "Utrecht" : "Zeist") + ";" +
           (i == 7 ? ",5" : amount) + ";" + count + ";" + day + ";" + note + "\r\n";
  }
  auto inferred = InferSchemaFromCsv(csv);
  ASSERT_TRUE(inferred.ok()) << inferred.status().ToString();
  EXPECT_EQ(inferred->csv.delimiter, ';');
  EXPECT_TRUE(inferred->csv.decimal_comma);
  EXPECT_EQ(inferred->csv.null_tokens, (std::vector<std::string>{"NA", "NULL"}));
  const config::Schema& s = inferred->schema;
  ASSERT_EQ(s.fields.size(), 6u);
  EXPECT_EQ(s.fields[0].type, config::FieldType::kIdentifier);
  EXPECT_EQ(s.key, 0u);
  EXPECT_EQ(s.fields[1].type, config::FieldType::kCategorical);
  EXPECT_EQ(s.fields[2].type, config::FieldType::kDecimal);
  EXPECT_EQ(s.fields[2].scale, 2);
  EXPECT_FALSE(s.fields[2].nullable);
  EXPECT_EQ(s.fields[3].type, config::FieldType::kInteger);
  EXPECT_TRUE(s.fields[3].nullable);
  EXPECT_EQ(s.fields[4].type, config::FieldType::kDate);
  EXPECT_TRUE(s.fields[4].nullable);
  // In a text column NA is a value, not a missing one.
  EXPECT_EQ(s.fields[5].type, config::FieldType::kIdentifier);
  EXPECT_FALSE(s.fields[5].nullable);
}

TEST(SchemaInference, KeepsDotDecimalsAndDetectsOtherDelimiters) {
  auto tabs = InferSchemaFromCsv("a\tb\n1.5\t.25\n2\t-.5\n");
  ASSERT_TRUE(tabs.ok()) << tabs.status().ToString();
  EXPECT_EQ(tabs->csv.delimiter, '\t');
  EXPECT_FALSE(tabs->csv.decimal_comma);
  EXPECT_EQ(tabs->schema.fields[0].type, config::FieldType::kDecimal);
  EXPECT_EQ(tabs->schema.fields[1].type, config::FieldType::kDecimal);
  EXPECT_EQ(tabs->schema.fields[1].scale, 2);
  // A comma delimiter rules out a decimal comma; '.' alone is a missing value in a number.
  auto commas = InferSchemaFromCsv("a,b\n1,x\n.,y\n3,z\n");
  ASSERT_TRUE(commas.ok());
  EXPECT_FALSE(commas->csv.decimal_comma);
  EXPECT_EQ(commas->schema.fields[0].type, config::FieldType::kInteger);
  EXPECT_EQ(commas->csv.null_tokens, std::vector<std::string>{"."});
  // A ';' column whose values mix '.' and ',' is not read with a decimal comma.
  auto mixed = InferSchemaFromCsv("a|b\n1,5|x\n2.5|y\n");
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(mixed->csv.delimiter, '|');
  EXPECT_FALSE(mixed->csv.decimal_comma);
}

}  // namespace
}  // namespace verbind::storage
