#include "federation/definition.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/system_random.h"
#include "federation/messages.h"

namespace verbind::federation {
namespace {

constexpr const char* kSchema = R"(
description = "Benefit recipients"
key = "person_id"
[[fields]]
name = "person_id"
type = "identifier"
[[fields]]
name = "monthly_amount"
type = "decimal"
scale = 2
min = "0.00"
max = "5000.00"
unit = "EUR"
)";

class DefinitionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto schema = config::ParseSchemaToml(kSchema, "schema");
    ASSERT_TRUE(schema.ok()) << schema.status().message();
    d_.publisher = "org-a";
    d_.name = "benefits";
    d_.version = 2;
    d_.published_at = 1'765'000'000;
    d_.schema = *schema;
    publisher_.org_id = "org-a";
    publisher_.keys.push_back({crypto::KeyIdOf(key_.public_key()), PublicKey(key_), 0, 0});
  }
  static std::string PublicKey(const crypto::SigningKey& k) {
    return std::string(reinterpret_cast<const char*>(k.public_key().data()), 32);
  }
  crypto::SigningKey key_ = crypto::SigningKey::Generate(crypto::SystemRandom::Get());
  Definition d_;
  storage::PeerRecord publisher_;
};

TEST_F(DefinitionTest, SealedDocumentsReadBackAndVerify) {
  auto sealed = SealDefinition(d_, key_);
  ASSERT_TRUE(sealed.ok()) << sealed.status().message();
  EXPECT_EQ(sealed->hash, crypto::Sha256Hex(sealed->envelope.payload));
  auto read = ReadDefinition(sealed->Wire());
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->hash, sealed->hash);
  EXPECT_EQ(read->Ref(), (config::DefinitionRef{"org-a", "benefits", 2, sealed->hash}));
  EXPECT_EQ(config::SchemaToJson(read->definition.schema), config::SchemaToJson(d_.schema));
  EXPECT_EQ(read->definition.schema.fields[1].unit, "EUR");
  EXPECT_TRUE(VerifyDefinition(*read, publisher_, 0).ok());
}

TEST_F(DefinitionTest, ForgedOrAlteredDocumentsAreRefused) {
  auto sealed = SealDefinition(d_, key_);
  ASSERT_TRUE(sealed.ok());
  // Signed by another key than the publisher's pinned one.
  auto other = crypto::SigningKey::Generate(crypto::SystemRandom::Get());
  auto forged = SealDefinition(d_, other);
  ASSERT_TRUE(forged.ok());
  common::Status wrong_key = VerifyDefinition(*forged, publisher_, 0);
  EXPECT_EQ(wrong_key.code(), common::StatusCode::kPermissionDenied);
  EXPECT_NE(wrong_key.message().find("org-a/benefits@2 is not validly signed"), std::string::npos)
      << wrong_key.message();
  // A changed payload no longer matches its signature.
  SignedDefinition altered = *sealed;
  altered.envelope.payload.replace(altered.envelope.payload.find("5000.00"), 7, "9000.00");
  auto reread = ReadDefinition(altered.Wire());
  ASSERT_TRUE(reread.ok()) << reread.status().message();
  EXPECT_NE(reread->hash, sealed->hash);
  EXPECT_FALSE(VerifyDefinition(*reread, publisher_, 0).ok());
  // A document that names another publisher than its signer.
  Definition renamed = d_;
  renamed.publisher = "org-b";
  auto relabelled = SealDefinition(renamed, key_);
  ASSERT_TRUE(relabelled.ok());
  Envelope e = relabelled->envelope;
  e = SealEnvelope(kTypeDefinition, "org-a", key_, e.payload);
  auto mismatch = ReadDefinition(EncodeEnvelope(e));
  EXPECT_EQ(mismatch.status().message(),
            "the definition names publisher org-b but is signed by org-a");
  // Another document type.
  auto query = ReadDefinition(EncodeEnvelope(SealEnvelope(kTypeQuery, "org-a", key_, "{}")));
  EXPECT_EQ(query.status().message(), "expected a \"dataset-definition\" document, got \"query\"");
}

TEST_F(DefinitionTest, PayloadsAreReadStrictly) {
  std::string good = EncodeDefinition(d_);
  ASSERT_TRUE(DecodeDefinition(good).ok());
  struct Case {
    std::string from, to, message;
  };
  std::vector<Case> cases = {
      {"\"version\":2", "\"version\":0",
       "definition: version must be an integer from 1 to 1000000"},
      {"\"name\":\"benefits\"", "\"name\":\"Benefits!\"",
       "definition: name must be a name (1-64 of a-z 0-9 . _ -)"},
      {"\"version\":2", "\"version\":2,\"extra\":1", "definition: unknown key \"extra\""},
      {"\"published_at\":1765000000,", "", "definition: missing published_at"},
      {"\"type\":\"decimal\"", "\"type\":\"text\"", "definition: schema: "},
  };
  for (const auto& c : cases) {
    std::string text = good;
    size_t at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from;
    text.replace(at, c.from.size(), c.to);
    auto decoded = DecodeDefinition(text);
    ASSERT_FALSE(decoded.ok()) << c.to;
    EXPECT_EQ(decoded.status().message().substr(0, c.message.size()), c.message);
  }
}

TEST_F(DefinitionTest, QueriesAndPartialsCarryTheDefinition) {
  config::DefinitionRef ref{"org-a", "benefits", 2, std::string(64, 'f')};
  QueryPayload q;
  q.query_id = std::string(32, 'a');
  q.requester = "org-a";
  q.dataset = "benefits";
  q.query = {{"dataset", "benefits"}};
  q.purpose = "p";
  q.legal_basis = "b";
  q.participants = {"org-a"};
  q.nonce = "bm5ubm5ubm5ubm5ubm5ubg";
  q.definition = ref;
  auto decoded = DecodeQuery(EncodeQuery(q));
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->definition, ref);
  q.definition.reset();
  EXPECT_FALSE(DecodeQuery(EncodeQuery(q))->definition.has_value());

  PartialPayload p;
  p.query_hash = std::string(64, 'b');
  p.query_id = q.query_id;
  p.responder = "org-b";
  p.dataset = "benefits";
  p.definition = ref;
  p.result = nlohmann::json::object();
  p.audit_head = std::string(64, 'c');
  std::string text = EncodePartial(p);
  EXPECT_EQ(text, nlohmann::json::parse(text).dump());  // keys in order, as one dump
  auto partial = DecodePartial(text);
  ASSERT_TRUE(partial.ok()) << partial.status().message();
  EXPECT_EQ(partial->definition, ref);
  std::string bad = text;
  bad.replace(bad.find(std::string(64, 'f')), 64, std::string(64, 'F'));
  EXPECT_EQ(DecodePartial(bad).status().message(),
            "partial payload: definition: hash must be 64 lower-case hex digits");
}

}  // namespace
}  // namespace verbind::federation
