// Schema inference from CSV files shaped as Dutch government systems export them: the
// delimiter, a decimal comma and words for missing values are detected; booleans, keys,
// identifiers and categories follow from the data, never from a column's name; bounds are
// rounded out; and every choice comes with its evidence.
#include "storage/schema_inference.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "common/dates.h"
#include "storage/internal/field_proposal.h"

namespace verbind::storage {
namespace {

using config::FieldType;

const config::Field& FieldOf(const InferredSchema& s, std::string_view name) {
  auto i = s.schema.FieldIndex(name);
  EXPECT_TRUE(i.has_value()) << name;
  return s.schema.fields[i.value_or(0)];
}

// The evidence for a field, one line after the other.
std::string NotesOf(const InferredSchema& s, std::string_view name) {
  std::string out;
  for (const auto& line : s.field_notes[s.schema.FieldIndex(name).value_or(0)]) out += line + "\n";
  return out;
}

std::string FileNotes(const InferredSchema& s) {
  std::string out;
  for (const auto& line : s.notes) out += line + "\n";
  return out;
}

std::string KeyOf(const InferredSchema& s) {
  return s.schema.key ? s.schema.fields[*s.schema.key].name : "";
}

std::string Num(const char* format, int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, i);
  return buf;
}

TEST(SchemaInference, ReadsSemicolonsDecimalCommasAndMissingWords) {
  std::string csv = "Dossiernummer;Gemeente;Bedrag;Aantal;Peildatum;Toelichting\r\n";
  for (int i = 0; i < 200; ++i) {
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
  EXPECT_EQ(inferred->schema.null_tokens, inferred->csv.null_tokens);
  EXPECT_EQ(inferred->rows, 200);
  const config::Schema& s = inferred->schema;
  ASSERT_EQ(s.fields.size(), 6u);
  EXPECT_EQ(s.fields[0].type, FieldType::kIdentifier);
  EXPECT_EQ(s.key, 0u);
  EXPECT_EQ(s.fields[1].type, FieldType::kCategorical);
  EXPECT_EQ(s.fields[2].type, FieldType::kDecimal);
  EXPECT_EQ(s.fields[2].scale, 2);
  EXPECT_FALSE(s.fields[2].nullable);
  EXPECT_EQ(s.fields[3].type, FieldType::kInteger);
  EXPECT_TRUE(s.fields[3].nullable);
  EXPECT_EQ(s.fields[4].type, FieldType::kDate);
  EXPECT_TRUE(s.fields[4].nullable);
  // NA means missing in the numbers, so it does in the text column too: ingest reads the
  // schema's null_tokens in every column.
  EXPECT_EQ(s.fields[5].type, FieldType::kIdentifier);
  EXPECT_TRUE(s.fields[5].nullable);
  EXPECT_NE(NotesOf(*inferred, "toelichting").find("missing: 50 NA"), std::string::npos)
      << NotesOf(*inferred, "toelichting");
  EXPECT_NE(FileNotes(*inferred).find("NA stands in numeric, date or boolean columns (aantal)"),
            std::string::npos)
      << FileNotes(*inferred);
}

TEST(SchemaInference, KeepsDotDecimalsAndDetectsOtherDelimiters) {
  auto tabs = InferSchemaFromCsv("a\tb\n1.5\t.25\n2\t-.5\n");
  ASSERT_TRUE(tabs.ok()) << tabs.status().ToString();
  EXPECT_EQ(tabs->csv.delimiter, '\t');
  EXPECT_FALSE(tabs->csv.decimal_comma);
  EXPECT_EQ(tabs->schema.fields[0].type, FieldType::kDecimal);
  EXPECT_EQ(tabs->schema.fields[1].type, FieldType::kDecimal);
  EXPECT_EQ(tabs->schema.fields[1].scale, 2);
  // A comma delimiter rules out a decimal comma; '.' alone is a missing value in a number.
  auto commas = InferSchemaFromCsv("a,b\n1,x\n.,y\n3,z\n");
  ASSERT_TRUE(commas.ok());
  EXPECT_FALSE(commas->csv.decimal_comma);
  EXPECT_EQ(commas->schema.fields[0].type, FieldType::kInteger);
  EXPECT_EQ(commas->csv.null_tokens, std::vector<std::string>{"."});
  // A ';' column whose values mix '.' and ',' is not read with a decimal comma.
  auto mixed = InferSchemaFromCsv("a|b\n1,5|x\n2.5|y\n");
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(mixed->csv.delimiter, '|');
  EXPECT_FALSE(mixed->csv.decimal_comma);
}

// A file as users export it: names that end in "id" and a non-unique id column.
std::string Payments(int rows) {
  std::string csv = "id;dossiernummer;paid;valid;actief;region;amount;volgnummer;telling\n";
  const char* regions[] = {"Noord", "Noord", "Noord", "Zuid", "Zuid", "Oost"};
  const char* actief[] = {"ja", "nee", "Ja", "NEE"};
  for (int i = 0; i < rows; ++i) {
    csv += std::to_string(i % 40) + ";" + Num("D%06d", 123 + i) + ";" + (i % 3 ? "1" : "0") + ";" +
           (i % 4 ? "true" : "false") + ";" + actief[i % 4] + ";" + regions[i % 6] + ";" +
           std::to_string(1000 + i * 7) + "," + std::to_string(10 + i % 90) + ";" +
           std::to_string(i + 1) + ";" + std::to_string(i % 3) + "\n";
  }
  return csv;
}

TEST(SchemaInference, FindsTheKeyByUniquenessNeverByName) {
  auto inferred = InferSchemaFromCsv(Payments(600));
  ASSERT_TRUE(inferred.ok()) << inferred.status().ToString();
  const InferredSchema& s = *inferred;
  EXPECT_EQ(KeyOf(s), "dossiernummer");
  EXPECT_EQ(FieldOf(s, "dossiernummer").type, FieldType::kIdentifier);
  EXPECT_FALSE(FieldOf(s, "dossiernummer").nullable);
  EXPECT_NE(NotesOf(s, "dossiernummer")
                .find("every value present and distinct, codes without "
                      "spaces -> identifier, the record key"),
            std::string::npos)
      << NotesOf(s, "dossiernummer");
  // A column named id that is not unique is a number like any other.
  EXPECT_EQ(FieldOf(s, "id").type, FieldType::kInteger);
  // Unique numbers are not keys: the evidence says so and how to make one the key.
  EXPECT_EQ(FieldOf(s, "amount").type, FieldType::kDecimal);
  EXPECT_EQ(FieldOf(s, "volgnummer").type, FieldType::kInteger);
  EXPECT_NE(NotesOf(s, "volgnummer").find("numbers are not proposed as the record key"),
            std::string::npos)
      << NotesOf(s, "volgnummer");
  // The evidence holds counts, ranges and labels, never the values of an identifier.
  for (const auto& lines : s.field_notes) {
    for (const auto& line : lines) EXPECT_EQ(line.find("D000"), std::string::npos) << line;
  }
  for (const auto& line : s.notes) EXPECT_EQ(line.find("D000"), std::string::npos) << line;
}

TEST(SchemaInference, ProposesBooleansOnlyForOnePairOfWords) {
  std::string csv = Payments(600);
  auto inferred = InferSchemaFromCsv(csv);
  ASSERT_TRUE(inferred.ok()) << inferred.status().ToString();
  const InferredSchema& s = *inferred;
  EXPECT_EQ(FieldOf(s, "paid").type, FieldType::kBoolean);  // 0/1, though it ends in "id"
  EXPECT_NE(NotesOf(s, "paid").find("values 1 (400), 0 (200) -> boolean (the pair 1/0)"),
            std::string::npos)
      << NotesOf(s, "paid");
  EXPECT_EQ(FieldOf(s, "valid").type, FieldType::kBoolean);   // true/false
  EXPECT_EQ(FieldOf(s, "actief").type, FieldType::kBoolean);  // ja/nee in any case
  EXPECT_NE(NotesOf(s, "actief").find("(the pair ja/nee)"), std::string::npos);
  EXPECT_EQ(FieldOf(s, "telling").type, FieldType::kInteger);  // 0, 1 and 2

  // Only 1s is a count, not a flag; words of two pairs are no boolean either; NA is missing.
  std::string mixed = "ones,mixed,janee\n";
  for (int i = 0; i < 20; ++i) {
    mixed += std::string("1,") + (i % 2 ? "true," : "0,") +
             (i % 5 ? (i % 2 ? "ja" : "nee") : "NA") + "\n";
  }
  auto m = InferSchemaFromCsv(mixed);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(FieldOf(*m, "ones").type, FieldType::kInteger);
  EXPECT_NE(NotesOf(*m, "ones").find("only 1 seen, not both 1 and 0"), std::string::npos);
  EXPECT_EQ(FieldOf(*m, "mixed").type, FieldType::kCategorical);
  EXPECT_EQ(FieldOf(*m, "janee").type, FieldType::kBoolean);
  EXPECT_TRUE(FieldOf(*m, "janee").nullable);
  EXPECT_EQ(m->schema.null_tokens, std::vector<std::string>{"NA"});
}

TEST(SchemaInference, ProposesAKeyOnlyForCompleteDistinctText) {
  // Unique numbers only, and a text column with a repeat: no key, and the notes say why.
  std::string csv = "nummer,naam\n";
  for (int i = 0; i < 30; ++i)
    csv += std::to_string(5000 + i) + ",n" + std::to_string(i % 29) + "\n";
  auto none = InferSchemaFromCsv(csv);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->schema.key.has_value());
  EXPECT_NE(FileNotes(*none).find("no record key"), std::string::npos) << FileNotes(*none);

  // Text with spaces is not a key, codes are; digits with leading zeros are codes (text), not
  // numbers; a column with an empty field is not complete.
  csv = "omschrijving,postcode,registratie,zaak\n";
  for (int i = 0; i < 30; ++i) {
    csv += "regel " + std::to_string(i) + "," + Num("%04d", 90 + i % 3) + "," + Num("%06d", i) +
           "," + (i == 3 ? "" : "Z" + std::to_string(i)) + "\n";
  }
  auto codes = InferSchemaFromCsv(csv);
  ASSERT_TRUE(codes.ok()) << codes.status().ToString();
  EXPECT_EQ(KeyOf(*codes), "registratie");
  EXPECT_NE(NotesOf(*codes, "registratie").find("digits, some with a leading zero: codes"),
            std::string::npos)
      << NotesOf(*codes, "registratie");
  EXPECT_EQ(FieldOf(*codes, "postcode").type, FieldType::kCategorical);
  EXPECT_EQ(FieldOf(*codes, "zaak").type, FieldType::kCategorical);  // 29 labels, one empty
  EXPECT_NE(NotesOf(*codes, "omschrijving")
                .find("text with spaces is not proposed as the record "
                      "key"),
            std::string::npos)
      << NotesOf(*codes, "omschrijving");

  // In fewer than kMinKeyValues rows every column is easily unique: no key.
  auto few = InferSchemaFromCsv("code,x\nA1,1\nA2,2\nA3,3\n");
  ASSERT_TRUE(few.ok());
  EXPECT_FALSE(few->schema.key.has_value());
}

TEST(SchemaInference, TellsIdentifiersFromCategoriesByCardinality) {
  // A three-value region in a small file is categorical, not an identifier.
  auto small = InferSchemaFromCsv("region,n\nNoord,1\nZuid,2\nOost,3\nZuid,4\n");
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  const config::Field& region = FieldOf(*small, "region");
  EXPECT_EQ(region.type, FieldType::kCategorical);
  // A closed set, most frequent first, then in byte order.
  EXPECT_EQ(region.categories, (std::vector<std::string>{"Zuid", "Noord", "Oost"}));
  EXPECT_NE(NotesOf(*small, "region").find("\"Zuid\" (2), \"Noord\" (1), \"Oost\" (1)"),
            std::string::npos)
      << NotesOf(*small, "region");

  // More than 50 labels: an open set, while they are not mostly distinct; then identifiers.
  std::string csv = "straat,opmerking,gemeente\n";
  for (int i = 0; i < 1000; ++i) {
    csv += "straat " + std::to_string(i % 200) + ",tekst " + std::to_string(i) +
           (i == 0 ? ",\n" : ",g" + std::to_string(i % 3000) + "\n");
  }
  auto large = InferSchemaFromCsv(csv);
  ASSERT_TRUE(large.ok()) << large.status().ToString();
  const config::Field& straat = FieldOf(*large, "straat");
  EXPECT_EQ(straat.type, FieldType::kCategorical);
  EXPECT_TRUE(straat.categories.empty());
  EXPECT_EQ(straat.max_categories, 1000);
  EXPECT_NE(NotesOf(*large, "straat").find("200 labels in 1000 values (more than 50: not listed)"),
            std::string::npos)
      << NotesOf(*large, "straat");
  EXPECT_EQ(FieldOf(*large, "opmerking").type, FieldType::kIdentifier);
  EXPECT_EQ(KeyOf(*large), "");  // opmerking has spaces, gemeente an empty field
  EXPECT_EQ(FieldOf(*large, "gemeente").type, FieldType::kIdentifier);
  EXPECT_TRUE(FieldOf(*large, "gemeente").nullable);
}

TEST(SchemaInference, RoundsBoundsOutwardWithAMargin) {
  struct Case {
    int64_t lo, hi, min, max, step;
  };
  const Case cases[] = {
      {1921, 2009, 1920, 2010, 10},
      {0, 104, 0, 200, 100},
      {1, 5, 0, 6, 1},
      {-37, 12, -40, 20, 10},
      {7, 7, 6, 8, 1},
      {2000, 2000, 1000, 3000, 1000},
      {-5, -1, -6, 0, 1},
      {5, 499999, 0, 500000, 100000},
      {INT64_MIN, INT64_MAX, INT64_MIN, INT64_MAX, INT64_MAX},  // clamped
  };
  for (const Case& c : cases) {
    RoundedBounds b = RoundOut(c.lo, c.hi);
    EXPECT_EQ(b.min, c.min) << c.lo << ".." << c.hi;
    EXPECT_EQ(b.max, c.max) << c.lo << ".." << c.hi;
    EXPECT_EQ(b.step, c.step) << c.lo << ".." << c.hi;
  }
  std::string csv = "geboortejaar,bedrag,startdatum\n";
  for (int i = 0; i < 89; ++i) {
    csv += std::to_string(1921 + i) + "," + std::to_string(i * 54) + "." + Num("%02d", i) + ",20" +
           Num("%02d", 19 + i % 6) + "-03-0" + std::to_string(1 + i % 9) + "\n";
  }
  auto inferred = InferSchemaFromCsv(csv);
  ASSERT_TRUE(inferred.ok()) << inferred.status().ToString();
  const config::Field& year = FieldOf(*inferred, "geboortejaar");
  EXPECT_EQ(year.min, 1920);
  EXPECT_EQ(year.max, 2010);
  EXPECT_NE(NotesOf(*inferred, "geboortejaar")
                .find("integers 1921..2009 -> min 1920, max 2010 (assumed: rounded out to "
                      "multiples of 10)"),
            std::string::npos)
      << NotesOf(*inferred, "geboortejaar");
  const config::Field& amount = FieldOf(*inferred, "bedrag");
  EXPECT_EQ(amount.scale, 2);
  EXPECT_EQ(amount.min, 0);
  EXPECT_EQ(amount.max, 500000);  // 0.00..4752.88: multiples of 1000
  EXPECT_NE(NotesOf(*inferred, "bedrag").find("decimals 0.00..4752.88 with at most 2 decimals"),
            std::string::npos)
      << NotesOf(*inferred, "bedrag");
  const config::Field& start = FieldOf(*inferred, "startdatum");
  EXPECT_EQ(common::FormatIsoDate(static_cast<int32_t>(*start.min)), "2019-01-01");
  EXPECT_EQ(common::FormatIsoDate(static_cast<int32_t>(*start.max)), "2024-12-31");
}

TEST(SchemaInference, ReadsGivenNullTokensInEveryColumn) {
  InferOptions options;
  options.null_tokens = std::vector<std::string>{"onbekend", "-"};
  std::string csv = "soort,aantal\n";
  for (int i = 0; i < 20; ++i) {
    csv += std::string(i % 7 ? (i % 2 ? "a" : "b") : "onbekend") + "," +
           (i % 5 ? std::to_string(i) : "-") + "\n";
  }
  auto inferred = InferSchemaFromCsv(csv, options);
  ASSERT_TRUE(inferred.ok()) << inferred.status().ToString();
  EXPECT_EQ(inferred->schema.null_tokens, (std::vector<std::string>{"onbekend", "-"}));
  EXPECT_EQ(FieldOf(*inferred, "soort").categories, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(FieldOf(*inferred, "soort").nullable);
  EXPECT_EQ(FieldOf(*inferred, "aantal").type, FieldType::kInteger);
  EXPECT_NE(FileNotes(*inferred).find("onbekend (given) means a missing value in every column; "
                                      "it stands in soort\n- (given) means a missing value in "
                                      "every column; it stands in aantal\n"),
            std::string::npos)
      << FileNotes(*inferred);
  // NA is not one of them: here it is a label.
  auto na = InferSchemaFromCsv("x,y\nNA,1\n", options);
  ASSERT_TRUE(na.ok());
  EXPECT_EQ(na->schema.fields[0].categories, std::vector<std::string>{"NA"});
  options.null_tokens = std::vector<std::string>{"a,b"};
  EXPECT_FALSE(InferSchemaFromCsv(csv, options).ok());
}

TEST(SchemaInference, LeavesOutACutOffLastLineAndBadRows) {
  InferOptions options;
  options.truncated = true;
  auto inferred = InferSchemaFromCsv("a,b\n1,x\n2,\"y\n3,z\n4,w\n5,ab", options);
  ASSERT_TRUE(inferred.ok()) << inferred.status().ToString();
  EXPECT_EQ(inferred->rows, 1);
  EXPECT_EQ(inferred->rows_left_out, 1);  // the unterminated quote
  auto whole = InferSchemaFromCsv("a,b\n1,x\n2,y,z\n3,w");
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->rows, 2);
  EXPECT_EQ(whole->rows_left_out, 1);
  EXPECT_FALSE(InferSchemaFromCsv("").ok());
  // A header alone: every field nullable and open, not inferred, and the evidence says so.
  auto header = InferSchemaFromCsv("a;b\n");
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_TRUE(header->schema.fields[0].nullable);
  EXPECT_EQ(NotesOf(*header, "a"),
            "no data rows -> nullable\nno values in the sample -> categorical, an open set (not "
            "inferred from any value: choose the type before creating the dataset)\n");
}

}  // namespace
}  // namespace verbind::storage
