#include "storage/csv_reader.h"

#include <gtest/gtest.h>

namespace verbind::storage {
namespace {

struct Seen {
  int64_t line;
  std::vector<std::string> fields;
  std::string error;
  int error_field;
};

class Collect final : public CsvRowSink {
 public:
  bool OnRow(const CsvRow& row) override {
    Seen s{row.line, {}, std::string(row.error), row.error_field};
    for (size_t i = 0; i < row.size(); ++i) s.fields.emplace_back(row.field(i));
    rows.push_back(std::move(s));
    return true;
  }
  std::vector<Seen> rows;
};

std::vector<Seen> Read(std::string_view text, size_t piece = 0, CsvLimits limits = {},
                       char delimiter = ',') {
  Collect c;
  CsvReader r(&c, limits, delimiter);
  if (piece == 0) {
    r.Feed(text);
  } else {
    for (size_t i = 0; i < text.size(); i += piece) r.Feed(text.substr(i, piece));
  }
  r.Finish();
  return c.rows;
}

TEST(CsvReader, Rfc4180QuotingAndLineNumbers) {
  const std::string text =
      "\xEF\xBB\xBFid,name,note\r\n"
      "1,\"Jansen, J.\",\"says \"\"hi\"\"\"\r\n"
      "\n"
      "2,\"two\nlines\",x\n"
      "3,,\"\"\n"
      "4,last,no newline";
  for (size_t piece : {0, 1, 2, 3, 7}) {
    auto rows = Read(text, piece);
    ASSERT_EQ(rows.size(), 5u) << piece;
    EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"id", "name", "note"}));
    EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"1", "Jansen, J.", "says \"hi\""}));
    EXPECT_EQ(rows[1].line, 2);
    EXPECT_EQ(rows[2].fields, (std::vector<std::string>{"2", "two\nlines", "x"}));
    EXPECT_EQ(rows[2].line, 4);  // line 3 is empty and skipped
    EXPECT_EQ(rows[3].line, 6);  // row 2 spans lines 4 and 5
    EXPECT_EQ(rows[3].fields, (std::vector<std::string>{"3", "", ""}));
    EXPECT_EQ(rows[4].fields, (std::vector<std::string>{"4", "last", "no newline"}));
    for (const auto& r : rows) EXPECT_EQ(r.error, "");
  }
}

TEST(CsvReader, SyntaxErrorsAreReportedOnTheirRowAndReadingResumes) {
  const std::string text =
      "a,b\n"
      "1,x\"y\n"            // line 2: a quote inside an unquoted field
      "2,\"ok\"junk\n"      // line 3: text after a closing quote
      "3,fine\n"            // line 4
      "4,\"never closed\n"  // line 5: unterminated
      "5,x\n";
  for (size_t piece : {0, 1, 5}) {
    auto rows = Read(text, piece);
    ASSERT_EQ(rows.size(), 5u);
    EXPECT_EQ(rows[1].line, 2);
    EXPECT_NE(rows[1].error.find("quote inside an unquoted field"), std::string::npos);
    EXPECT_EQ(rows[1].error_field, 1);
    EXPECT_EQ(rows[2].line, 3);
    EXPECT_NE(rows[2].error.find("after a closing quote"), std::string::npos);
    EXPECT_EQ(rows[3].error, "");
    EXPECT_EQ(rows[3].fields[1], "fine");
    EXPECT_EQ(rows[4].line, 5);
    EXPECT_NE(rows[4].error.find("unterminated"), std::string::npos);
  }
}

TEST(CsvReader, OversizedFieldsAndRowsAreRefusedWithoutBufferingThem) {
  CsvLimits limits{100, 1000};
  std::string text = "a,b\n1," + std::string(150, 'x') + "\n2,\"" + std::string(5000, 'y') +
                     "\"\n3," + std::string(20, 'z') + "\n";
  std::string many = "4";
  for (int i = 0; i < 600; ++i) many += ",";
  text += many + "\n5,ok\n";
  for (size_t piece : {0, 64}) {  // whole lines take the fast path, pieces the general one
    auto rows = Read(text, piece, limits);
    ASSERT_EQ(rows.size(), 6u);
    EXPECT_NE(rows[1].error.find("field is longer than 100 bytes"), std::string::npos);
    EXPECT_EQ(rows[1].error_field, 1);
    EXPECT_NE(rows[2].error.find("field is longer"), std::string::npos);
    EXPECT_EQ(rows[3].error, "");
    EXPECT_NE(rows[4].error.find("row is longer than 1000 bytes"), std::string::npos);
    EXPECT_EQ(rows[5].fields[1], "ok");
    EXPECT_EQ(rows[5].line, 6);
  }
}

