// The dataset catalogue, persistence, encryption at rest and concurrent readers and writers.
#include "storage/dataset_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "storage/definition_store.h"
#include "storage/internal/dataset_state.h"
#include "testing/benefit_records.h"
#include "testing/dataset_fixture.h"
#include "testing/store_fixture.h"

namespace verbind::storage {
namespace {

using testing::TextRecord;

class DatasetStoreTest : public testing::StoreFixture {
 protected:
  std::vector<TextRecord> Records(size_t n, uint64_t seed, size_t first = 0) {
    std::mt19937_64 rng(seed);
    std::vector<TextRecord> out;
    for (size_t i = 0; i < n; ++i) {
      out.push_back(testing::RandomRecord(rng, "K" + std::to_string(first + i)));
    }
    return out;
  }
  void Load(const std::string& name, size_t n, uint64_t seed = 1) {
    auto r = testing::Ingest(*store_, name, InputFormat::kCsv,
                             testing::ToCsv(testing::BenefitsSchema(), Records(n, seed)));
    ASSERT_TRUE(r.ok() && r->committed) << r.status().ToString();
  }
  int64_t Count(const std::string& name) {
    auto r = store_->Scan(name, ScanSpec{});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->cells[0].rows : -1;
  }
};

TEST_F(DatasetStoreTest, CreateListDescribeDrop) {
  config::Schema schema = testing::BenefitsSchema();
  ASSERT_TRUE(store_->Create("benefits", schema).ok());
  EXPECT_EQ(store_->Create("benefits", schema).code(), common::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->Create("Bad Name", schema).code(), common::StatusCode::kInvalidArgument);
  config::Schema bad = schema;
  bad.fields.clear();
  EXPECT_EQ(store_->Create("empty", bad).code(), common::StatusCode::kInvalidArgument);
  auto info = store_->Describe("benefits");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->rows, 0);
  EXPECT_EQ(info->created_at_ms, clock_.NowMillis());
  EXPECT_EQ(config::SchemaToJson(info->schema), config::SchemaToJson(schema));
  uint64_t created = info->generation;
  clock_.Advance(5000);
  Load("benefits", 70000);
  info = store_->Describe("benefits");
  EXPECT_EQ(info->rows, 70000);
  EXPECT_GT(info->bytes_on_disk, 70000u);
  EXPECT_NE(info->generation, created);
  EXPECT_EQ(info->updated_at_ms, clock_.NowMillis());
  ASSERT_TRUE(store_->Create("other", schema).ok());
  auto list = store_->List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "benefits");
  EXPECT_EQ(list[1].name, "other");
  ASSERT_TRUE(store_->Drop("benefits").ok());
  EXPECT_EQ(store_->Drop("benefits").code(), common::StatusCode::kNotFound);
  EXPECT_EQ(store_->Describe("benefits").status().code(), common::StatusCode::kNotFound);
  // A new dataset of the same name starts empty, with a generation never used before.
  ASSERT_TRUE(store_->Create("benefits", schema).ok());
  EXPECT_EQ(Count("benefits"), 0);
  EXPECT_NE(store_->Describe("benefits")->generation, created);
  uint64_t bytes = 0;
  ASSERT_TRUE(db_->Scan(Family::kChunks, "", [&](std::string_view k, std::string_view v) {
                    bytes += k.size() + v.size();
                    return true;
                  }).ok());
  EXPECT_EQ(bytes, 0u);  // the dropped dataset's chunks are gone
}

TEST_F(DatasetStoreTest, EverythingSurvivesAReopen) {
  ASSERT_TRUE(store_->Create("benefits", testing::BenefitsSchema()).ok());
  Load("benefits", 100000);
  ASSERT_EQ(store_->Erase("benefits", {"K1", "K99999"})->erased, 2);
  auto before = store_->Describe("benefits");
  auto code = store_->CategoryCode("benefits", 2, "utrecht");
  ASSERT_TRUE(code.has_value());
  Reopen();
  auto after = store_->Describe("benefits");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->rows, 99998);
  EXPECT_EQ(after->erased, 2);
  EXPECT_EQ(after->generation, before->generation);
  EXPECT_EQ(store_->CategoryCode("benefits", 2, "utrecht"), code);
  EXPECT_EQ(*store_->CategoryLabel("benefits", 2, *code), "utrecht");
  EXPECT_FALSE(store_->CategoryLabel("benefits", 2, 9999).ok());
  EXPECT_FALSE(store_->CategoryLabel("benefits", 1, 0).ok());  // not categorical
  EXPECT_EQ(Count("benefits"), 99998);
}

TEST_F(DatasetStoreTest, DatasetsWithoutAKeyAreAppendOnly) {
  config::Schema schema = testing::BenefitsSchema();
  schema.key.reset();
  schema.fields[0].nullable = true;
  ASSERT_TRUE(store_->Create("log", schema).ok());
  Load("log", 10);
  Load("log", 10);  // the same keys again: appended, not replaced
  EXPECT_EQ(Count("log"), 20);
  auto e = store_->Erase("log", {"K1"});
  EXPECT_EQ(e.status().code(), common::StatusCode::kFailedPrecondition);
  EXPECT_NE(e.status().message().find("append-only"), std::string::npos);
}

