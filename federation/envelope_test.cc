#include "federation/envelope.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/system_random.h"
#include "federation/messages.h"
#include "federation/verifier.h"

namespace verbind::federation {
namespace {

TEST(Envelope, RoundTripAndStrictDecoding) {
  auto key = crypto::SigningKey::Generate(crypto::SystemRandom::Get());
  Envelope e = SealEnvelope(kTypeQuery, "org-a", key, "{\"x\":1}");
  auto back = DecodeEnvelope(EncodeEnvelope(e));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->payload, e.payload);
  EXPECT_TRUE(VerifyEnvelopeSignature(*back, std::string(common::AsChars(key.public_key()))));
  for (const char* bad : {"", "[]", "{\"v\":2}", "{\"v\":1,\"type\":\"query\"}",
                          R"({"v":1,"type":"other","signer":"a","key_id":"0011223344556677","payload":"","signature":""})"}) {
    EXPECT_FALSE(DecodeEnvelope(bad).ok()) << bad;
  }
  std::string extra = EncodeEnvelope(e);
  extra.insert(1, "\"x\":1,");
  EXPECT_FALSE(DecodeEnvelope(extra).ok());
}

TEST(Envelope, HashBindsSignature) {
  auto key = crypto::SigningKey::Generate(crypto::SystemRandom::Get());
  Envelope e1 = SealEnvelope(kTypeQuery, "org-a", key, "p");
  Envelope e2 = SealEnvelope(kTypeQuery, "org-a", key, "q");
  EXPECT_NE(EnvelopeHash(e1), EnvelopeHash(e2));
  EXPECT_EQ(EnvelopeHash(e1).size(), 64u);
}

TEST(Messages, QueryPayloadValidation) {
  QueryPayload q;
  q.query_id = NewQueryId(crypto::SystemRandom::Get());
  q.requester = "org-a";
  q.dataset = "d";
  q.query = nlohmann::json::object();
  q.purpose = "pa:1/x";
  q.legal_basis = "law";
  q.participants = {"org-a", "org-b"};
  q.issued_at = 100;
  q.expires_at = 200;
  q.nonce = NewNonce(crypto::SystemRandom::Get());
  auto back = DecodeQuery(EncodeQuery(q));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->participants.size(), 2u);
  q.participants = {"org-a", "org-a"};
  EXPECT_FALSE(DecodeQuery(EncodeQuery(q)).ok());
  q.participants = {"org-a"};
  q.purpose = "bad purpose";
  EXPECT_FALSE(DecodeQuery(EncodeQuery(q)).ok());
  EXPECT_FALSE(DecodeQuery("{\"query_id\": 1}").ok());
}

TEST(Messages, PartialPayloadIsTheCanonicalDumpOfItsFields) {
  // EncodePartial writes the document itself; it must be byte for byte what dumping the same
  // object gives, escapes included, or signatures over it would not match other encoders.
  PartialPayload p;
  p.query_hash = std::string(64, 'f');
  p.query_id = "0123456789abcdef0123456789abcdef";
  p.responder = "org \"b\" \\ \u00e9\n";
  p.dataset = "benefits";
  p.computed_at = -5;
  p.result = nlohmann::json::parse(R"({"cells":[{"key":["a\u0001"],"rows":3}],"z":1.5})");
  p.audit_seq = 18446744073709551615ull;
  p.audit_head = "\x7f";
  nlohmann::json expected = {{"query_hash", p.query_hash}, {"query_id", p.query_id},
                             {"responder", p.responder},   {"dataset", p.dataset},
                             {"computed_at", p.computed_at}, {"result", p.result},
                             {"audit", {{"seq", p.audit_seq}, {"head", p.audit_head}}}};
  EXPECT_EQ(EncodePartial(p), expected.dump());
}

}  // namespace
}  // namespace verbind::federation
