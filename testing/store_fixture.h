// The schema-and-rows fixture as a GoogleTest fixture: a database and dataset store in a fresh
// folder (testing/fresh_dir.h) under a manual clock, reopenable (with or without a data key),
// and datasets loaded from schema TOML and CSV with their outcome asserted. Header-only
// because it needs GoogleTest (see testing/fresh_dir.h). Thread-compatible.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "storage/database.h"
#include "storage/dataset_store.h"
#include "testing/dataset_fixture.h"
#include "testing/fresh_dir.h"

namespace verbind::testing {

class StoreFixture : public ::testing::Test {
 protected:
  // The manual clock starts at `now_millis`.
  explicit StoreFixture(int64_t now_millis = 1'700'000'000'000) : clock_(now_millis) {}

  void SetUp() override {
    dir_ = FreshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    Reopen();
  }

  // Closes and reopens the database and store in dir_/db; `key` is the 32-byte data key for
  // encryption at rest (empty: none).
  void Reopen(const std::string& key = "") {
    store_.reset();
    db_.reset();
    storage::DatasetStoreOptions options;
    options.data_key = key;
    auto opened = OpenStore(dir_ + "/db", options, &clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    db_ = std::move(opened->db);
    store_ = std::move(opened->store);
  }

  // LoadDataset (testing/dataset_fixture.h), asserted: every row of `csv` is stored.
  void Load(std::string_view name, std::string_view toml, std::string_view csv) {
    auto report = LoadDataset(*store_, name, toml, csv);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
  }

  std::string dir_;
  common::ManualClock clock_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::DatasetStore> store_;
};

}  // namespace verbind::testing
