#include "crypto/secretstream.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace verbind::crypto {
namespace {

std::string Key(char c) { return std::string(kStreamKeyBytes, c); }

TEST(SecretStream, MessagesRoundTripInOrderAndTheLastIsFinal) {
  auto sealer = StreamSealer::Start(common::AsBytes(Key('k')));
  ASSERT_TRUE(sealer.ok());
  std::string a = (*sealer)->Push("first", "ad", false);
  std::string b = (*sealer)->Push("", "ad", false);
  std::string c = (*sealer)->Push("last", "ad", true);
  EXPECT_EQ(a.size(), 5 + kStreamOverheadBytes);
  auto opener = StreamOpener::Start(common::AsBytes(Key('k')), (*sealer)->header());
  ASSERT_TRUE(opener.ok());
  bool final = true;
  EXPECT_EQ(*(*opener)->Pull(a, "ad", &final), "first");
  EXPECT_FALSE(final);
  EXPECT_EQ(*(*opener)->Pull(b, "ad", &final), "");
  EXPECT_EQ(*(*opener)->Pull(c, "ad", &final), "last");
  EXPECT_TRUE(final);
}

TEST(SecretStream, WrongKeysChangedBytesOtherDataAndReorderingAreRefused) {
  auto sealer = StreamSealer::Start(common::AsBytes(Key('k')));
  ASSERT_TRUE(sealer.ok());
  std::string a = (*sealer)->Push("first", "ad", false);
  std::string b = (*sealer)->Push("second", "ad", true);
  bool final = false;
  auto wrong = StreamOpener::Start(common::AsBytes(Key('x')), (*sealer)->header());
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ((*wrong)->Pull(a, "ad", &final).status().code(), common::StatusCode::kDataLoss);
  auto other_ad = StreamOpener::Start(common::AsBytes(Key('k')), (*sealer)->header());
  EXPECT_EQ((*other_ad)->Pull(a, "AD", &final).status().code(), common::StatusCode::kDataLoss);
  auto reordered = StreamOpener::Start(common::AsBytes(Key('k')), (*sealer)->header());
  EXPECT_EQ((*reordered)->Pull(b, "ad", &final).status().code(), common::StatusCode::kDataLoss);
  std::string flipped = a;
  flipped[2] ^= 1;
  auto changed = StreamOpener::Start(common::AsBytes(Key('k')), (*sealer)->header());
  EXPECT_EQ((*changed)->Pull(flipped, "ad", &final).status().code(),
            common::StatusCode::kDataLoss);
  EXPECT_EQ((*changed)->Pull("short", "ad", &final).status().code(),
            common::StatusCode::kDataLoss);
}

TEST(SecretStream, PassphrasesGiveTheSameKeyWithTheSameSaltOnly) {
  std::string salt(kPassphraseSaltBytes, 's'), salt2(kPassphraseSaltBytes, 't');
  auto k1 = KeyFromPassphrase("correct horse battery", common::AsBytes(salt));
  auto k2 = KeyFromPassphrase("correct horse battery", common::AsBytes(salt));
  auto k3 = KeyFromPassphrase("correct horse battery", common::AsBytes(salt2));
  ASSERT_TRUE(k1.ok() && k2.ok() && k3.ok());
  EXPECT_TRUE(std::equal(k1->span().begin(), k1->span().end(), k2->span().begin()));
  EXPECT_FALSE(std::equal(k1->span().begin(), k1->span().end(), k3->span().begin()));
  EXPECT_EQ(KeyFromPassphrase("short", common::AsBytes(salt)).status().message(),
            "a backup passphrase needs at least 12 characters");
}

}  // namespace
}  // namespace verbind::crypto
