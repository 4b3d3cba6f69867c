#include "storage/internal/column_chunk.h"

#include <gtest/gtest.h>

#include <random>

#include "storage/dataset_store.h"

namespace verbind::storage {
namespace {

std::shared_ptr<const ColumnChunk> RoundTrip(const std::vector<int64_t>& values,
                                             const RowBitmap* nulls) {
  auto c = MakeColumnChunk(values.data(), nulls ? nulls->data() : nullptr,
                           static_cast<uint32_t>(values.size()), 77);
  auto back = DecodeColumnChunk(EncodeColumnChunk(*c));
  EXPECT_TRUE(back.ok()) << back.status().ToString();
  return back.ok() ? *back : nullptr;
}

TEST(ColumnChunk, PicksTheNarrowestWidthAndRoundTrips) {
  struct Case {
    std::vector<int64_t> values;
    uint8_t width;
  };
  const Case cases[] = {
      {{1960, 1925, 2005}, 1},
      {{-5, 250}, 1},
      {{-5, 251}, 2},
      {{0, 70000}, 4},
      {{INT64_MIN, INT64_MAX, 0, -1}, 8},
      {{7, 7, 7}, 1},
  };
  for (const auto& c : cases) {
    auto back = RoundTrip(c.values, nullptr);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->width, c.width);
    EXPECT_EQ(back->generation, 77u);
    for (uint32_t i = 0; i < c.values.size(); ++i) EXPECT_EQ(back->Value(i), c.values[i]);
  }
}

TEST(ColumnChunk, NullsAreKeptAndDoNotWidenTheRange) {
  std::vector<int64_t> values(130, 5);
  RowBitmap nulls(BitmapWords(130), 0);
  SetBit(nulls, 0);
  SetBit(nulls, 129);
  values[0] = INT64_MIN;  // ignored: NULL
  auto back = RoundTrip(values, &nulls);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->null_count, 2u);
  EXPECT_TRUE(back->IsNull(0));
  EXPECT_TRUE(back->IsNull(129));
  EXPECT_FALSE(back->IsNull(1));
  EXPECT_EQ(back->width, 1);
  EXPECT_EQ(back->max_delta, 0u);
  RowBitmap all(BitmapWords(3), 0b111);
  auto none = RoundTrip({1, 2, 3}, &all);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->null_count, 3u);
}

TEST(ColumnChunk, DamagedEncodingsAreDataLoss) {
  std::vector<int64_t> values = {1, 2, 300};
  auto c = MakeColumnChunk(values.data(), nullptr, 3, 1);
  std::string good = EncodeColumnChunk(*c);
  std::vector<std::string> bad = {good.substr(0, good.size() - 1), good + "x", "", good};
  bad[3][2] = 3;  // width 3 does not exist
  std::string beyond = good;
  beyond[24] = 1;  // max_delta 1, but a delta of 299 follows
  bad.push_back(beyond);
  for (const auto& b : bad) {
    auto d = DecodeColumnChunk(b);
    EXPECT_EQ(d.status().code(), common::StatusCode::kDataLoss);
  }
}

TEST(IdentifierChunk, RoundTripsWithNulls) {
  IdentifierChunk c;
  c.rows = 3;
  c.generation = 9;
  c.bytes = "abcé";
  c.offsets = {0, 3, 3, 5};
  c.nulls = {0b010};
  c.null_count = 1;
  auto back = DecodeIdentifierChunk(EncodeIdentifierChunk(c));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)->Get(0), "abc");
  EXPECT_TRUE((*back)->IsNull(1));
  EXPECT_EQ((*back)->Get(2), "é");
  std::string enc = EncodeIdentifierChunk(c);
  enc[24 + 8 + 4] = 9;  // an offset past the end
  EXPECT_FALSE(DecodeIdentifierChunk(enc).ok());
}

TEST(DeletionChunk, RoundTrips) {
  RowBitmap d(BitmapWords(kChunkRows), 0);
  SetBit(d, 65535);
  auto back = DecodeDeletionChunk(EncodeDeletionChunk(d, 5));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->generation, 5u);
  EXPECT_TRUE(TestBit(back->deleted, 65535));
  EXPECT_FALSE(DecodeDeletionChunk(EncodeDeletionChunk(RowBitmap(3), 5)).ok());
}

}  // namespace
}  // namespace verbind::storage