TEST(CsvReader, OtherDelimitersSeparateFieldsAndQuotesMayHoldThem) {
  for (char d : {';', '\t', '|'}) {
    std::string text = "id;amount;note\r\n1;1234,56;\"a;b\"\n2;,5;\"x,\"\"y\"\"\"\n3;;\n";
    for (char& c : text) {
      if (c == ';') c = d;
    }
    for (size_t piece : {0, 1, 5}) {
      auto rows = Read(text, piece, {}, d);
      ASSERT_EQ(rows.size(), 4u) << d << piece;
      EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"id", "amount", "note"}));
      EXPECT_EQ(rows[1].fields,
                (std::vector<std::string>{"1", "1234,56", std::string("a") + d + "b"}));
      EXPECT_EQ(rows[2].fields, (std::vector<std::string>{"2", ",5", "x,\"y\""}));
      EXPECT_EQ(rows[3].fields, (std::vector<std::string>{"3", "", ""}));
      for (const auto& r : rows) EXPECT_EQ(r.error, "");
    }
  }
  // With ';' a comma is field text, and a stray quote is still reported on its field.
  auto rows = Read("a;b\n1,5;x\"y\n", 0, {}, ';');
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"a", "b"}));
  EXPECT_NE(rows[1].error.find("quote inside an unquoted field"), std::string::npos);
  EXPECT_EQ(rows[1].error_field, 1);
}

TEST(CsvReader, DetectsTheDelimiterFromTheHeaderOutsideQuotes) {
  EXPECT_EQ(DetectCsvDelimiter("id;name;amount\n1,2,3,4,5\n"), ';');
  EXPECT_EQ(DetectCsvDelimiter("id\tname\tamount\n"), '\t');
  EXPECT_EQ(DetectCsvDelimiter("id|name\n"), '|');
  EXPECT_EQ(DetectCsvDelimiter("id,name;x,y\n"), ',');
  EXPECT_EQ(DetectCsvDelimiter("\"a;b;c\",d,e\n"), ',');  // quoted ';' do not count
  EXPECT_EQ(DetectCsvDelimiter("\"a,b,c\";d;e"), ';');
  EXPECT_EQ(DetectCsvDelimiter("single\n"), ',');
  EXPECT_EQ(DetectCsvDelimiter(""), ',');
  EXPECT_EQ(DescribeCsvDelimiter('\t'), "tab");
  EXPECT_EQ(DescribeCsvDelimiter(';'), "';'");
}

TEST(CsvReader, FormatsThatCannotBeReadAreRefused) {
  EXPECT_TRUE(ValidateCsvFormat(CsvFormat{}).ok());
  EXPECT_TRUE(ValidateCsvFormat(CsvFormat{';', true, {"NA", "NULL"}}).ok());
  EXPECT_FALSE(ValidateCsvFormat(CsvFormat{',', true, {}}).ok());
  EXPECT_FALSE(ValidateCsvFormat(CsvFormat{':', false, {}}).ok());
  EXPECT_FALSE(ValidateCsvFormat(CsvFormat{';', false, {""}}).ok());
  EXPECT_FALSE(ValidateCsvFormat(CsvFormat{';', false, {"a;b"}}).ok());
  EXPECT_FALSE(ValidateCsvFormat(CsvFormat{';', false, {"\"NA\""}}).ok());
  EXPECT_FALSE(ValidateCsvFormat(CsvFormat{';', false, {"\xff"}}).ok());
  EXPECT_FALSE(ValidateCsvFormat(CsvFormat{';', false, std::vector<std::string>(17, "x")}).ok());
}

TEST(CsvReader, AStoppingSinkEndsReading) {
  class StopAfterOne final : public CsvRowSink {
   public:
    bool OnRow(const CsvRow&) override { return ++n < 1; }
    int n = 0;
  } sink;
  CsvReader r(&sink);
  r.Feed("a\nb\nc\n");
  r.Finish();
  EXPECT_EQ(sink.n, 1);
}

}  // namespace
}  // namespace verbind::storage
