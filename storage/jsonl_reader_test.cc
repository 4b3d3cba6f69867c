#include "storage/jsonl_reader.h"

#include <gtest/gtest.h>

namespace verbind::storage {
namespace {

class Collect final : public JsonRowSink {
 public:
  bool OnRow(const JsonRow& row) override {
    rows.push_back(row);
    return true;
  }
  std::vector<JsonRow> rows;
};

std::vector<JsonRow> Read(std::string_view text, size_t piece = 0, size_t limit = 1 << 20) {
  Collect c;
  JsonLinesReader r(&c, limit);
  if (piece == 0) {
    r.Feed(text);
  } else {
    for (size_t i = 0; i < text.size(); i += piece) r.Feed(text.substr(i, piece));
  }
  r.Finish();
  return c.rows;
}

TEST(JsonLinesReader, NumbersKeepTheirTextAndKindsAreKept) {
  const std::string text =
      "{\"id\":\"a\",\"amount\":12.50,\"n\":-7,\"big\":18446744073709551615,\"ok\":true,"
      "\"x\":null}\r\n"
      "\n"
      "  \n"
      "{\"amount\":0.1000000000000000055511151231257827}";
  for (size_t piece : {0, 1, 4}) {
    auto rows = Read(text, piece);
    ASSERT_EQ(rows.size(), 2u);
    const auto& m = rows[0].members;
    ASSERT_EQ(m.size(), 6u);
    EXPECT_EQ(m[0].second.kind, JsonScalar::Kind::kString);
    EXPECT_EQ(m[1].second.text, "12.50");
    EXPECT_EQ(m[1].second.kind, JsonScalar::Kind::kNumber);
    EXPECT_EQ(m[2].second.text, "-7");
    EXPECT_EQ(m[3].second.text, "18446744073709551615");
    EXPECT_EQ(m[4].second.kind, JsonScalar::Kind::kBool);
    EXPECT_EQ(m[5].second.kind, JsonScalar::Kind::kNull);
    EXPECT_EQ(rows[1].line, 4);
    EXPECT_EQ(rows[1].members[0].second.text, "0.1000000000000000055511151231257827");
  }
}

TEST(JsonLinesReader, BadLinesAreReportedAndReadingResumes) {
  const std::string text =
      "{\"a\":1}\n"
      "{\"a\":{\"b\":1}}\n"
      "[1,2]\n"
      "{\"a\":[1]}\n"
      "{\"a\":1,\"a\":2}\n"
      "{\"a\":1\n"
      "{\"a\":\"\xff\"}\n"
      "42\n"
      "{\"a\":2}\n";
  auto rows = Read(text, 3);
  ASSERT_EQ(rows.size(), 9u);
  EXPECT_EQ(rows[0].error, "");
  EXPECT_NE(rows[1].error.find("nested objects"), std::string::npos);
  EXPECT_NE(rows[2].error.find("must be a JSON object"), std::string::npos);
  EXPECT_NE(rows[3].error.find("arrays are not allowed"), std::string::npos);
  EXPECT_EQ(rows[3].error_member, "a");
  EXPECT_NE(rows[4].error.find("appears twice"), std::string::npos);
  EXPECT_NE(rows[5].error.find("invalid JSON"), std::string::npos);
  EXPECT_NE(rows[6].error.find("invalid JSON"), std::string::npos);  // invalid UTF-8
  EXPECT_NE(rows[7].error.find("must be a JSON object"), std::string::npos);
  EXPECT_EQ(rows[8].line, 9);
  EXPECT_EQ(rows[8].error, "");
}

TEST(JsonLinesReader, LongLinesAreRefusedWithoutBufferingThem) {
  std::string text = "{\"a\":\"" + std::string(5000, 'x') + "\"}\n{\"a\":1}\n";
  auto rows = Read(text, 100, 1000);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NE(rows[0].error.find("longer than 1000 bytes"), std::string::npos);
  EXPECT_EQ(rows[1].error, "");
  EXPECT_EQ(rows[1].line, 2);
}

}  // namespace
}  // namespace verbind::storage
