// Ingest validation: every kind of malformed CSV and JSON-lines input is refused with the right
// line, column and reason, and nothing is stored; skip mode stores the good rows; upserts
// (the modes themselves: ingest_mode_test.cc).
#include <gtest/gtest.h>

#include "storage/internal/row_converter.h"
#include "storage/schema_inference.h"
#include "testing/benefit_records.h"
#include "testing/dataset_fixture.h"
#include "testing/store_fixture.h"

namespace verbind::storage {
namespace {

constexpr const char* kSchema = R"(
key = "id"
[[fields]]
name = "id"
type = "identifier"
[[fields]]
name = "n"
type = "integer"
nullable = false
min = -10
max = 1000
[[fields]]
name = "d"
type = "decimal"
scale = 2
[[fields]]
name = "day"
type = "date"
[[fields]]
name = "flag"
type = "boolean"
[[fields]]
name = "kind"
type = "categorical"
categories = ["a", "b", "c"]
[[fields]]
name = "tag"
type = "categorical"
max_categories = 3
[[fields]]
name = "note"
type = "identifier"
)";

constexpr const char* kHeader = "id,n,d,day,flag,kind,tag,note\n";
constexpr const char* kGood = "g1,5,1.50,2024-01-31,true,a,x,hello\ng2,-10,-0.05,,0,b,y,\n";

struct BadCase {
  std::string name;
  InputFormat format;
  std::string text;
  int64_t line;
  std::string column;
  std::string reason;  // substring
};

class DatasetIngestTest : public testing::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    auto schema = testing::CreateDataset(*store_, "t", kSchema);
    ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  }
  int64_t Rows() { return store_->Describe("t")->rows; }
  int64_t SumOf(int column) {
    ScanSpec spec;
    AggregateSpec sum;
    sum.kind = AggregateSpec::Kind::kSum;
    sum.columns = {column};
    spec.aggregates = {sum};
    auto r = store_->Scan("t", spec);
    EXPECT_TRUE(r.ok());
    return static_cast<int64_t>(std::get<SumState>(r->cells[0].aggregates[0]).sum);
  }
  int64_t SumOfN() { return SumOf(1); }
  // Ingests CSV `text` read with `csv` as one batch (refused whole when a row is bad).
  common::Result<IngestReport> IngestCsv(std::string_view text, CsvFormat csv) {
    IngestOptions o;
    o.csv = std::move(csv);
    ASSIGN_OR_RETURN(auto session, store_->BeginIngest("t", InputFormat::kCsv, o));
    for (size_t i = 0; i < text.size(); i += 7) RETURN_IF_ERROR(session->Feed(text.substr(i, 7)));
    return session->Finish();
  }
};

