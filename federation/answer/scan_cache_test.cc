#include "federation/answer/scan_cache.h"

#include <gtest/gtest.h>

namespace verbind::federation {
namespace {

// A scan outcome with `cells` cells whose count is `rows`.
std::shared_ptr<const storage::ScanResult> Scan(int64_t rows, int cells = 1) {
  auto s = std::make_shared<storage::ScanResult>();
  s->rows_scanned = rows;
  for (int i = 0; i < cells; ++i) {
    storage::CellResult c;
    c.rows = rows;
    c.aggregates.push_back(storage::CountState{rows});
    s->cells.push_back(std::move(c));
  }
  return s;
}

TEST(ScanCache, FindsWhatWasPutUnderTheSameKeyOnly) {
  ScanCache cache(1 << 20);
  EXPECT_EQ(cache.Find("a"), nullptr);
  cache.Put("a", Scan(7));
  auto hit = cache.Find("a");
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->rows_scanned, 7);
  EXPECT_EQ(cache.Find("b"), nullptr);
  cache.Put("a", Scan(8));  // replaced, not kept twice
  EXPECT_EQ(cache.Find("a")->rows_scanned, 8);
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(cache.misses(), 2u);
  EXPECT_EQ(cache.bytes(), ScanCache::SizeOf("a", *Scan(8)));
}

TEST(ScanCache, DropsTheLeastRecentlyUsedToStayWithinItsMemory) {
  const size_t one = ScanCache::SizeOf("k0", *Scan(1, 50));
  ScanCache cache(one * 4);
  for (int i = 0; i < 4; ++i) cache.Put("k" + std::to_string(i), Scan(i, 50));
  ASSERT_NE(cache.Find("k0"), nullptr);  // k1 is now the least recently used
  cache.Put("k4", Scan(4, 50));
  EXPECT_EQ(cache.Find("k1"), nullptr);
  for (const char* kept : {"k0", "k2", "k3", "k4"}) EXPECT_NE(cache.Find(kept), nullptr) << kept;
  EXPECT_LE(cache.bytes(), one * 4);
}

TEST(ScanCache, KeepsNothingWhenOffOrForOneOversizedEntry) {
  ScanCache off(0);
  off.Put("a", Scan(1));
  EXPECT_FALSE(off.enabled());
  EXPECT_EQ(off.Find("a"), nullptr);
  const size_t big = ScanCache::SizeOf("big", *Scan(1, 3000));
  ScanCache small(big * 2);  // an entry may take at most a quarter
  small.Put("big", Scan(1, 3000));
  EXPECT_EQ(small.Find("big"), nullptr);
  EXPECT_EQ(small.bytes(), 0u);
}

}  // namespace
}  // namespace verbind::federation
