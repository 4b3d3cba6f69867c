// Ingest modes on a real store on disk: insert refuses a row whose record key is taken (stored,
// or earlier in the batch, naming both lines), skip mode then stores the other rows and nothing
// of the rejected ones, upsert replaces and counts, the reject limit decides whether a batch
// commits, and every problem is counted even when not all are listed.
#include <gtest/gtest.h>

#include <map>

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
[[fields]]
name = "tag"
type = "categorical"
[[fields]]
name = "note"
type = "identifier"
)";

constexpr const char* kHeader = "id,n,tag,note\n";

class IngestModeTest : public testing::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    ASSERT_TRUE(testing::CreateDataset(*store_, "t", kSchema).ok());
  }

  common::Result<IngestReport> Ingest(std::string_view text, IngestOptions o = {},
                                      InputFormat format = InputFormat::kCsv) {
    o.source_name = "input";
    return testing::Ingest(*store_, "t", format, text, o);
  }
  IngestReport Committed(std::string_view text, IngestOptions o = {}) {
    auto r = Ingest(text, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    EXPECT_TRUE(r->committed) << r->refusal;
    return *r;
  }
  static IngestOptions Skip(std::optional<int64_t> max_rejects = std::nullopt) {
    IngestOptions o;
    o.on_error = OnError::kSkipRow;
    o.max_rejects = max_rejects;
    return o;
  }
  static IngestOptions Upsert() {
    IngestOptions o;
    o.mode = IngestMode::kUpsert;
    return o;
  }
  int64_t Rows() { return store_->Describe("t")->rows; }
  // The sum of n per tag label ("" for NULL).
  std::map<std::string, int64_t> SumByTag() {
    ScanSpec spec;
    spec.group_by = {2};
    AggregateSpec sum;
    sum.kind = AggregateSpec::Kind::kSum;
    sum.columns = {1};
    spec.aggregates = {sum};
    auto r = store_->Scan("t", spec);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::map<std::string, int64_t> out;
    for (const CellResult& c : r.ok() ? r->cells : std::vector<CellResult>{}) {
      std::string label = c.key.null_mask ? "" : *store_->CategoryLabel("t", 2, c.key.values[0]);
      out[label] = static_cast<int64_t>(std::get<SumState>(c.aggregates[0]).sum);
    }
    return out;
  }
};

std::string Problem(const RowError& e) {
  return std::to_string(e.line) + " " + e.column + ": " + e.reason;
}

TEST_F(IngestModeTest, AKeyRepeatedInTheBatchIsRefusedNamingBothLines) {
  // Line 3-4 is one row (a quoted line break), so the repeat on line 5 follows line 2's row.
  auto r = Ingest(std::string(kHeader) + "P001,1,a,\nP002,2,a,\"two\nlines\"\nP001,3,b,\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->committed);
  EXPECT_EQ(r->refusal, "1 row rejected, and a batch with a bad row is refused whole");
  EXPECT_EQ(r->rows_rejected, 1);
  EXPECT_EQ(r->rows_inserted, 0);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(Problem(r->errors[0]), "5 id: key \"P001\" repeats line 2");
  EXPECT_EQ(Rows(), 0);
  // JSON lines, and an input that is a later piece of a file (lines shifted, the key repeated
  // three times: each repeat names the first).
  IngestOptions piece;
  piece.line_offset = 100;
  r = Ingest(
      "{\"id\":\"Q\",\"n\":1}\n{\"id\":\"R\",\"n\":1}\n{\"id\":\"Q\",\"n\":2}\n"
      "{\"id\":\"Q\",\"n\":3}\n",
      piece, InputFormat::kJsonLines);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->committed);
  ASSERT_EQ(r->errors.size(), 2u);
  EXPECT_EQ(Problem(r->errors[0]), "103 id: key \"Q\" repeats line 101");
  EXPECT_EQ(Problem(r->errors[1]), "104 id: key \"Q\" repeats line 101");
}