TEST_F(DatasetStoreTest, EncryptedChunksAreUnreadableWithoutTheKeyAndTamperingIsDataLoss) {
  const std::string key(32, '\x5a');
  Reopen(key);
  ASSERT_TRUE(store_->Create("benefits", testing::BenefitsSchema()).ok());
  Load("benefits", 1000);
  // The identifier chunk on disk does not contain the keys in the clear.
  std::string chunk_key = ChunkKey(1, ChunkKind::kIdentifiers, 0, 0);
  auto stored = db_->Get(Family::kChunks, chunk_key);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->find("K999"), std::string::npos);
  auto values = db_->Get(Family::kChunks, ChunkKey(1, ChunkKind::kValues, 1, 0));
  ASSERT_TRUE(values.ok() && values->has_value());
  // Reopening with the key reads everything back.
  Reopen(key);
  EXPECT_EQ(Count("benefits"), 1000);
  // Without the key the node refuses to read the dataset.
  store_.reset();
  {
    auto no_key = DatasetStore::Open(db_.get(), DatasetStoreOptions{}, &clock_);
    EXPECT_EQ(no_key.status().code(), common::StatusCode::kFailedPrecondition);
    // A wrong key fails authentication.
    auto wrong = DatasetStore::Open(db_.get(), DatasetStoreOptions{std::string(32, 'x')}, &clock_);
    EXPECT_EQ(wrong.status().code(), common::StatusCode::kDataLoss);
  }
  // One flipped byte in a stored chunk: DataLoss, nothing silently wrong.
  std::string tampered = **values;
  tampered[tampered.size() / 2] ^= 0x01;
  ASSERT_TRUE(db_->Put(Family::kChunks, ChunkKey(1, ChunkKind::kValues, 1, 0), tampered).ok());
  Reopen(key);
  ScanSpec spec;
  AggregateSpec sum;
  sum.kind = AggregateSpec::Kind::kSum;
  sum.columns = {1};
  spec.aggregates = {sum};
  EXPECT_EQ(store_->Scan("benefits", spec).status().code(), common::StatusCode::kDataLoss);
  // A sealed chunk moved to another position does not open either.
  ASSERT_TRUE(db_->Put(Family::kChunks, ChunkKey(1, ChunkKind::kValues, 1, 0), **values).ok());
  ASSERT_TRUE(db_->Put(Family::kChunks, ChunkKey(1, ChunkKind::kValues, 5, 0), **values).ok());
  Reopen(key);
  EXPECT_TRUE(store_->Scan("benefits", spec).ok());
  spec.aggregates[0].columns = {5};
  EXPECT_EQ(store_->Scan("benefits", spec).status().code(), common::StatusCode::kDataLoss);
}

TEST_F(DatasetStoreTest, UnencryptedChunksThatAreDamagedAreDataLoss) {
  ASSERT_TRUE(store_->Create("benefits", testing::BenefitsSchema()).ok());
  Load("benefits", 100);
  ASSERT_TRUE(db_->Put(Family::kChunks, ChunkKey(1, ChunkKind::kValues, 4, 0), "junk").ok());
  Reopen();
  ScanSpec spec;
  spec.filter.op = Predicate::Op::kIsNull;
  spec.filter.column = 4;
  EXPECT_EQ(store_->Scan("benefits", spec).status().code(), common::StatusCode::kDataLoss);
}

TEST_F(DatasetStoreTest, ScansSeeWholeBatchesWhileIngestsRun) {
  ASSERT_TRUE(store_->Create("benefits", testing::BenefitsSchema()).ok());
  constexpr size_t kBatch = 20000;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0}, scans{0};
  std::thread reader([&] {
    while (!done) {
      auto r = store_->Scan("benefits", ScanSpec{});
      if (!r.ok() || r->cells[0].rows % kBatch != 0) ++bad;
      ++scans;
    }
  });
  for (size_t b = 0; b < 6; ++b) {
    auto r = testing::Ingest(*store_, "benefits", InputFormat::kCsv,
                             testing::ToCsv(testing::BenefitsSchema(), Records(kBatch, b, b * kBatch)));
    ASSERT_TRUE(r.ok() && r->committed);
  }
  done = true;
  reader.join();
  EXPECT_EQ(bad, 0);
  EXPECT_GT(scans, 0);
  EXPECT_EQ(Count("benefits"), static_cast<int64_t>(6 * kBatch));
}

TEST_F(DatasetStoreTest, AnErasureIsANewVersionWhetherOrNotItFoundTheKey) {
  ASSERT_TRUE(store_->Create("benefits", testing::BenefitsSchema()).ok());
  Load("benefits", 100);
  auto before = store_->Describe("benefits");
  auto none = store_->Erase("benefits", {"nobody-has-this-key"});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->erased, 0);
  auto after_none = store_->Describe("benefits");
  EXPECT_NE(after_none->generation, before->generation);
  EXPECT_EQ(none->generation, after_none->generation);
  EXPECT_EQ(after_none->rows, 100);
  auto one = store_->Erase("benefits", {"K1"});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->erased, 1);
  EXPECT_NE(store_->Describe("benefits")->generation, after_none->generation);
  Reopen();
  EXPECT_EQ(store_->Describe("benefits")->generation, one->generation);
  EXPECT_EQ(Count("benefits"), 99);
}

