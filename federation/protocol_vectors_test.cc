// The protocol test vectors (tests/vectors/protocol_vectors.json, also printed in
// docs/protocol.md): fixed keys and payloads, and the exact signing messages, signatures,
// envelopes and hashes they must produce. Set VERBIND_WRITE_VECTORS=1 to regenerate the file
// after a deliberate change of the wire format.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "common/files.h"
#include "federation/definition.h"
#include "federation/envelope.h"
#include "federation/partial.h"
#include "federation/messages.h"

namespace verbind::federation {
namespace {

using nlohmann::json;

crypto::SigningKey KeyFromByte(uint8_t first) {
  uint8_t seed[32];
  for (int i = 0; i < 32; ++i) seed[i] = static_cast<uint8_t>(first + i);
  return crypto::SigningKey::FromSeed(seed).value();
}

std::string Hex(std::string_view s) { return common::HexEncode(common::AsBytes(s)); }

json Vector(const std::string& name, const crypto::SigningKey& key, const Envelope& e) {
  std::string msg = SigningMessage(e.type, e.signer, e.key_id, e.payload);
  return {{"name", name},
          {"signer_org_id", e.signer},
          {"signer_seed_hex", common::HexEncode(key.seed().span())},
          {"signer_public_key_hex", common::HexEncode(key.public_key())},
          {"key_id", e.key_id},
          {"type", e.type},
          {"payload_utf8", e.payload},
          {"signing_message_hex", Hex(msg)},
          {"signature_hex", Hex(e.signature)},
          {"envelope", EncodeEnvelope(e)},
          {"envelope_hash", EnvelopeHash(e)}};
}

json ComputeVectors() {
  crypto::SigningKey a = KeyFromByte(0x01), b = KeyFromByte(0x41);
  QueryPayload q;
  q.query_id = "0123456789abcdef0123456789abcdef";
  q.requester = "gemeente-a";
  q.dataset = "benefits";
  q.query = json::parse(R"({"dataset":"benefits","group_by":["benefit_type"],)"
                        R"("select":[{"field":"benefit_type"},{"agg":"count"}],)"
                        R"("where":{"field":"birth_year","op":"<","value":1960}})");
  q.purpose = "pa-armoedemonitor";
  q.legal_basis = "AVG art. 6(1)(e)";
  q.participants = {"gemeente-a", "uwv-b"};
  q.issued_at = 1796000000;
  q.expires_at = 1796000120;
  q.nonce = "AAECAwQFBgcICQoLDA0ODw";
  Envelope query = SealEnvelope(kTypeQuery, "gemeente-a", a, EncodeQuery(q));
  PartialPayload p;
  p.query_hash = EnvelopeHash(query);
  p.query_id = q.query_id;
  p.responder = "uwv-b";
  p.dataset = "benefits";
  p.computed_at = 1796000001;
  // A valid result for the query: the public key set of benefit_type (aow, ww), noisy counts
  // (a count may be negative), and how they were protected.
  p.result = json::parse(
      R"j({"cells":[{"key":["aow"],"values":[null,{"count":1234}]},)j"
      R"j({"key":["ww"],"values":[null,{"count":-2}]}],)j"
      R"j("items":[{"fields":[{"name":"benefit_type","scale":0,"type":"categorical"}],)j"
      R"j("function":"group","kind":"group","name":"benefit_type"},)j"
      R"j({"fields":[],"function":"count","kind":"count","name":"count(*)"}],)j"
      R"j("protection":{"epsilon":"0.1","mechanism":"discrete_laplace","method":)j"
      R"j("differential_privacy","neighbours":"add_or_remove_one_record","policy":"cbs-benefits",)j"
      R"j("policy_version":3,"statistics":[{"scale":10.0,"scale_exact":"10/1",)j"
      R"j("sensitivity":"1","statistic":"rows"}]}})j");
  p.audit_seq = 42;
  p.audit_head = std::string(64, 'a');
  Envelope partial = SealEnvelope(kTypePartial, "uwv-b", b, EncodePartial(p));
  RefusalPayload r{p.query_hash, q.query_id, "uwv-b", "denied",
                   "no sharing policy grants gemeente-a count on benefits",
                   "4bf92f3577b34da6a3ce929d0e0e4736", 1796000001};
  Envelope refusal = SealEnvelope(kTypeRefusal, "uwv-b", b, EncodeRefusal(r));
  // A dataset definition published by uwv-b (section 10); its hash is SHA-256 of the payload.
  Definition d;
  d.publisher = "uwv-b";
  d.name = "benefits";
  d.version = 1;
  d.published_at = 1796000000;
  d.schema = *config::SchemaFromJson(
      R"({"description":"Benefit recipients","key":"person_id","fields":[)"
      R"({"name":"person_id","type":"identifier","nullable":false},)"
      R"({"name":"benefit_type","type":"categorical","categories":["aow","ww"]},)"
      R"({"name":"monthly_amount","type":"decimal","scale":2,"min":"0.00","max":"5000.00",)"
      R"("unit":"EUR"}]})");
  SignedDefinition definition = *SealDefinition(d, b);
  json definition_vector = Vector("dataset-definition", b, definition.envelope);
  definition_vector["definition_hash"] = definition.hash;
  return {{"description", "Verbind protocol v2 test vectors (docs/protocol.md)"},
          {"vectors", json::array({Vector("query", a, query), Vector("partial", b, partial),
                                   Vector("refusal", b, refusal), definition_vector})}};
}

const std::string kPath = std::string(VERBIND_SOURCE_DIR) + "/tests/vectors/protocol_vectors.json";

TEST(ProtocolVectors, MatchTheCommittedFile) {
  json computed = ComputeVectors();
  if (std::getenv("VERBIND_WRITE_VECTORS")) {
    ASSERT_TRUE(common::WriteFileAtomic(kPath, computed.dump(2) + "\n", 0644).ok());
  }
  auto text = common::ReadFile(kPath);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(json::parse(*text), computed);
}

TEST(ProtocolVectors, ThePartialVectorHoldsAValidAnswer) {
  json doc = json::parse(*common::ReadFile(kPath));
  for (const auto& v : doc["vectors"]) {
    if (v["name"] != "partial") continue;
    auto partial = DecodePartial(v["payload_utf8"].get<std::string>());
    ASSERT_TRUE(partial.ok()) << partial.status().ToString();
    auto table = DecodePartialTable(partial->result);
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    EXPECT_EQ(v["signer_org_id"], partial->responder);
  }
}

TEST(ProtocolVectors, VerifyIndependentlyFromTheFile) {
  // What an independent implementation does with the file: rebuild the signing message from
  // the fields, check the signature with the public key, and recompute the hash.
  json doc = json::parse(*common::ReadFile(kPath));
  for (const auto& v : doc["vectors"]) {
    auto env = DecodeEnvelope(v["envelope"].get<std::string>());
    ASSERT_TRUE(env.ok()) << v["name"];
    std::string pk(common::AsChars(*common::HexDecode(v["signer_public_key_hex"].get<std::string>())));
    EXPECT_TRUE(VerifyEnvelopeSignature(*env, pk)) << v["name"];
    EXPECT_EQ(Hex(SigningMessage(env->type, env->signer, env->key_id, env->payload)),
              v["signing_message_hex"]);
    EXPECT_EQ(EnvelopeHash(*env), v["envelope_hash"]);
    EXPECT_EQ(env->key_id, crypto::KeyIdOf(common::AsBytes(pk)));
    EXPECT_EQ(env->signer, v["signer_org_id"]) << v["name"];
    if (v.contains("definition_hash")) {
      EXPECT_EQ(crypto::Sha256Hex(env->payload), v["definition_hash"]);
      EXPECT_TRUE(ReadDefinition(v["envelope"].get<std::string>()).ok());
    }
    Envelope flipped = *env;
    flipped.payload[3] ^= 1;
    EXPECT_FALSE(VerifyEnvelopeSignature(flipped, pk));
  }
}

TEST(ProtocolVectors, TheDocumentationShowsTheSameVectors) {
  auto doc = common::ReadFile(std::string(VERBIND_SOURCE_DIR) + "/docs/protocol.md");
  ASSERT_TRUE(doc.ok());
  json file = json::parse(*common::ReadFile(kPath));
  for (const auto& v : file["vectors"]) {
    EXPECT_NE(doc->find(v["signature_hex"].get<std::string>()), std::string::npos) << v["name"];
    EXPECT_NE(doc->find(v["payload_utf8"].get<std::string>()), std::string::npos) << v["name"];
    EXPECT_NE(doc->find("signer org id: `" + v["signer_org_id"].get<std::string>() + "`"),
              std::string::npos)
        << v["name"];
    EXPECT_NE(doc->find(v["envelope_hash"].get<std::string>()), std::string::npos) << v["name"];
  }
}

}  // namespace
}  // namespace verbind::federation