TEST_F(IngestModeTest, AStoredKeyIsRefusedAndNothingIsReplaced) {
  Committed(std::string(kHeader) + "P001,1,a,\nP002,2,a,\n");
  auto r = Ingest(std::string(kHeader) + "P003,3,a,\nP001,10,a,\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->committed);
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(Problem(r->errors[0]),
            "3 id: key \"P001\" is already stored; use mode upsert to replace it");
  EXPECT_EQ(Rows(), 2);
  EXPECT_EQ(SumByTag()["a"], 3);
  // Also when the key index is rebuilt from storage after a reopen; a row whose key is both
  // stored and repeated is named as a repeat.
  Reopen();
  r = Ingest(std::string(kHeader) + "P002,5,a,\nP002,6,a,\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->errors.size(), 2u);
  EXPECT_EQ(Problem(r->errors[0]),
            "2 id: key \"P002\" is already stored; use mode upsert to replace it");
  EXPECT_EQ(Problem(r->errors[1]), "3 id: key \"P002\" repeats line 2");
  EXPECT_EQ(store_->Describe("t")->erased, 0);
}

TEST_F(IngestModeTest, SkipStoresTheOtherRowsAndNothingOfTheRejectedOnes) {
  Committed(std::string(kHeader) + "P001,1,a,\n");
  // Rejected: line 3 (stored key), line 5 (repeat of line 2), line 6 (not an integer). Their
  // new labels (b, c, d) are not to reach the dictionary.
  IngestReport r = Committed(std::string(kHeader) +
                                 "P002,2,x,\nP001,10,b,\nP003,3,y,\nP002,20,c,\nP004,oops,d,\n"
                                 "P005,5,x,\n",
                             Skip());
  EXPECT_EQ(r.rows_read, 6);
  EXPECT_EQ(r.rows_inserted, 3);
  EXPECT_EQ(r.rows_replaced, 0);
  EXPECT_EQ(r.rows_rejected, 3);
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(Problem(r.errors[0]),
            "3 id: key \"P001\" is already stored; use mode upsert to replace it");
  EXPECT_EQ(Problem(r.errors[1]), "5 id: key \"P002\" repeats line 2");
  EXPECT_EQ(Problem(r.errors[2]), "6 n: \"oops\" is not an integer");
  EXPECT_EQ(Rows(), 4);
  EXPECT_EQ(store_->Describe("t")->erased, 0);
  EXPECT_EQ(store_->CategoryLabels("t", 2), (std::vector<std::string>{"a", "x", "y"}));
  EXPECT_EQ(SumByTag(), (std::map<std::string, int64_t>{{"a", 1}, {"x", 7}, {"y", 3}}));
  // The key index knows the stored rows at their places.
  EXPECT_EQ(Committed(std::string(kHeader) + "P003,30,y,\n", Upsert()).rows_replaced, 1);
  EXPECT_EQ(store_->Erase("t", {"P005"})->erased, 1);
  EXPECT_EQ(SumByTag(), (std::map<std::string, int64_t>{{"a", 1}, {"x", 2}, {"y", 30}}));
}

TEST_F(IngestModeTest, SkipRebuildsABatchAcrossChunksAfterAPartlyFilledOne) {
  std::string first = kHeader;
  for (int i = 0; i < 1000; ++i) first += "S" + std::to_string(i) + ",1,s,\n";
  Committed(first);
  // 70,000 new rows over two chunks, with a repeat and a stored key at either end.
  std::string batch = std::string(kHeader) + "S7,100,s,\n";
  for (int i = 0; i < 70000; ++i) {
    batch += "B" + std::to_string(i) + "," + std::to_string(i % 10) + "," +
             (i % 2 ? "odd" : "even") + ",\n";
    if (i == 5) batch += "B3,100,s,\n";
  }
  batch += "B69998,100,s,\nS999,100,s,\n";
  IngestReport r = Committed(batch, Skip());
  EXPECT_EQ(r.rows_inserted, 70000);
  EXPECT_EQ(r.rows_rejected, 4);
  ASSERT_EQ(r.errors.size(), 4u);
  EXPECT_EQ(Problem(r.errors[1]), "9 id: key \"B3\" repeats line 6");
  EXPECT_EQ(Problem(r.errors[2]), "70004 id: key \"B69998\" repeats line 70002");
  EXPECT_EQ(Rows(), 71000);
  EXPECT_EQ(store_->Describe("t")->erased, 0);
  Reopen();  // what was written is the rebuilt batch
  EXPECT_EQ(SumByTag(),
            (std::map<std::string, int64_t>{{"s", 1000}, {"even", 35000 * 4}, {"odd", 35000 * 5}}));
  EXPECT_EQ(store_->Erase("t", {"S999", "B0", "B69999"})->erased, 3);
  EXPECT_EQ(SumByTag()["odd"], 35000 * 5 - 9);
  EXPECT_EQ(Rows(), 70997);
}

TEST_F(IngestModeTest, UpsertReplacesAndCountsTheReplacedRows) {
  Committed(std::string(kHeader) + "P001,1,a,\nP002,2,a,\n");
  IngestReport r =
      Committed(std::string(kHeader) + "P001,10,a,\nP003,3,a,\nP001,100,a,\n", Upsert());
  EXPECT_EQ(r.rows_inserted, 1);
  EXPECT_EQ(r.rows_replaced, 2);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(Rows(), 3);
  EXPECT_EQ(SumByTag()["a"], 105);
}

TEST_F(IngestModeTest, TheRejectLimitDecidesWhetherTheBatchCommits) {
  std::string two_bad = std::string(kHeader) + "A,1,a,\nB,x,a,\nA,2,a,\nC,3,a,\n";
  auto r = Ingest(two_bad, Skip(1));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->committed);
  EXPECT_EQ(r->refusal, "2 rows rejected, more than the 1 allowed (max_rejects)");
  EXPECT_EQ(r->rows_rejected, 2);
  EXPECT_EQ(r->rows_inserted, 0);
  EXPECT_EQ(r->errors.size(), 2u);
  EXPECT_EQ(Rows(), 0);
  EXPECT_EQ(Committed(two_bad, Skip(2)).rows_inserted, 2);
  EXPECT_EQ(Rows(), 2);
  EXPECT_FALSE(Ingest(std::string(kHeader) + "D,x,a,\n", Skip(0))->committed);
  EXPECT_TRUE(Ingest(std::string(kHeader) + "D,4,a,\n", Skip(0))->committed);
}

TEST_F(IngestModeTest, ProblemsBeyondTheListedOnesAreCounted) {
  std::string text = kHeader;
  for (int i = 0; i < 5; ++i) text += "K" + std::to_string(i) + ",x,a,\n";
  text += "K0,1,a,\nK1,2,a,\n";
  IngestOptions few = Skip();
  few.max_errors_reported = 2;
  IngestReport r = Committed(text, few);
  EXPECT_EQ(r.rows_rejected, 5);
  EXPECT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors_omitted, 3);
  IngestOptions all = Skip();
  all.max_errors_reported = SIZE_MAX;
  ASSERT_TRUE(store_->Drop("t").ok());
  ASSERT_TRUE(testing::CreateDataset(*store_, "t", kSchema).ok());
  r = Committed(text, all);
  EXPECT_EQ(r.errors.size(), 5u);
  EXPECT_EQ(r.errors_omitted, 0);
}

TEST_F(IngestModeTest, ADatasetWithoutAKeyAppendsRepeatedRows) {
  ASSERT_TRUE(testing::CreateDataset(*store_, "plain",
                                     "[[fields]]\nname = \"id\"\ntype = \"identifier\"\n"
                                     "[[fields]]\nname = \"n\"\ntype = \"integer\"\n")
                  .ok());
  for (IngestMode mode : {IngestMode::kInsert, IngestMode::kUpsert}) {
    IngestOptions o;
    o.mode = mode;
    auto r = testing::Ingest(*store_, "plain", InputFormat::kCsv, "id,n\nA,1\nA,2\n", o);
    ASSERT_TRUE(r.ok() && r->committed);
    EXPECT_EQ(r->rows_inserted, 2);
    EXPECT_EQ(r->rows_replaced, 0);
  }
  EXPECT_EQ(store_->Describe("plain")->rows, 4);
}

}  // namespace
}  // namespace verbind::storage
