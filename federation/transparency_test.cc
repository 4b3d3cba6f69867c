#include "federation/transparency.h"

#include <gtest/gtest.h>

#include "crypto/system_random.h"

namespace verbind::federation {
namespace {

using nlohmann::json;

constexpr int64_t kNov1 = 1'793'491'200'000;  // 2026-11-01T00:00:00Z

storage::StoredAuditEntry Entry(uint64_t seq, int64_t time_ms, std::string direction,
                                std::string operation, std::string org, std::string decision,
                                std::string reason = "", std::string aggregates = "avg,count") {
  storage::StoredAuditEntry s;
  s.seq = seq;
  s.entry.time_ms = time_ms;
  s.entry.direction = std::move(direction);
  s.entry.operation = std::move(operation);
  s.entry.foreign_org = std::move(org);
  s.entry.processing_activity = "pa-armoedemonitor";
  s.entry.legal_basis = "AVG art. 6(1)(e)";
  s.entry.dataset = "support";
  s.entry.decision = std::move(decision);
  s.entry.reason = std::move(reason);
  s.entry.aggregates = std::move(aggregates);
  return s;
}

TEST(Transparency, MonthsAreWholeUtcMonths) {
  auto nov = MonthRange("2026-11");
  ASSERT_TRUE(nov.ok());
  EXPECT_EQ(nov->first, kNov1);
  EXPECT_EQ(nov->second, kNov1 + 30LL * 86'400'000);
  auto dec = MonthRange("2026-12");
  EXPECT_EQ(dec->second - dec->first, 31LL * 86'400'000);
  for (const char* bad : {"2026-13", "2026-1", "26-11", "2026-11-01", ""}) {
    EXPECT_EQ(MonthRange(bad).status().message(), "month must be YYYY-MM, e.g. 2026-11") << bad;
  }
}

TEST(Transparency, TheRegisterCountsExchangesAndNothingElse) {
  std::vector<storage::StoredAuditEntry> log = {
      Entry(1, kNov1 - 1, "inbound", "peer.query", "cbs", "answered"),  // October
      Entry(2, kNov1, "inbound", "peer.query", "cbs", "answered"),
      Entry(3, kNov1 + 5, "inbound", "peer.query", "cbs", "answered"),
      Entry(4, kNov1 + 6, "inbound", "peer.query", "cbs", "refused", "denied: no policy"),
      Entry(5, kNov1 + 7, "inbound", "peer.query", "cbs", "refused", "budget_exhausted: spent"),
      Entry(6, kNov1 + 8, "inbound", "peer.query", "cbs", "refused", "expired: 90 s ago"),
      Entry(7, kNov1 + 9, "local", "policy.apply", "", "applied"),  // not an exchange
      Entry(8, kNov1 + 10, "outbound", "federated.query", "uwv", "answered", "", "count"),
      Entry(9, kNov1 + 10, "outbound", "federated.query", "gemeente", "answered", "", "count"),
      Entry(10, kNov1 + 11, "outbound", "federated.query", "uwv", "timed_out", "", "count"),
      Entry(11, kNov1 + 30LL * 86'400'000, "inbound", "peer.query", "cbs", "answered"),  // Dec
  };
  json reg = BuildRegister(log, "gemeente", "2026-11", {11, std::string(64, 'a')}, kNov1);
  ASSERT_EQ(reg["rows"].size(), 2u) << reg.dump(2);
  const json& received = reg["rows"][0];
  EXPECT_EQ(received["direction"], "received");
  EXPECT_EQ(received["organisation"], "cbs");
  EXPECT_EQ(received["aggregates"], "avg,count");
  EXPECT_EQ(received["answered"], 2);
  EXPECT_EQ(received["refused_by_policy"], 2);
  EXPECT_EQ(received["failed"], 1);
  const json& sent = reg["rows"][1];
  EXPECT_EQ(sent["direction"], "sent");
  EXPECT_EQ(sent["organisation"], "uwv");  // this node's own part is not an exchange
  EXPECT_EQ(sent["answered"], 1);
  EXPECT_EQ(sent["failed"], 1);
  EXPECT_EQ(reg["totals"]["answered"], 3);
  EXPECT_EQ(reg["audit"]["first_seq"], 2);
  EXPECT_EQ(reg["audit"]["last_seq"], 10);
  EXPECT_EQ(RegisterToCsv(reg),
            "month;direction;organisation;purpose;legal_basis;dataset;aggregates;answered;"
            "refused_by_policy;failed\r\n"
            "2026-11;received;cbs;pa-armoedemonitor;AVG art. 6(1)(e);support;avg,count;2;2;1\r\n"
            "2026-11;sent;uwv;pa-armoedemonitor;AVG art. 6(1)(e);support;count;1;0;1\r\n");
}

TEST(Transparency, APublishedRegisterVerifiesAndAChangedOneDoesNot) {
  auto key = std::make_shared<const crypto::SigningKey>(
      crypto::SigningKey::Generate(crypto::SystemRandom::Get()));
  NodeSigner signer("gemeente", key);
  IdentityDocument id;
  id.org_id = "gemeente";
  id.signing_key_id = crypto::KeyIdOf(key->public_key());
  id.signing_public_key = std::string(reinterpret_cast<const char*>(key->public_key().data()), 32);
  json reg = BuildRegister({Entry(2, kNov1, "inbound", "peer.query", "cbs", "answered")},
                           "gemeente", "2026-11", {2, std::string(64, 'b')}, kNov1);
  std::string file = SealRegister(reg, signer);
  auto verified = VerifyRegister(file, id);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(*verified, reg);
  // The readable copy changed: refused.
  std::string changed = file;
  changed.replace(changed.find("\"answered\": 1"), 13, "\"answered\": 7");
  EXPECT_EQ(VerifyRegister(changed, id).status().message(),
            "the readable register differs from the signed one");
  // Another organisation's identity: refused.
  IdentityDocument other = id;
  other.org_id = "uwv";
  EXPECT_EQ(VerifyRegister(file, other).status().code(), common::StatusCode::kPermissionDenied);
  // Another key: refused.
  auto key2 = crypto::SigningKey::Generate(crypto::SystemRandom::Get());
  other = id;
  other.signing_public_key =
      std::string(reinterpret_cast<const char*>(key2.public_key().data()), 32);
  EXPECT_EQ(VerifyRegister(file, other).status().code(), common::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace verbind::federation
