#include "crypto/deterministic_random.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "common/encoding.h"

namespace verbind::crypto {
namespace {

using common::AsBytes;
using common::HexEncode;

DeterministicSeed CountingSeed() {
  DeterministicSeed seed;
  std::iota(seed.begin(), seed.end(), 0);
  return seed;
}

std::vector<uint8_t> Take(DeterministicRandom& rng, size_t n) {
  std::vector<uint8_t> out(n);
  rng.Fill(out);
  return out;
}

// Independent computation (Python: ChaCha20 with the nonce "LibsodiumDRG" as libsodium's
// randombytes_buf_deterministic, and hashlib.blake2b for the seed chain).
TEST(DeterministicRandom, KnownAnswerAcrossBlocks) {
  DeterministicRandom rng(CountingSeed());
  std::vector<uint8_t> all = Take(rng, 1040);
  auto hex = [&](size_t at) { return HexEncode(std::span(all).subspan(at, 16)); };
  EXPECT_EQ(hex(0), "0d8e6cc68715648926732e7ea73250cf");
  EXPECT_EQ(hex(512), "da7c754b2f2d82205336c48f7c192491");
  EXPECT_EQ(hex(1024), "8eba59f67bf10c7e0865412892d4d680");
}

TEST(DeterministicRandom, PiecesEqualOneRead) {
  DeterministicRandom whole(CountingSeed());
  std::vector<uint8_t> expected = Take(whole, 3000);
  DeterministicRandom pieces(CountingSeed());
  std::vector<uint8_t> got;
  for (size_t n : {1, 7, 500, 13, 1024, 455, 1000}) {
    std::vector<uint8_t> part = Take(pieces, n);
    got.insert(got.end(), part.begin(), part.end());
  }
  EXPECT_EQ(got, expected);
}

TEST(DeterministicRandom, OtherSeedOtherStream) {
  DeterministicSeed other = CountingSeed();
  other[31] ^= 1;
  DeterministicRandom a(CountingSeed());
  DeterministicRandom b(other);
  EXPECT_NE(Take(a, 64), Take(b, 64));
  // Blocks never repeat within a stream.
  DeterministicRandom c(CountingSeed());
  std::vector<uint8_t> s = Take(c, 2048);
  EXPECT_NE(std::vector<uint8_t>(s.begin(), s.begin() + 512),
            std::vector<uint8_t>(s.begin() + 512, s.begin() + 1024));
}

TEST(DeriveSeed, KeyedBlake2bKnownAnswer) {
  DeterministicSeed key = CountingSeed();
  EXPECT_EQ(HexEncode(DeriveSeed(key, "verbind")),
            "3016ed7082a1a01d6b08227fbdf408b45fd2e7295f24743453ea16fdcb547c4a");
  DeterministicSeed other = key;
  other[0] = 99;
  EXPECT_NE(DeriveSeed(other, "verbind"), DeriveSeed(key, "verbind"));
  EXPECT_NE(DeriveSeed(key, "verbind!"), DeriveSeed(key, "verbind"));
}

TEST(DeriveSeedDeathTest, RefusesShortKeys) { EXPECT_DEATH(DeriveSeed(AsBytes("short"), "x"), ""); }

}  // namespace
}  // namespace verbind::crypto