std::vector<BadCase> CsvCases() {
  std::string h = kHeader, g = kGood;
  std::string big(70000, 'x');
  std::string huge_row = "g9,1";
  for (int i = 0; i < 20; ++i) huge_row += "," + std::string(60000, 'y');
  return {
      {"bad quoting", InputFormat::kCsv, h + g + "g3,1,\"2\"x,,,,,\n", 4, "d", "after a closing quote"},
      {"stray quote", InputFormat::kCsv, h + g + "g3,1,2,,,,,ab\"c\n", 4, "note", "quote inside"},
      {"column count", InputFormat::kCsv, h + g + "g3,1,2\n", 4, "", "has 3 fields; the header has 8"},
      {"not an integer", InputFormat::kCsv, h + g + "g3,abc,,,,,,\n", 4, "n", "\"abc\" is not an integer"},
      {"integer overflow", InputFormat::kCsv, h + g + "g3,99999999999999999999,,,,,,\n", 4, "n", "is not an integer"},
      {"above max", InputFormat::kCsv, h + g + "g3,1001,,,,,,\n", 4, "n", "1001 is above the maximum 1000"},
      {"decimals", InputFormat::kCsv, h + g + "g3,1,1.234,,,,,\n", 4, "d", "at most 2 decimals"},
      {"exponent", InputFormat::kCsv, h + g + "g3,1,1e3,,,,,\n", 4, "d", "is not a decimal"},
      {"bad date", InputFormat::kCsv, h + g + "g3,1,,2023-02-29,,,,\n", 4, "day", "is not a date"},
      {"bad boolean", InputFormat::kCsv, h + g + "g3,1,,,maybe,,,\n", 4, "flag", "is not a boolean"},
      {"closed category", InputFormat::kCsv, h + g + "g3,1,,,,z,,\n", 4, "kind", "not one of the categories (a, b, c)"},
      {"too many labels", InputFormat::kCsv, h + g + "g3,1,,,,,p,\ng4,1,,,,,q,\n", 5, "tag", "max_categories"},
      {"required null", InputFormat::kCsv, h + g + "g3,,,,,,,\n", 4, "n", "a value is required"},
      {"empty key", InputFormat::kCsv, h + g + ",1,,,,,,\n", 4, "id", "a value is required"},
      {"invalid utf-8 text", InputFormat::kCsv, h + g + "g3,1,,,,,,ab\xff\n", 4, "note", "invalid UTF-8"},
      {"invalid utf-8 number", InputFormat::kCsv, h + g + "g3,1\xc3,,,,,,\n", 4, "n", "invalid UTF-8"},
      {"control character", InputFormat::kCsv, h + g + "g3,1,,,,,\"x\ty\",\n", 4, "tag", "control character"},
      {"huge field", InputFormat::kCsv, h + g + "g3,1,,,,,," + big + "\n", 4, "note", "longer than 65536"},
      {"huge row", InputFormat::kCsv, h + g + huge_row + "\n", 4, "", "row is longer than 1048576"},
      {"long identifier", InputFormat::kCsv, h + g + "g3,1,,,,,," + std::string(2000, 'k') + "\n", 4, "note", "longer than 1024"},
      {"unterminated", InputFormat::kCsv, h + g + "g3,1,,,,,,\"open\nmore\n", 4, "note", "unterminated"},
      {"multi-line row", InputFormat::kCsv, h + "g1,1,,,,,,\"two\nlines\"\ng2,x,,,,,,\n", 4, "n", "is not an integer"},
      {"unknown column", InputFormat::kCsv, "id,n,colour\ng1,1,red\n", 1, "\"colour\"", "unknown column"},
      {"missing column", InputFormat::kCsv, "id,d\ng1,1\n", 1, "n", "no column for this field"},
      {"duplicate column", InputFormat::kCsv, "id,n,N\ng1,1,1\n", 1, "n", "more than one column"},
      {"empty input", InputFormat::kCsv, "", 1, "", "needs a header row"},
      {"json syntax", InputFormat::kJsonLines, "{\"id\":\"g1\",\"n\":1}\n{\"id\":\"g2\",\"n\":}\n", 2, "", "invalid JSON"},
      {"json nested", InputFormat::kJsonLines, "{\"id\":\"g1\",\"n\":{\"x\":1}}\n", 1, "", "nested"},
      {"json array", InputFormat::kJsonLines, "{\"id\":\"g1\",\"n\":[1]}\n", 1, "n", "arrays"},
      {"json unknown", InputFormat::kJsonLines, "{\"id\":\"g1\",\"n\":1,\"colour\":\"red\"}\n", 1, "\"colour\"", "unknown field"},
      {"json duplicate", InputFormat::kJsonLines, "{\"id\":\"g1\",\"n\":1,\"n\":2}\n", 1, "n", "appears twice"},
      {"json decimals", InputFormat::kJsonLines, "{\"id\":\"g1\",\"n\":1,\"d\":1.234}\n", 1, "d", "at most 2 decimals"},
      {"json float int", InputFormat::kJsonLines, "{\"id\":\"g1\",\"n\":1.0}\n", 1, "n", "is not an integer"},
      {"json bool int", InputFormat::kJsonLines, "{\"id\":\"g1\",\"n\":true}\n", 1, "n", "is not an integer"},
      {"json number date", InputFormat::kJsonLines, "{\"id\":\"g1\",\"n\":1,\"day\":20240101}\n", 1, "day", "is not a date"},
      {"json utf-8", InputFormat::kJsonLines, "{\"id\":\"g\xff\",\"n\":1}\n", 1, "", "invalid JSON"},
      {"json same field", InputFormat::kJsonLines, "{\"id\":\"g1\",\"n\":1,\"N\":2}\n", 1, "\"N\"", "more than one member"},
      {"json missing", InputFormat::kJsonLines, "{\"id\":\"g1\"}\n", 1, "n", "a value is required"},
      {"json not object", InputFormat::kJsonLines, "{\"id\":\"g1\",\"n\":1}\n\"text\"\n", 2, "", "must be a JSON object"},
  };
}