TEST_F(DatasetStoreTest, AFailedWriteChangesNothing) {
  ASSERT_TRUE(store_->Create("benefits", testing::BenefitsSchema()).ok());
  Load("benefits", 100);
  auto before = store_->Describe("benefits");
  db_->SetWritesFailForTesting(true);
  auto r = testing::Ingest(*store_, "benefits", InputFormat::kCsv,
                           testing::ToCsv(testing::BenefitsSchema(), Records(50, 9, 1000)));
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(store_->Erase("benefits", {"K1"}).ok());
  db_->SetWritesFailForTesting(false);
  EXPECT_EQ(store_->Describe("benefits")->generation, before->generation);
  EXPECT_EQ(Count("benefits"), 100);
  // The next batch works and still upserts correctly.
  IngestOptions upsert;
  upsert.mode = IngestMode::kUpsert;
  auto again =
      testing::Ingest(*store_, "benefits", InputFormat::kCsv,
                      testing::ToCsv(testing::BenefitsSchema(), Records(50, 9, 90)), upsert);
  ASSERT_TRUE(again.ok() && again->committed);
  EXPECT_EQ(again->rows_replaced, 10);
  EXPECT_EQ(Count("benefits"), 140);
}

TEST_F(DatasetStoreTest, ADefinitionIsRecordedAndTheSchemaMovesOnlyInPlace) {
  config::Schema schema = testing::BenefitsSchema();
  ASSERT_TRUE(store_->Create("benefits", schema).ok());
  Load("benefits", 1000);
  size_t type = *schema.FieldIndex("benefit_type");
  config::DefinitionRef v1{"00000001234567890000", "benefits", 1, std::string(64, 'a')};
  ASSERT_TRUE(store_->SetDefinition("benefits", v1, schema).ok());
  uint64_t generation = store_->Describe("benefits")->generation;
  // A category added at the end: in place, a new generation, the label usable at once.
  config::Schema v2_schema = schema;
  v2_schema.fields[type].categories.push_back("toeslag");
  v2_schema.fields[type].max_categories = 1000;
  config::DefinitionRef v2{v1.publisher, "benefits", 2, std::string(64, 'b')};
  ASSERT_TRUE(store_->SetDefinition("benefits", v2, v2_schema).ok());
  EXPECT_NE(store_->Describe("benefits")->generation, generation);
  EXPECT_EQ(store_->CategoryCode("benefits", type, "toeslag"), 6);
  // A scale widened is compatible but needs the records loaded again: refused, nothing changes.
  config::Schema rescaled = v2_schema;
  size_t amount = *schema.FieldIndex("monthly_amount");
  rescaled.fields[amount].scale = 3;
  rescaled.fields[amount].min.reset();
  rescaled.fields[amount].max.reset();
  auto refused = store_->SetDefinition("benefits", {v1.publisher, "benefits", 3, "c"}, rescaled);
  EXPECT_EQ(refused.code(), common::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("field monthly_amount: scale 2 -> 3"), std::string::npos)
      << refused.message();
  Reopen();
  auto info = store_->Describe("benefits");
  ASSERT_TRUE(info.ok());
  ASSERT_TRUE(info->definition.has_value());
  EXPECT_EQ(*info->definition, v2);
  EXPECT_EQ(config::SchemaToJson(info->schema), config::SchemaToJson(v2_schema));
  EXPECT_EQ(store_->CategoryCode("benefits", type, "toeslag"), 6);
  EXPECT_EQ(Count("benefits"), 1000);
}

TEST_F(DatasetStoreTest, DefinitionDocumentsAreKeptByVersion) {
  DefinitionStore defs(db_.get());
  ASSERT_TRUE(defs.Put({"org-a", "benefits", 1, "doc 1"}).ok());
  ASSERT_TRUE(defs.Put({"org-a", "benefits", 2, "doc 2"}).ok());
  ASSERT_TRUE(defs.Put({"org-a", "benefits-x", 10, "doc x"}).ok());
  ASSERT_TRUE(defs.Put({"org-a", "benefits", 1, "doc 1"}).ok());  // the same bytes again
  EXPECT_EQ(defs.Put({"org-a", "benefits", 1, "other"}).code(),
            common::StatusCode::kAlreadyExists);
  auto latest = defs.Latest("org-a", "benefits");
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->version, 2);
  EXPECT_EQ((*latest)->document, "doc 2");
  EXPECT_FALSE(defs.Latest("org-b", "benefits")->has_value());
  EXPECT_EQ((*defs.Get("org-a", "benefits", 1))->document, "doc 1");
  EXPECT_FALSE(defs.Get("org-a", "benefits", 3)->has_value());
  auto all = defs.List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2].name, "benefits-x");
  EXPECT_EQ((*all)[2].version, 10);
}

}  // namespace
}  // namespace verbind::storage
