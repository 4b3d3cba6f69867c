// The signed query protocol between real nodes: every refusal case with its code, logged in
// the audit log, with the node still serving afterwards; key rotation; audit tampering.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/encoding.h"
#include "crypto/system_random.h"
#include "crypto/signing.h"
#include "federation/envelope.h"
#include "federation/messages.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "tests/node_harness.h"

namespace verbind::testing {
namespace {

using federation::Envelope;
using nlohmann::json;

federation::QueryPayload MakeQuery(const TestNode& from, const TestNode& to) {
  federation::QueryPayload q;
  q.query_id = federation::NewQueryId(crypto::SystemRandom::Get());
  q.requester = from.org();
  q.dataset = "benefits";
  q.query = {{"dataset", "benefits"}, {"select", json::array({{{"agg", "count"}}})}};
  q.purpose = "pa-armoedemonitor";
  q.legal_basis = "AVG art. 6(1)(e)";
  q.participants = {from.org(), to.org()};
  q.issued_at = common::RealClock::Get().NowSeconds();
  q.expires_at = q.issued_at + 120;
  q.nonce = federation::NewNonce(crypto::SystemRandom::Get());
  return q;
}

std::string Seal(const TestNode& from, const federation::QueryPayload& q,
                 std::shared_ptr<const crypto::SigningKey> key = nullptr) {
  if (!key) key = from.SigningKey();
  return federation::EncodeEnvelope(
      federation::SealEnvelope(federation::kTypeQuery, from.org(), *key, federation::EncodeQuery(q)));
}

std::string CodeOf(const std::pair<int, std::string>& reply) {
  json j = json::parse(reply.second, nullptr, false);
  return j.is_object() ? j.value("code", "") : "";
}

class Protocol : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = FreshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    a_ = TestNode::Create(root_, "org-a");
    b_ = TestNode::Create(root_, "org-b");
    c_ = TestNode::Create(root_, "org-c");
    ASSERT_TRUE(a_ && b_ && c_);
    std::vector<std::string> env = {"VERBIND_LIMITS_READ_TIMEOUT_MS=1000",
                                    "VERBIND_PROTOCOL_KEY_OVERLAP_S=3"};
    for (auto* n : {a_.get(), b_.get(), c_.get()}) ASSERT_TRUE(n->Start(env).ok()) << n->Log();
    b_->Pin(*a_);
    b_->Pin(*c_);
    a_->Pin(*b_);
    c_->Pin(*b_);
  }

  // Posts to b's peer listener from `from` and checks the refusal code and that b still serves.
  void ExpectRefused(const TestNode& from, const std::string& body, int status,
                     const std::string& code, const std::string& content_type = "application/json") {
    auto reply = from.PostToPeer(*b_, "/v1/peer/query", body, content_type);
    EXPECT_EQ(reply.first, status) << reply.second;
    EXPECT_EQ(CodeOf(reply), code) << reply.second;
    // The node keeps serving.
    auto health = b_->Call("GET", "/healthz");
    EXPECT_EQ(health.first, 200);
  }

  // The codes b wrote in its audit log for refused inbound queries.
  std::vector<std::string> RefusalCodes() {
    auto list = b_->Call("GET", "/v1/audit?limit=10000");
    EXPECT_EQ(list.first, 200) << list.second;
    std::vector<std::string> codes;
    json parsed = json::parse(list.second);
    for (const auto& e : parsed["entries"]) {
      if (e["direction"] == "inbound" && e["decision"] == "refused") {
        std::string reason = e["reason"];
        codes.push_back(reason.substr(0, reason.find(':')));
      }
    }
    return codes;
  }

  std::string root_;
  std::unique_ptr<TestNode> a_, b_, c_;
};

