#include "storage/record_set_sketch.h"

#include <gtest/gtest.h>

#include "crypto/hash.h"

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
  EXPECT_TRUE(a.EncodesTo(bytes));
  for (size_t i : {size_t{0}, size_t{8}, size_t{16}, bytes.size() - 1}) {
    std::string changed = bytes;
    changed[i] ^= 1;
    EXPECT_FALSE(a.EncodesTo(changed)) << i;
  }
  EXPECT_FALSE(a.EncodesTo(bytes.substr(1)));
}

TEST(RecordSetSketch, CellPlacementIsStable) {
  // Answers stored by earlier versions are compared with new ones, so where an id lands must
  // never change: these digests were taken from sketches built with plain `%` indexing.
  RecordSetSketch small(96), large(993);
  for (uint64_t id = 0; id < 20000; ++id) {
    small.Add(RecordIdOfKey(std::to_string(id)));
    large.Add(id * 0x9e3779b97f4a7c15ULL);
  }
  EXPECT_EQ(crypto::Sha256Hex(small.Encode()),
            "2d593da0360d7acb9fd2646fb2aa6d6d6780daee91d043ea2cac442ab5bfe1f5");
  EXPECT_EQ(crypto::Sha256Hex(large.Encode()),
            "094c7c9a8b80267d490aa180f47a60856b8e4f0f1415c053d0645e23f767f942");
}

}  // namespace
}  // namespace verbind::storage
