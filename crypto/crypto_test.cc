#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "common/encoding.h"
#include "common/files.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/signing.h"
#include "crypto/system_random.h"

namespace verbind::crypto {
namespace {

using common::AsBytes;
using common::HexDecode;
using common::HexEncode;

TEST(Sha256, KnownAnswer) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256Hasher h;
  h.Update("a");
  h.Update("bc");
  EXPECT_EQ(HexEncode(h.Finish()), Sha256Hex("abc"));
}

// FIPS 180-4 examples: two blocks, and a million bytes fed in uneven pieces.
TEST(Sha256, LongMessagesInPieces) {
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256Hasher h;
  std::string piece(997, 'a');
  size_t left = 1000000;
  while (left > 0) {
    size_t n = std::min(left, piece.size());
    h.Update(std::string_view(piece).substr(0, n));
    left -= n;
  }
  Sha256Hasher moved = std::move(h);
  EXPECT_EQ(HexEncode(moved.Finish()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Ed25519, Rfc8032TestVector1) {
  auto seed = HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  auto key = SigningKey::FromSeed(*seed);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(HexEncode(key->public_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  auto sig = key->Sign({});
  EXPECT_EQ(HexEncode(sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(Ed25519Verify(key->public_key(), {}, sig));
  sig[0] ^= 1;
  EXPECT_FALSE(Ed25519Verify(key->public_key(), {}, sig));
  EXPECT_EQ(KeyIdOf(key->public_key()).size(), 16u);
}

TEST(Ed25519, WrongKeyAndSizes) {
  SigningKey a = SigningKey::Generate(SystemRandom::Get());
  SigningKey b = SigningKey::Generate(SystemRandom::Get());
  auto msg = AsBytes("hello");
  auto sig = a.Sign(msg);
  EXPECT_TRUE(Ed25519Verify(a.public_key(), msg, sig));
  EXPECT_FALSE(Ed25519Verify(b.public_key(), msg, sig));
  EXPECT_FALSE(Ed25519Verify(std::span(a.public_key()).first(31), msg, sig));
  EXPECT_FALSE(SigningKey::FromSeed(AsBytes("short")).ok());
}

TEST(Aead, SealOpenAndTamper) {
  uint8_t key[32];
  SystemRandom::Get().Fill(key);
  auto box = SealWithRandomNonce(key, AsBytes("chunk/1/2"), AsBytes("secret rows"),
                                 SystemRandom::Get());
  ASSERT_TRUE(box.ok());
  EXPECT_EQ(*OpenWithNonce(key, AsBytes("chunk/1/2"), AsBytes(*box)), "secret rows");
  // Another position (associated data) or a flipped byte is refused.
  EXPECT_EQ(OpenWithNonce(key, AsBytes("chunk/1/3"), AsBytes(*box)).status().code(),
            common::StatusCode::kDataLoss);
  std::string bad = *box;
  bad[30] ^= 1;
  EXPECT_FALSE(OpenWithNonce(key, AsBytes("chunk/1/2"), AsBytes(bad)).ok());
  EXPECT_FALSE(OpenWithNonce(key, {}, AsBytes("short")).ok());
}

TEST(Random, UniformBelowStaysInRange) {
  common::SeededRandom rng(7);
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 3000; ++i) ++counts[UniformBelow(rng, 3)];
  for (int c : counts) EXPECT_GT(c, 800);
}

TEST(SecretFiles, ModeAndRefusal) {
  std::string path = ::testing::TempDir() + "/verbind_secret_test.key";
  ::unlink(path.c_str());
  uint8_t bytes[4] = {1, 2, 3, 4};
  ASSERT_TRUE(WriteSecretFile(path, bytes).ok());
  EXPECT_EQ(*common::FileMode(path), 0600u);
  EXPECT_EQ(ReadSecretFile(path)->size(), 4u);
  EXPECT_EQ(WriteSecretFile(path, bytes).code(), common::StatusCode::kAlreadyExists);
  ::chmod(path.c_str(), 0644);
  EXPECT_EQ(ReadSecretFile(path).status().code(), common::StatusCode::kPermissionDenied);
  ::unlink(path.c_str());
}

}  // namespace
}  // namespace verbind::crypto
