// The data folder's format number: new folders, migrations step by step (crash-safe), folders
// from before the number, and folders of a newer release, on real RocksDB folders.
#include "storage/data_format.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "testing/fresh_dir.h"

namespace verbind::storage {
namespace {

using testing::FreshDir;

std::unique_ptr<Database> OpenDb(const std::string& dir) {
  auto db = Database::Open(dir);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return db.ok() ? std::move(db).value() : nullptr;
}

std::string StoredFormat(Database& db) {
  auto v = db.Get(Family::kMeta, "format");
  return v.ok() && *v ? **v : "";
}

TEST(DataFormat, ANewFolderIsWrittenInTheCurrentFormat) {
  auto db = OpenDb(FreshDir("new"));
  auto check = UpgradeDataFormat(*db);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_EQ(check->found, 0);
  EXPECT_EQ(check->now, kDataFormat);
  EXPECT_TRUE(check->applied.empty());
  EXPECT_EQ(StoredFormat(*db), std::to_string(kDataFormat));
}

TEST(DataFormat, AFolderFromBeforeTheNumberIsFormatOneAndIsMigrated) {
  auto db = OpenDb(FreshDir("unnumbered"));
  ASSERT_TRUE(db->Put(Family::kPeers, "p/org", "{}").ok());  // data, but no format record
  auto check = UpgradeDataFormat(*db);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_EQ(check->found, 1);
  ASSERT_EQ(check->applied.size(), 1u);
  EXPECT_EQ(check->applied[0].substr(0, 7), "1 -> 2:");
  EXPECT_EQ(StoredFormat(*db), "2");
}

TEST(DataFormat, AFolderOfTheCurrentFormatOpensAfterAFormatBump) {
  std::string dir = FreshDir("bump");
  {
    auto db = OpenDb(dir);
    ASSERT_TRUE(UpgradeDataFormat(*db).ok());
    ASSERT_TRUE(db->Put(Family::kDatasets, "d/kept", "record").ok());
  }
  // The next release's format: one more step, which fails the first time (a crash midway).
  int attempts = 0;
  std::vector<FormatMigration> steps = FormatMigrations();
  steps.push_back({kDataFormat + 1, "rewrite the records", [&attempts](Database& db) {
                     if (++attempts == 1) return common::Unavailable("disk full");
                     return db.Put(Family::kDatasets, "d/kept", "record, rewritten");
                   }});
  {
    auto db = OpenDb(dir);
    auto failed = UpgradeDataFormat(*db, kDataFormat + 1, steps);
    EXPECT_EQ(failed.status().code(), common::StatusCode::kUnavailable);
    EXPECT_NE(failed.status().message().find("migrating the data folder from format 2 to 3"),
              std::string::npos)
        << failed.status().message();
    EXPECT_EQ(StoredFormat(*db), "2");  // still the last completed format
  }
  {
    auto db = OpenDb(dir);
    auto check = UpgradeDataFormat(*db, kDataFormat + 1, steps);
    ASSERT_TRUE(check.ok()) << check.status().ToString();
    EXPECT_EQ(check->found, 2);
    EXPECT_EQ(check->now, 3);
    ASSERT_EQ(check->applied.size(), 1u);
    EXPECT_EQ(check->applied[0], "2 -> 3: rewrite the records");
    EXPECT_EQ(**db->Get(Family::kDatasets, "d/kept"), "record, rewritten");
    EXPECT_EQ(StoredFormat(*db), "3");
  }
  // This release does not read the newer folder, and says why.
  auto db = OpenDb(dir);
  auto newer = UpgradeDataFormat(*db);
  EXPECT_EQ(newer.status().code(), common::StatusCode::kFailedPrecondition);
  EXPECT_EQ(newer.status().message(),
            "the data folder is format 3, written by a newer verbind; this release reads formats "
            "up to 2: run the newer release, or restore a backup made for this one");
}

TEST(DataFormat, AColumnFamilyOfANewerReleaseIsNamedWhenTheFolderOpens) {
  std::string dir = FreshDir("newer-family");
  { OpenDb(dir); }
  {
    rocksdb::DBOptions o;
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(o, dir, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const auto& n : names) families.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir, families, &handles, &raw).ok());
    rocksdb::ColumnFamilyHandle* extra = nullptr;
    ASSERT_TRUE(raw->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "future", &extra).ok());
    handles.push_back(extra);
    for (auto* h : handles) ASSERT_TRUE(raw->DestroyColumnFamilyHandle(h).ok());
    delete raw;
  }
  auto db = Database::Open(dir);
  EXPECT_EQ(db.status().code(), common::StatusCode::kFailedPrecondition);
  EXPECT_NE(db.status().message().find("holds column family \"future\", unknown to this release"),
            std::string::npos)
      << db.status().message();
}

}  // namespace
}  // namespace verbind::storage