TEST_F(Protocol, SignedQueryGetsASignedAnswerBoundToIt) {
  auto q = MakeQuery(*a_, *b_);
  std::string body = Seal(*a_, q);
  auto reply = a_->PostToPeer(*b_, "/v1/peer/query", body);
  // With no sharing policy, the answer is a signed refusal naming the query.
  EXPECT_EQ(reply.first, 403);
  json j = json::parse(reply.second);
  EXPECT_EQ(j["code"], "denied");
  auto env = federation::DecodeEnvelope(j["refusal"].dump());
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->signer, "org-b");
  EXPECT_TRUE(federation::VerifyEnvelopeSignature(
      *env, std::string(common::AsChars(b_->SigningKey()->public_key()))));
  auto refusal = federation::DecodeRefusal(env->payload);
  ASSERT_TRUE(refusal.ok());
  EXPECT_EQ(refusal->query_hash, federation::EnvelopeHash(*federation::DecodeEnvelope(body)));
  EXPECT_EQ(refusal->query_id, q.query_id);
}

TEST_F(Protocol, EveryRejectionHasItsCodeAndIsLogged) {
  auto q = MakeQuery(*a_, *b_);
  std::string good = Seal(*a_, q);
  // One flipped payload byte.
  Envelope e = *federation::DecodeEnvelope(good);
  e.payload[10] ^= 1;
  ExpectRefused(*a_, federation::EncodeEnvelope(e), 403, "bad_signature");
  // One flipped signature byte.
  e = *federation::DecodeEnvelope(good);
  e.signature[5] ^= 1;
  ExpectRefused(*a_, federation::EncodeEnvelope(e), 403, "bad_signature");
  // A key that is not the signer's: unknown key id, or the signer's key id with another key.
  crypto::SigningKey other = crypto::SigningKey::Generate(crypto::SystemRandom::Get());
  ExpectRefused(*a_, federation::EncodeEnvelope(federation::SealEnvelope(
                         federation::kTypeQuery, "org-a", other, federation::EncodeQuery(q))),
                403, "unknown_key");
  e = federation::SealEnvelope(federation::kTypeQuery, "org-a", other, federation::EncodeQuery(q));
  e.key_id = crypto::KeyIdOf(a_->SigningKey()->public_key());
  ExpectRefused(*a_, federation::EncodeEnvelope(e), 403, "bad_signature");
  // A signer nobody pinned.
  e = federation::SealEnvelope(federation::kTypeQuery, "org-z", other, federation::EncodeQuery(q));
  ExpectRefused(*a_, federation::EncodeEnvelope(e), 403, "unknown_signer");
  // The TLS identity differs from the signer: a's query over c's connection.
  ExpectRefused(*c_, Seal(*a_, MakeQuery(*a_, *b_)), 403, "identity_mismatch");
  // Expired, and from the future.
  auto old = MakeQuery(*a_, *b_);
  old.issued_at -= 600;
  old.expires_at = old.issued_at + 120;
  ExpectRefused(*a_, Seal(*a_, old), 403, "expired");
  auto future = MakeQuery(*a_, *b_);
  future.issued_at += 600;
  future.expires_at = future.issued_at + 60;
  ExpectRefused(*a_, Seal(*a_, future), 403, "not_yet_valid");
  auto too_long = MakeQuery(*a_, *b_);
  too_long.expires_at = too_long.issued_at + 3600;
  ExpectRefused(*a_, Seal(*a_, too_long), 400, "bad_lifetime");
  // Not addressed to b.
  auto elsewhere = MakeQuery(*a_, *b_);
  elsewhere.participants = {"org-a", "org-c"};
  ExpectRefused(*a_, Seal(*a_, elsewhere), 403, "not_addressed");
  // Malformed JSON, a wrong content type, a body over the limit.
  ExpectRefused(*a_, "{\"v\":1,", 400, "malformed");
  ExpectRefused(*a_, good, 415, "unsupported_media_type", "text/plain");
  ExpectRefused(*a_, std::string((1 << 20) + 10, 'x'), 413, "too_large");
  // The exact envelope again.
  auto first = a_->PostToPeer(*b_, "/v1/peer/query", good);
  EXPECT_EQ(CodeOf(first), "denied");
  ExpectRefused(*a_, good, 409, "replayed");
  // Logged with their codes (framing refusals such as 413 never reach the protocol layer).
  auto codes = RefusalCodes();
  for (const char* code : {"bad_signature", "unknown_key", "unknown_signer", "identity_mismatch",
                           "expired", "not_yet_valid", "bad_lifetime", "not_addressed",
                           "malformed", "unsupported_media_type", "denied", "replayed"}) {
    EXPECT_NE(std::find(codes.begin(), codes.end(), code), codes.end()) << code;
  }
  CliResult verify = b_->Cli({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
}

TEST_F(Protocol, SuspendedAndRevokedSigners) {
  // Relayed over an active peer's connection, a suspended signer's query gets its code...
  ASSERT_EQ(b_->Cli({"peer", "suspend", "org-a"}).exit_code, 0);
  ExpectRefused(*c_, Seal(*a_, MakeQuery(*a_, *b_)), 403, "signer_suspended");
  // ...and its own TLS connection never reaches a handler.
  auto direct = a_->PostToPeer(*b_, "/v1/peer/query", Seal(*a_, MakeQuery(*a_, *b_)));
  EXPECT_EQ(direct.first, -1) << direct.second;
  ASSERT_EQ(b_->Cli({"peer", "resume", "org-a"}).exit_code, 0);
  EXPECT_EQ(CodeOf(a_->PostToPeer(*b_, "/v1/peer/query", Seal(*a_, MakeQuery(*a_, *b_)))),
            "denied");
  ASSERT_EQ(b_->Cli({"peer", "revoke", "org-a", "--reason", "key leaked"}).exit_code, 0);
  ExpectRefused(*c_, Seal(*a_, MakeQuery(*a_, *b_)), 403, "signer_revoked");
  EXPECT_EQ(b_->Cli({"peer", "resume", "org-a"}).exit_code, 1);
}

TEST_F(Protocol, SlowHeadersAreCutOffAndTheNodeKeepsServing) {
  int fd = *node::ConnectTcp("127.0.0.1", b_->peer_port(), node::After(2000));
  auto session = crypto::TlsSession::Connect(*a_->ClientTls(), fd, "127.0.0.1",
                                             {b_->TlsFingerprint()}, node::After(2000));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  const char part[] = "POST /v1/peer/query HTTP/1.1\r\nHost: x\r\n";
  ASSERT_TRUE((*session)->Write(part, sizeof part - 1, node::After(1000)).ok());
  auto start = std::chrono::steady_clock::now();
  char buf[512];
  auto n = (*session)->Read(buf, sizeof buf, node::After(5000));
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(n.ok());
  EXPECT_NE(std::string(buf, *n).find("408"), std::string::npos) << std::string(buf, *n);
  EXPECT_LT(waited, 3.0);
  ::close(fd);
  EXPECT_EQ(CodeOf(a_->PostToPeer(*b_, "/v1/peer/query", Seal(*a_, MakeQuery(*a_, *b_)))),
            "denied");
}

TEST_F(Protocol, KeyRotationKeepsOldQueriesValidDuringTheOverlap) {
  auto old_key = a_->SigningKey();
  std::string signed_before = Seal(*a_, MakeQuery(*a_, *b_), old_key);
  CliResult rotate = a_->Cli({"keys", "rotate"});
  ASSERT_EQ(rotate.exit_code, 0) << rotate.err;
  EXPECT_NE(rotate.out.find("announced to org-b"), std::string::npos) << rotate.out;
  auto new_key = a_->SigningKey();
  ASSERT_NE(crypto::KeyIdOf(new_key->public_key()), crypto::KeyIdOf(old_key->public_key()));
  // In flight before the rotation, and newly signed: both verify during the overlap.
  EXPECT_EQ(CodeOf(a_->PostToPeer(*b_, "/v1/peer/query", signed_before)), "denied");
  EXPECT_EQ(CodeOf(a_->PostToPeer(*b_, "/v1/peer/query", Seal(*a_, MakeQuery(*a_, *b_), new_key))),
            "denied");
  EXPECT_EQ(CodeOf(a_->PostToPeer(*b_, "/v1/peer/query", Seal(*a_, MakeQuery(*a_, *b_), old_key))),
            "denied");
  // After the overlap (3 s here) only the new key.
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  EXPECT_EQ(CodeOf(a_->PostToPeer(*b_, "/v1/peer/query", Seal(*a_, MakeQuery(*a_, *b_), old_key))),
            "unknown_key");
  EXPECT_EQ(CodeOf(a_->PostToPeer(*b_, "/v1/peer/query", Seal(*a_, MakeQuery(*a_, *b_), new_key))),
            "denied");
  EXPECT_EQ(a_->Cli({"audit", "verify"}).exit_code, 0);
}

TEST_F(Protocol, TlsCertificateRenewal) {
  std::string old_fp = a_->TlsFingerprint();
  CliResult rotate = a_->Cli({"keys", "rotate", "--tls"});
  ASSERT_EQ(rotate.exit_code, 0) << rotate.err;
  ASSERT_NE(a_->TlsFingerprint(), old_fp);
  // b accepts a's new certificate and new key; a still reaches b and b reaches a.
  EXPECT_EQ(CodeOf(a_->PostToPeer(*b_, "/v1/peer/query", Seal(*a_, MakeQuery(*a_, *b_)))),
            "denied");
  CliResult check = b_->Cli({"peer", "check", "org-a"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

// Changes the audit log of a stopped node directly in RocksDB; returns what verify says.
std::string TamperAndVerify(TestNode& node, const std::function<void(storage::Database&)>& edit) {
  EXPECT_EQ(node.Stop(), 0);
  {
    auto db = storage::Database::Open(node.dir() + "/data");
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    edit(**db);
  }
  EXPECT_TRUE(node.Start().ok()) << node.Log();
  CliResult verify = node.Cli({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 1);
  return verify.err;
}

TEST_F(Protocol, AuditTamperingIsFoundAtTheEntry) {
  for (int i = 0; i < 6; ++i) a_->PostToPeer(*b_, "/v1/peer/query", Seal(*a_, MakeQuery(*a_, *b_)));
  ASSERT_EQ(b_->Cli({"audit", "verify"}).exit_code, 0);
  auto get = [](storage::Database& db, uint64_t seq) {
    return **db.Get(storage::Family::kAudit, storage::AuditEntryKey(seq));
  };
  // Change entry 4.
  std::string err = TamperAndVerify(*b_, [&](storage::Database& db) {
    std::string v = get(db, 4);
    v[v.size() - 3] ^= 1;
    ASSERT_TRUE(db.Put(storage::Family::kAudit, storage::AuditEntryKey(4), v).ok());
  });
  EXPECT_NE(err.find("entry 4 was changed"), std::string::npos) << err;
}

TEST_F(Protocol, AuditDeletionInsertionAndReorderingAreFound) {
  for (int i = 0; i < 6; ++i) a_->PostToPeer(*b_, "/v1/peer/query", Seal(*a_, MakeQuery(*a_, *b_)));
  auto key = storage::AuditEntryKey;
  std::string saved3, saved5;
  std::string err = TamperAndVerify(*b_, [&](storage::Database& db) {
    saved3 = **db.Get(storage::Family::kAudit, key(3));
    ASSERT_TRUE(db.Delete(storage::Family::kAudit, key(3)).ok());
  });
  EXPECT_NE(err.find("entry 3 is missing"), std::string::npos) << err;
  err = TamperAndVerify(*b_, [&](storage::Database& db) {
    // Put 3 back, then swap 5 and 6.
    ASSERT_TRUE(db.Put(storage::Family::kAudit, key(3), saved3).ok());
    saved5 = **db.Get(storage::Family::kAudit, key(5));
    std::string six = **db.Get(storage::Family::kAudit, key(6));
    ASSERT_TRUE(db.Put(storage::Family::kAudit, key(5), six).ok());
    ASSERT_TRUE(db.Put(storage::Family::kAudit, key(6), saved5).ok());
  });
  EXPECT_NE(err.find("entry 5 does not follow entry 4"), std::string::npos) << err;
  err = TamperAndVerify(*b_, [&](storage::Database& db) {
    // Restore the order, then insert a forged entry 3 copied from entry 2.
    std::string five = **db.Get(storage::Family::kAudit, key(6));
    std::string six = **db.Get(storage::Family::kAudit, key(5));
    ASSERT_TRUE(db.Put(storage::Family::kAudit, key(5), five).ok());
    ASSERT_TRUE(db.Put(storage::Family::kAudit, key(6), six).ok());
    ASSERT_TRUE(db.Put(storage::Family::kAudit, key(3),
                       **db.Get(storage::Family::kAudit, key(2))).ok());
  });
  EXPECT_NE(err.find("entry 3 does not follow entry 2"), std::string::npos) << err;
}

// The signed refusal inside an error body, decoded.
federation::RefusalPayload RefusalOf(const std::pair<int, std::string>& reply) {
  json body = json::parse(reply.second, nullptr, false);
  EXPECT_TRUE(body.is_object() && body["refusal"].is_object()) << reply.second;
  if (!body.is_object() || !body["refusal"].is_object()) return {};
  auto env = federation::DecodeEnvelope(body["refusal"].dump());
  EXPECT_TRUE(env.ok());
  if (!env.ok()) return {};
  auto r = federation::DecodeRefusal(env->payload);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : federation::RefusalPayload{};
}

std::string HashOf(const std::string& envelope) {
  auto env = federation::DecodeEnvelope(envelope);
  EXPECT_TRUE(env.ok());
  return env.ok() ? federation::EnvelopeHash(*env) : "";
}

TEST_F(Protocol, RefusalsAreBoundToTheQueryOnceItsEnvelopeCouldBeRead) {
  // Not an envelope at all: nothing to bind to.
  auto junk = RefusalOf(a_->PostToPeer(*b_, "/v1/peer/query", "{\"v\":1}"));
  EXPECT_EQ(junk.code, "malformed");
  EXPECT_EQ(junk.query_hash, "");
  // A readable envelope with a broken signature (step 7): bound to its hash.
  std::string good = Seal(*a_, MakeQuery(*a_, *b_));
  json forged = json::parse(good);
  std::string sig = forged["signature"];
  sig[5] = sig[5] == 'A' ? 'B' : 'A';
  forged["signature"] = sig;
  auto bad_signature = RefusalOf(a_->PostToPeer(*b_, "/v1/peer/query", forged.dump()));
  EXPECT_EQ(bad_signature.code, "bad_signature");
  EXPECT_EQ(bad_signature.query_hash, HashOf(forged.dump()));
  EXPECT_EQ(bad_signature.query_id, "");
  // A verified payload not addressed to b (step 9): bound to its hash and its query id.
  federation::QueryPayload elsewhere = MakeQuery(*a_, *b_);
  elsewhere.participants = {a_->org(), c_->org()};
  std::string envelope = Seal(*a_, elsewhere);
  auto not_addressed = RefusalOf(a_->PostToPeer(*b_, "/v1/peer/query", envelope));
  EXPECT_EQ(not_addressed.code, "not_addressed");
  EXPECT_EQ(not_addressed.query_hash, HashOf(envelope));
  EXPECT_EQ(not_addressed.query_id, elsewhere.query_id);
  // An expired one (step 10) likewise.
  federation::QueryPayload old = MakeQuery(*a_, *b_);
  old.issued_at -= 3600;
  old.expires_at -= 3600;
  std::string expired_envelope = Seal(*a_, old);
  auto expired = RefusalOf(a_->PostToPeer(*b_, "/v1/peer/query", expired_envelope));
  EXPECT_EQ(expired.code, "expired");
  EXPECT_EQ(expired.query_hash, HashOf(expired_envelope));
  EXPECT_EQ(expired.query_id, old.query_id);
}

TEST_F(Protocol, OnlyTheJsonMediaTypeIsAccepted) {
  std::string body = Seal(*a_, MakeQuery(*a_, *b_));
  for (const char* type : {"application/jsonp", "application/json-seq", "text/json"}) {
    EXPECT_EQ(a_->PostToPeer(*b_, "/v1/peer/query", body, type).first, 415) << type;
    EXPECT_EQ(a_->PostToPeer(*b_, "/v1/peer/announce", "{}", type).first, 415) << type;
  }
  // Parameters and case are allowed (RFC 9110): the query is then judged on its merits.
  EXPECT_EQ(CodeOf(a_->PostToPeer(*b_, "/v1/peer/query", Seal(*a_, MakeQuery(*a_, *b_)),
                                  "Application/JSON; charset=utf-8")),
            "denied");
}

TEST_F(Protocol, KeyAnnouncementsAreAuditedWithTheirTraceWhetherRefusedOrAccepted) {
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  auto traceparent = [&](const char* span) {
    return node::Headers{{"traceparent", "00-" + trace + "-" + span + "-01"}};
  };
  // Refused: not an envelope.
  auto refused = a_->PostToPeer(*b_, "/v1/peer/announce", "{}", "application/json",
                                traceparent("00f067aa0ba902b7"));
  EXPECT_EQ(CodeOf(refused), "malformed") << refused.second;
  // Accepted: a new key announced with the current one.
  auto old_key = a_->SigningKey();
  crypto::SigningKey fresh = crypto::SigningKey::Generate(crypto::SystemRandom::Get());
  federation::KeyAnnouncement k;
  k.org_id = a_->org();
  k.new_key_id = crypto::KeyIdOf(fresh.public_key());
  k.new_public_key = std::string(common::AsChars(fresh.public_key()));
  k.issued_at = common::RealClock::Get().NowSeconds();
  k.overlap_until = k.issued_at + 60;
  k.nonce = federation::NewNonce(crypto::SystemRandom::Get());
  std::string announcement = federation::EncodeEnvelope(federation::SealEnvelope(
      federation::kTypeKeyAnnouncement, a_->org(), *old_key, federation::EncodeKeyAnnouncement(k)));
  auto accepted = a_->PostToPeer(*b_, "/v1/peer/announce", announcement, "application/json",
                                 traceparent("00f067aa0ba902b8"));
  EXPECT_EQ(accepted.first, 200) << accepted.second;
  auto list = b_->Call("GET", "/v1/audit?limit=10000");
  ASSERT_EQ(list.first, 200);
  std::map<std::string, json> by_decision;
  json entries = json::parse(list.second)["entries"];
  for (const auto& e : entries) {
    if (e["operation"] == "peer.key-announcement") by_decision[e["decision"].get<std::string>()] = e;
  }
  ASSERT_TRUE(by_decision.count("refused")) << list.second;
  ASSERT_TRUE(by_decision.count("applied")) << list.second;
  EXPECT_EQ(by_decision["refused"]["trace_id"], trace);
  EXPECT_EQ(by_decision["refused"]["foreign_operation_id"], "00f067aa0ba902b7");
  EXPECT_EQ(by_decision["refused"]["foreign_org"], a_->org());
  EXPECT_EQ(by_decision["applied"]["trace_id"], trace);
  EXPECT_EQ(by_decision["applied"]["foreign_operation_id"], "00f067aa0ba902b8");
}

}  // namespace
}  // namespace verbind::testing