TEST_F(DatasetIngestTest, MalformedInputIsRefusedWithItsLocationAndNothingIsStored) {
  for (const auto& c : CsvCases()) {
    auto r = testing::Ingest(*store_, "t", c.format, c.text, OnError::kRefuseBatch, 3);
    ASSERT_TRUE(r.ok()) << c.name << ": " << r.status().ToString();
    EXPECT_FALSE(r->committed) << c.name;
    ASSERT_FALSE(r->errors.empty()) << c.name;
    const RowError& e = r->errors.back();
    EXPECT_EQ(e.line, c.line) << c.name;
    EXPECT_EQ(e.column, c.column) << c.name;
    EXPECT_NE(e.reason.find(c.reason), std::string::npos) << c.name << ": " << e.reason;
    EXPECT_EQ(e.source, "input") << c.name;
    EXPECT_EQ(r->rows_inserted, 0) << c.name;
    EXPECT_EQ(Rows(), 0) << c.name;
    EXPECT_EQ(store_->Describe("t")->generation, r->generation) << c.name;
  }
}

TEST_F(DatasetIngestTest, SkipModeStoresTheGoodRowsAndReportsTheRest) {
  std::string text = std::string(kHeader) + kGood + "g3,abc,,,,,,\ng4,7,,,,z,,\ng5,8,,,,c,w,\n";
  auto r = testing::Ingest(*store_, "t", InputFormat::kCsv, text, OnError::kSkipRow);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->committed);
  EXPECT_EQ(r->rows_read, 5);
  EXPECT_EQ(r->rows_inserted, 3);
  EXPECT_EQ(r->rows_rejected, 2);
  ASSERT_EQ(r->errors.size(), 2u);
  EXPECT_EQ(r->errors[0].line, 4);
  EXPECT_EQ(r->errors[1].line, 5);
  EXPECT_EQ(Rows(), 3);
  EXPECT_EQ(SumOfN(), 5 - 10 + 8);
  // The refused row's label did not enter the dictionary.
  EXPECT_FALSE(store_->CategoryCode("t", 5, "z").has_value());
  EXPECT_EQ(*store_->CategoryLabel("t", 6, *store_->CategoryCode("t", 6, "w")), "w");
  EXPECT_EQ(store_->CategoryLabels("t", 6), (std::vector<std::string>{"x", "y", "w"}));
  EXPECT_TRUE(store_->CategoryLabels("t", 1).empty());  // an integer field
  EXPECT_TRUE(store_->CategoryLabels("absent", 6).empty());
  // Header errors refuse the batch even in skip mode.
  auto h = testing::Ingest(*store_, "t", InputFormat::kCsv, "id,colour\nx,1\n", OnError::kSkipRow);
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(h->committed);
}

TEST_F(DatasetIngestTest, InUpsertModeLaterRowsWinAndReplacementsAreCounted) {
  IngestOptions upsert;
  upsert.mode = IngestMode::kUpsert;
  std::string text = std::string(kHeader) + "k1,1,,,,,,\nk2,2,,,,,,\nk1,10,,,,,,\nk1,100,,,,,,\n";
  auto r = testing::Ingest(*store_, "t", InputFormat::kCsv, text, upsert);
  ASSERT_TRUE(r.ok() && r->committed);
  EXPECT_EQ(r->rows_inserted, 2);
  EXPECT_EQ(r->rows_replaced, 2);
  EXPECT_EQ(Rows(), 2);
  EXPECT_EQ(SumOfN(), 102);
  auto j =
      testing::Ingest(*store_, "t", InputFormat::kJsonLines,
                      "{\"id\":\"k2\",\"n\":20}\n{\"id\":\"k3\",\"n\":3,\"d\":12.5}\n", upsert);
  ASSERT_TRUE(j.ok() && j->committed);
  EXPECT_EQ(j->rows_inserted, 1);
  EXPECT_EQ(j->rows_replaced, 1);
  EXPECT_EQ(Rows(), 3);
  EXPECT_EQ(SumOfN(), 123);
  auto info = store_->Describe("t");
  EXPECT_EQ(info->erased, 3);
  // The key index is rebuilt from storage after a reopen.
  Reopen();
  auto again = testing::Ingest(*store_, "t", InputFormat::kCsv,
                               std::string(kHeader) + "k3,30,,,,,,\n", upsert);
  ASSERT_TRUE(again.ok() && again->committed);
  EXPECT_EQ(again->rows_replaced, 1);
  EXPECT_EQ(SumOfN(), 150);
  auto e = store_->Erase("t", {"k1", "k1", "nope"});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->requested, 3);
  EXPECT_EQ(e->erased, 1);
  EXPECT_EQ(e->not_found, std::vector<std::string>{"nope"});
  EXPECT_EQ(SumOfN(), 50);
  EXPECT_EQ(store_->Erase("t", {"k1"})->erased, 0);
}

