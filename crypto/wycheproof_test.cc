// Runs the Wycheproof vectors (tests/vectors/wycheproof) through the crypto wrappers: every
// valid case must be accepted with the right output, every invalid case rejected, and an
// acceptable case either rejected or accepted with the right output.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "common/files.h"
#include "crypto/aead.h"
#include "crypto/signing.h"
#include "crypto/x25519.h"

namespace verbind::crypto {
namespace {

using common::Bytes;
using nlohmann::json;

json LoadVectors(const std::string& name) {
  auto text = common::ReadFile(std::string(VERBIND_SOURCE_DIR) + "/tests/vectors/wycheproof/" +
                               name);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return json::parse(*text);
}

Bytes Hex(const json& v) { return common::HexDecode(v.get<std::string>()).value(); }

TEST(Wycheproof, Ed25519) {
  json doc = LoadVectors("ed25519_test.json");
  int checked = 0;
  for (const auto& group : doc["testGroups"]) {
    Bytes pk = Hex(group["publicKey"]["pk"]);
    for (const auto& t : group["tests"]) {
      bool ok = Ed25519Verify(pk, Hex(t["msg"]), Hex(t["sig"]));
      std::string result = t["result"];
      if (result == "valid") {
        EXPECT_TRUE(ok) << "tcId " << t["tcId"];
      }
      if (result == "invalid") {
        EXPECT_FALSE(ok) << "tcId " << t["tcId"] << " " << t["comment"];
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, doc["numberOfTests"].get<int>());
}

TEST(Wycheproof, X25519) {
  json doc = LoadVectors("x25519_test.json");
  int checked = 0, valid = 0;
  for (const auto& group : doc["testGroups"]) {
    for (const auto& t : group["tests"]) {
      auto shared = X25519Shared(Hex(t["private"]), Hex(t["public"]));
      std::string result = t["result"];
      Bytes expected = Hex(t["shared"]);
      if (result == "valid") {
        ASSERT_TRUE(shared.ok()) << "tcId " << t["tcId"];
        ++valid;
      }
      if (result == "invalid") {
        EXPECT_FALSE(shared.ok()) << "tcId " << t["tcId"];
      }
      if (shared.ok()) {
        EXPECT_EQ(Bytes(shared->span().begin(), shared->span().end()), expected)
            << "tcId " << t["tcId"];
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, doc["numberOfTests"].get<int>());
  EXPECT_GT(valid, 200);
}

TEST(Wycheproof, XChaCha20Poly1305) {
  json doc = LoadVectors("xchacha20_poly1305_test.json");
  int checked = 0;
  for (const auto& group : doc["testGroups"]) {
    for (const auto& t : group["tests"]) {
      Bytes key = Hex(t["key"]), iv = Hex(t["iv"]), aad = Hex(t["aad"]), msg = Hex(t["msg"]);
      Bytes ct = Hex(t["ct"]), tag = Hex(t["tag"]);
      Bytes sealed = ct;
      sealed.insert(sealed.end(), tag.begin(), tag.end());
      auto opened = AeadOpen(key, iv, aad, sealed);
      std::string result = t["result"];
      if (result == "valid") {
        ASSERT_TRUE(opened.ok()) << "tcId " << t["tcId"];
        EXPECT_EQ(common::ToBytes(*opened), msg);
        auto resealed = AeadSeal(key, iv, aad, msg);
        ASSERT_TRUE(resealed.ok());
        EXPECT_EQ(common::ToBytes(*resealed), sealed) << "tcId " << t["tcId"];
      } else {
        EXPECT_FALSE(opened.ok()) << "tcId " << t["tcId"] << " " << t["comment"];
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, doc["numberOfTests"].get<int>());
}

}  // namespace
}  // namespace verbind::crypto
