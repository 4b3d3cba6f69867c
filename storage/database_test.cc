#include "storage/database.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace verbind::storage {
namespace {

std::string FreshDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/verbind_db_" + name;
  std::system(("rm -rf '" + dir + "'").c_str());
  return dir;
}

TEST(Database, PutGetScanAndPersist) {
  std::string dir = FreshDir("persist");
  {
    auto db = Database::Open(dir);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Put(Family::kMeta, "a/1", "one").ok());
    WriteBatch batch;
    batch.Put(Family::kMeta, "a/2", "two");
    batch.Put(Family::kMeta, "b/1", "other");
    batch.Put(Family::kPeers, "a/3", "elsewhere");
    ASSERT_TRUE((*db)->Write(batch).ok());
    ASSERT_TRUE((*db)->Delete(Family::kMeta, "a/1").ok());
  }
  auto db = Database::Open(dir);
  ASSERT_TRUE(db.ok());
  EXPECT_FALSE((*db)->Get(Family::kMeta, "a/1")->has_value());
  EXPECT_EQ(**(*db)->Get(Family::kMeta, "a/2"), "two");
  std::vector<std::string> keys;
  ASSERT_TRUE((*db)->Scan(Family::kMeta, "a/", [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  }).ok());
  EXPECT_EQ(keys, std::vector<std::string>{"a/2"});
  auto last = (*db)->Last(Family::kMeta, "");
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->first, "b/1");
}

TEST(Database, LastWithPrefixAndBinaryKeys) {
  auto db = Database::Open(FreshDir("last"));
  ASSERT_TRUE(db.ok());
  for (uint64_t i : {1u, 5u, 255u, 256u}) {
    std::string key = "log";
    AppendU64(&key, i);
    ASSERT_TRUE((*db)->Put(Family::kAudit, key, std::to_string(i)).ok());
  }
  ASSERT_TRUE((*db)->Put(Family::kAudit, "lox", "after").ok());
  auto last = (*db)->Last(Family::kAudit, "log");
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->second, "256");
  EXPECT_EQ(ReadU64(std::string_view((*last)->first).substr(3)), 256u);
  EXPECT_FALSE((*db)->Last(Family::kAudit, "zzz")->has_value());
}

TEST(Database, SecondOpenIsRefusedClearly) {
  std::string dir = FreshDir("lock");
  auto first = Database::Open(dir);
  ASSERT_TRUE(first.ok());
  auto second = Database::Open(dir);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), common::StatusCode::kUnavailable);
}

TEST(Database, InjectedWriteFailure) {
  auto db = Database::Open(FreshDir("fail"));
  ASSERT_TRUE(db.ok());
  (*db)->SetWritesFailForTesting(true);
  EXPECT_FALSE((*db)->Put(Family::kMeta, "k", "v").ok());
  (*db)->SetWritesFailForTesting(false);
  EXPECT_TRUE((*db)->Put(Family::kMeta, "k", "v").ok());
}

}  // namespace
}  // namespace verbind::storage