TEST_F(DatasetIngestTest, JsonDecimalsAreExactFromTheirText) {
  auto r = testing::Ingest(*store_, "t", InputFormat::kJsonLines,
                           "{\"id\":\"a\",\"n\":1,\"d\":92233720368547758.07}\n"
                           "{\"id\":\"b\",\"n\":1,\"d\":\"-0.01\"}\n");
  ASSERT_TRUE(r.ok() && r->committed) << (r.ok() ? r->errors[0].reason : r.status().ToString());
  ScanSpec spec;
  AggregateSpec sum;
  sum.kind = AggregateSpec::Kind::kSum;
  sum.columns = {2};
  spec.aggregates = {sum};
  auto s = store_->Scan("t", spec);
  EXPECT_EQ(Int128ToString(std::get<SumState>(s->cells[0].aggregates[0]).sum), "9223372036854775806");
}

TEST_F(DatasetIngestTest, SemicolonsDecimalCommasAndNullTokensAreRead) {
  std::string text =
      "id;n;d;day;flag;kind;tag;note\n"
      "a;5;1234,56;2024-01-31;true;a;x;\"says; hi, twice\"\n"
      "b;7;,5;NA;NA;b;NULL;\n"
      "c;-3;-0,05;;;;;NA\n";
  auto r = IngestCsv(text, CsvFormat{';', true, {"NA", "NULL"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->committed) << r->errors[0].line << " " << r->errors[0].column << ": "
                            << r->errors[0].reason;
  EXPECT_EQ(r->rows_inserted, 3);
  EXPECT_EQ(SumOfN(), 9);
  EXPECT_EQ(SumOf(2), 123456 + 50 - 5);
  // NA and NULL became NULL: the tag dictionary has only x.
  EXPECT_EQ(store_->CategoryLabels("t", 6), (std::vector<std::string>{"x"}));
}

TEST_F(DatasetIngestTest, CsvFormatProblemsAreRefusedWithTheirLocation) {
  struct Case {
    std::string row;  // the third line, after the header and a good row
    CsvFormat csv;
    std::string column, reason;
  };
  const std::vector<Case> cases = {
      {"a;1;1.5", {';', true, {}}, "d", "is not a decimal with a decimal comma"},
      {"a;1;1,2,3", {';', true, {}}, "d", "is not a decimal"},
      {"a;1;1,234", {';', true, {}}, "d", "at most 2 decimals"},
      {"a;NA;1,5", {';', true, {"NA"}}, "n", "a value is required"},
      {"a;NA;1,5", {';', true, {}}, "n", "\"NA\" is not an integer"},
      {"a;1;1,5", {';', false, {}}, "d", "is not a decimal"},
      {"a,1,.", {}, "d", "is not a decimal"},
      {"a,1,-.", {}, "d", "is not a decimal"},
      {"a,1,.125", {}, "d", "at most 2 decimals"},
  };
  for (const Case& c : cases) {
    std::string d(1, c.csv.delimiter);
    auto r = IngestCsv("id" + d + "n" + d + "d\nok" + d + "1" + d + "2\n" + c.row + "\n", c.csv);
    ASSERT_TRUE(r.ok()) << c.row << r.status().ToString();
    EXPECT_FALSE(r->committed) << c.row;
    ASSERT_EQ(r->errors.size(), 1u) << c.row;
    EXPECT_EQ(r->errors[0].line, 3) << c.row;
    EXPECT_EQ(r->errors[0].column, c.column) << c.row;
    EXPECT_NE(r->errors[0].reason.find(c.reason), std::string::npos) << r->errors[0].reason;
  }
  const std::string h = "id;n;d\n";
  EXPECT_EQ(Rows(), 0);
  EXPECT_EQ(IngestCsv(h, CsvFormat{',', true, {}}).status().code(),
            common::StatusCode::kInvalidArgument);
  EXPECT_EQ(IngestCsv(h, CsvFormat{'x', false, {}}).status().code(),
            common::StatusCode::kInvalidArgument);
}

TEST_F(DatasetIngestTest, BooleansAreReadFromEveryPairInAnyCase) {
  auto r =
      IngestCsv("id,n,flag\na,1,ja\nb,1,NEE\nc,1,Ja\nd,1,Yes\ne,1,0\nf,1,FALSE\n", CsvFormat{});
  ASSERT_TRUE(r.ok() && r->committed) << (r.ok() ? r->errors[0].reason : r.status().ToString());
  EXPECT_EQ(SumOf(4), 3);
  auto j = testing::Ingest(
      *store_, "t", InputFormat::kJsonLines,
      "{\"id\":\"g\",\"n\":1,\"flag\":\"JA\"}\n{\"id\":\"h\",\"n\":1,\"flag\":\"nee\"}\n");
  ASSERT_TRUE(j.ok() && j->committed) << (j.ok() ? j->errors[0].reason : j.status().ToString());
  EXPECT_EQ(SumOf(4), 4);
  auto bad = IngestCsv("id,n,flag\ni,1,jaa\n", CsvFormat{});
  ASSERT_TRUE(bad.ok());
  ASSERT_EQ(bad->errors.size(), 1u);
  EXPECT_EQ(bad->errors[0].reason, "\"jaa\" is not a boolean (true/false, 1/0, yes/no, ja/nee)");
}

TEST_F(DatasetIngestTest, DecimalsWithoutALeadingZeroAreRead) {
  auto r = IngestCsv("id,n,d\na,1,.5\nb,1,-.25\nc,1,+.01\nd,1,0.5\n", CsvFormat{});
  ASSERT_TRUE(r.ok() && r->committed) << (r.ok() ? r->errors[0].reason : r.status().ToString());
  EXPECT_EQ(SumOf(2), 50 - 25 + 1 + 50);
  int64_t units = 0;
  EXPECT_TRUE(ParseDecimalText(".0221239", 7, false, &units));
  EXPECT_EQ(units, 221239);
  EXPECT_TRUE(ParseDecimalText("-,5", 1, true, &units));
  EXPECT_EQ(units, -5);
  EXPECT_FALSE(ParseDecimalText("", 2, false, &units));
  EXPECT_FALSE(ParseDecimalText("-", 2, true, &units));
  EXPECT_FALSE(ParseDecimalText(",", 2, true, &units));
}

TEST_F(DatasetIngestTest, FinishingTwiceAndFeedingAfterFinishAreRefused) {
  auto session = store_->BeginIngest("t", InputFormat::kCsv, IngestOptions{});
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE((*session)->Feed(std::string(kHeader) + kGood).ok());
  ASSERT_TRUE((*session)->Finish().ok());
  EXPECT_FALSE((*session)->Finish().ok());
  EXPECT_FALSE((*session)->Feed("x").ok());
  EXPECT_EQ(store_->BeginIngest("nope", InputFormat::kCsv, IngestOptions{}).status().code(),
            common::StatusCode::kNotFound);
}

TEST(SchemaInference, ProposesTypesKeysAndNullability) {
  std::string csv = "Person ID,Birth Year,region,amount,start,wmo,remark\n";
  for (int i = 0; i < 200; ++i) {
    csv += "P" + std::to_string(i) + "," + std::to_string(1930 + i % 70) + "," +
           (i % 3 ? "north" : "south") + "," + std::to_string(i) + "." + std::to_string(i % 10) +
           "5,2020-01-" + std::to_string(10 + i % 19) + "," + (i % 2 ? "true" : "false") + "," +
           (i % 7 ? "text " + std::to_string(i) : "") + "\n";
  }
  csv += "P999,19";  // a cut-off last row is ignored
  auto inferred = InferSchemaFromCsv(csv);
  ASSERT_TRUE(inferred.ok()) << inferred.status().ToString();
  EXPECT_EQ(inferred->csv.delimiter, ',');
  EXPECT_FALSE(inferred->csv.decimal_comma);
  EXPECT_TRUE(inferred->csv.null_tokens.empty());
  const config::Schema* s = &inferred->schema;
  ASSERT_EQ(s->fields.size(), 7u);
  EXPECT_EQ(s->fields[0].name, "person_id");
  EXPECT_EQ(s->fields[0].type, config::FieldType::kIdentifier);
  EXPECT_EQ(s->key, 0u);
  EXPECT_EQ(s->fields[1].name, "birth_year");
  EXPECT_EQ(s->fields[1].type, config::FieldType::kInteger);
  EXPECT_FALSE(s->fields[1].nullable);
  EXPECT_EQ(s->fields[2].type, config::FieldType::kCategorical);
  EXPECT_EQ(s->fields[3].type, config::FieldType::kDecimal);
  EXPECT_EQ(s->fields[3].scale, 2);
  EXPECT_EQ(s->fields[4].type, config::FieldType::kDate);
  EXPECT_EQ(s->fields[5].type, config::FieldType::kBoolean);
  EXPECT_EQ(s->fields[6].type, config::FieldType::kIdentifier);
  EXPECT_TRUE(s->fields[6].nullable);
  EXPECT_FALSE(InferSchemaFromCsv("").ok());
  // The proposal is a valid schema file.
  EXPECT_TRUE(config::ParseSchemaToml(config::RenderSchemaToml(*s), "inferred.toml").ok());
}

}  // namespace
}  // namespace verbind::storage
