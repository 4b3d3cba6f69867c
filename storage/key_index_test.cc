#include "storage/internal/key_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace verbind::storage {
namespace {

TEST(KeyIndex, FindsRowsConfirmedByTheCallerAndGrows) {
  KeyIndex index;
  std::vector<std::string> keys;
  for (uint32_t i = 0; i < 50000; ++i) {
    keys.push_back("key-" + std::to_string(i));
    index.Insert(HashKey(keys.back()), i);
  }
  EXPECT_EQ(index.size(), 50000u);
  for (uint32_t i = 0; i < 50000; i += 777) {
    const std::string& k = keys[i];
    EXPECT_EQ(index.Find(HashKey(k), [&](uint32_t r) { return keys[r] == k; }), i);
  }
  EXPECT_EQ(index.Find(HashKey("absent"), [&](uint32_t) { return true; }), -1);
  ASSERT_TRUE(index.Replace(HashKey(keys[5]), 5, 60000));
  EXPECT_EQ(index.Find(HashKey(keys[5]), [](uint32_t r) { return r == 60000; }), 60000);
  ASSERT_TRUE(index.Remove(HashKey(keys[5]), 60000));
  EXPECT_FALSE(index.Remove(HashKey(keys[5]), 60000));
  EXPECT_EQ(index.Find(HashKey(keys[5]), [](uint32_t) { return true; }), -1);
  EXPECT_EQ(index.size(), 49999u);
}

TEST(KeyIndex, CollidingHashesStayDistinctRecords) {
  // Every key gets the same hash: only the caller's key comparison tells them apart.
  KeyIndex index(4);
  std::map<uint32_t, std::string> stored = {{1, "a"}, {2, "b"}, {3, "c"}};
  for (const auto& [row, key] : stored) index.Insert(42, row);
  for (const auto& [row, key] : stored) {
    const std::string& k = key;
    EXPECT_EQ(index.Find(42, [&](uint32_t r) { return stored[r] == k; }), row);
  }
  index.Remove(42, 2);
  EXPECT_EQ(index.Find(42, [&](uint32_t r) { return stored[r] == "c"; }), 3);
  EXPECT_EQ(index.Find(42, [&](uint32_t r) { return stored[r] == "b"; }), -1);
}

TEST(KeyIndex, TombstonesDoNotFillTheTable) {
  KeyIndex index(16);
  for (uint32_t i = 0; i < 100000; ++i) {
    index.Insert(HashKey(std::to_string(i)), i);
    ASSERT_TRUE(index.Remove(HashKey(std::to_string(i)), i));
  }
  EXPECT_EQ(index.size(), 0u);
  EXPECT_LT(index.MemoryBytes(), 1u << 20);
}

TEST(HashKey, SpreadsSimilarKeys) {
  std::set<uint64_t> seen;
  for (int i = 0; i < 100000; ++i) seen.insert(HashKey("P" + std::to_string(i)) >> 40);
  EXPECT_GT(seen.size(), 99000u);  // 24 bits of 100k keys: few collisions expected
  EXPECT_NE(HashKey(""), HashKey(std::string(1, '\0')));
}

}  // namespace
}  // namespace verbind::storage
