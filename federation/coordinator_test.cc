// The requester's checks of one participant's answer: a refusal counts as a denial of this
// query only when it is signed by the participant and bound to this query.
#include "federation/coordinator.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/system_random.h"
#include "federation/envelope.h"

namespace verbind::federation {
namespace {

class VerifyAnswers : public ::testing::Test {
 protected:
  void SetUp() override {
    peer_.org_id = "uwv";
    peer_.status = storage::PeerStatus::kActive;
    peer_.keys.push_back({crypto::KeyIdOf(key_.public_key()),
                          std::string(common::AsChars(key_.public_key())), 0, 0});
  }
  std::string Refusal(const std::string& hash, const std::string& id,
                      const std::string& responder = "uwv") const {
    RefusalPayload r;
    r.query_hash = hash;
    r.query_id = id;
    r.responder = responder;
    r.code = "denied";
    r.message = "no sharing policy allows this query";
    return EncodeEnvelope(SealEnvelope(kTypeRefusal, "uwv", key_, EncodeRefusal(r)));
  }
  crypto::SigningKey key_ = crypto::SigningKey::Generate(crypto::SystemRandom::Get());
  storage::PeerRecord peer_;
  QueryBinding binding_{std::string(64, 'a'), std::string(32, 'b'), "benefits"};
};

TEST_F(VerifyAnswers, OnlyABoundRefusalIsADenial) {
  auto bound = Coordinator::VerifyRefusal(peer_, binding_, Refusal(binding_.query_hash,
                                                                   binding_.query_id), 1);
  EXPECT_EQ(bound.status, kDenied);
  EXPECT_EQ(bound.code, "denied");
  EXPECT_FALSE(bound.envelope.empty());
  // Bound by hash only (the peer could not read the payload): still this query's.
  EXPECT_EQ(Coordinator::VerifyRefusal(peer_, binding_, Refusal(binding_.query_hash, ""), 1).status,
            kDenied);
  // Unbound: the peer could not read the query; never a denial that a receipt could hold.
  auto unbound = Coordinator::VerifyRefusal(peer_, binding_, Refusal("", ""), 1);
  EXPECT_EQ(unbound.status, kRefused);
  EXPECT_TRUE(unbound.envelope.empty());
  // Another query's refusal, or another responder's, is an invalid answer.
  EXPECT_EQ(
      Coordinator::VerifyRefusal(peer_, binding_, Refusal(std::string(64, 'c'), ""), 1).status,
      kInvalidAnswer);
  EXPECT_EQ(Coordinator::VerifyRefusal(peer_, binding_,
                                       Refusal(binding_.query_hash, std::string(32, 'd')), 1)
                .status,
            kInvalidAnswer);
  EXPECT_EQ(Coordinator::VerifyRefusal(peer_, binding_,
                                       Refusal(binding_.query_hash, "", "cbs"), 1)
                .status,
            kInvalidAnswer);
}

TEST_F(VerifyAnswers, AnHttpErrorWithABoundRefusalIsADenialAndWithoutOneIsRefused) {
  nlohmann::json body = {{"code", "denied"},
                         {"message", "m"},
                         {"refusal", nlohmann::json::parse(Refusal(binding_.query_hash, ""))}};
  EXPECT_EQ(Coordinator::VerifyReply(peer_, binding_, {403, body.dump()}, 1).status, kDenied);
  auto plain = Coordinator::VerifyReply(peer_, binding_, {429, R"({"code":"overloaded"})"}, 1);
  EXPECT_EQ(plain.status, kRefused);
  EXPECT_EQ(plain.code, "overloaded");
  body["refusal"] = nlohmann::json::parse(Refusal("", ""));
  EXPECT_EQ(Coordinator::VerifyReply(peer_, binding_, {400, body.dump()}, 1).status, kRefused);
}

}  // namespace
}  // namespace verbind::federation
