#include "storage/record_set_sketch.h"

#include <gtest/gtest.h>

namespace verbind::storage {
namespace {

TEST(RecordSetSketch, FindsSmallDifferencesExactly) {
  for (int diff : {0, 1, 2, 5, 9, 20}) {
    RecordSetSketch everyone, all_but;
    for (uint64_t id = 1; id <= 100000; ++id) {
      everyone.Add(id);
      if (id > static_cast<uint64_t>(diff)) all_but.Add(id);
    }
    auto d = everyone.SymmetricDifference(all_but, 40);
    ASSERT_TRUE(d.has_value()) << diff;
    EXPECT_EQ(*d, diff);
  }
}

TEST(RecordSetSketch, SymmetricDifferenceOfOverlappingSets) {
  RecordSetSketch a, b;
  for (uint64_t id = 0; id < 5000; ++id) a.Add(id * 3);
  for (uint64_t id = 2; id < 5003; ++id) b.Add(id * 3);  // 2 out, 3 in
  EXPECT_EQ(a.SymmetricDifference(b, 40), 5);
}

TEST(RecordSetSketch, LargeDifferencesAreNotMistakenForSmallOnes) {
  RecordSetSketch a, b;
  for (uint64_t id = 0; id < 10000; ++id) a.Add(id);
  for (uint64_t id = 0; id < 10000; ++id) b.Add(id + 5000);
  EXPECT_FALSE(a.SymmetricDifference(b, 40).has_value());
  RecordSetSketch c, d;
  for (uint64_t id = 0; id < 1000; ++id) c.Add(id);
  for (uint64_t id = 500; id < 1500; ++id) d.Add(id);  // same size, 1000 apart
  EXPECT_FALSE(c.SymmetricDifference(d, 40).has_value());
}

TEST(RecordSetSketch, EncodesAndRefusesDamage) {
  RecordSetSketch a;
  for (uint64_t id = 0; id < 100; ++id) a.Add(RecordIdOfKey(std::to_string(id)));
  auto back = RecordSetSketch::Decode(a.Encode());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->SymmetricDifference(a, 10), 0);
  EXPECT_FALSE(RecordSetSketch::Decode("short").ok());
  std::string bad = a.Encode();
  bad.pop_back();
  EXPECT_FALSE(RecordSetSketch::Decode(bad).ok());
}

TEST(RecordSetSketch, EncodingIsStable) {
  // Stored answers depend on these bytes: the cell count, the record count, then per cell its
  // count, id xor and hash xor, each 8 bytes little-endian.
  RecordSetSketch a(3);
  a.Add(7);
  std::string bytes = a.Encode();
  ASSERT_EQ(bytes.size(), 16u + 3 * 24);
  EXPECT_EQ(bytes.substr(0, 16), std::string("\x03\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0", 16));
  for (size_t cell = 0; cell < 3; ++cell) {
    // One id in a three-cell sketch lands in every cell: count 1 and id xor 7.
    EXPECT_EQ(bytes.substr(16 + cell * 24, 16),
              std::string("\x01\0\0\0\0\0\0\0\x07\0\0\0\0\0\0\0", 16));
  }
  EXPECT_EQ(bytes.substr(16 + 16, 8), bytes.substr(16 + 24 + 16, 8));
  auto back = RecordSetSketch::Decode(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->count(), 1);
  EXPECT_EQ(back->Encode(), bytes);
}

}  // namespace
}  // namespace verbind::storage
