#include "storage/audit_log.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "crypto/system_random.h"

namespace verbind::storage {
namespace {

std::string FreshDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/verbind_audit_" + name;
  std::system(("rm -rf '" + dir + "'").c_str());
  return dir;
}

AuditEntry Entry(const std::string& org) {
  AuditEntry e;
  e.time_ms = 1000;
  e.direction = "outbound";
  e.operation = "federated.query";
  e.foreign_org = org;
  e.decision = "answered";
  return e;
}

TEST(AuditLog, EntryJsonIsTheCanonicalDumpOfItsFields) {
  AuditEntry e;
  e.time_ms = -12;
  e.direction = "inbound";
  e.operation = "peer.query";
  e.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  e.operation_id = "00f067aa0ba902b7";
  e.foreign_org = "gemeente-a";
  e.processing_activity = "pa\"x\\y";
  e.legal_basis = "AVG art. 6(1)(e) \u00e9\t";
  e.reason = std::string("nul \0 and \x01", 12);
  e.decision = "refused";
  nlohmann::json expected = {{"time_ms", e.time_ms},
                             {"direction", e.direction},
                             {"operation", e.operation},
                             {"trace_id", e.trace_id},
                             {"operation_id", e.operation_id},
                             {"foreign_org", e.foreign_org},
                             {"foreign_operation_id", e.foreign_operation_id},
                             {"processing_activity", e.processing_activity},
                             {"legal_basis", e.legal_basis},
                             {"dataset", e.dataset},
                             {"query_id", e.query_id},
                             {"query_hash", e.query_hash},
                             {"actor", e.actor},
                             {"decision", e.decision},
                             {"reason", e.reason}};
  EXPECT_EQ(AuditEntryToJson(e), expected.dump());
  auto back = AuditEntryFromJson(AuditEntryToJson(e));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->reason, e.reason);
  EXPECT_EQ(back->time_ms, e.time_ms);
}

TEST(AuditLog, AppendAllWritesConsecutiveEntriesInOrderOnOneChain) {
  auto db = Database::Open(FreshDir("append_all"));
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  crypto::SigningKey key = crypto::SigningKey::Generate(crypto::SystemRandom::Get());
  common::ManualClock clock(1000);
  auto log = AuditLog::Open(db->get(), &key, 2, &clock);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_EQ(*(*log)->Append(Entry("first")), 1u);
  auto last = (*log)->AppendAll({Entry("a"), Entry("b"), Entry("c")});
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(*last, 4u);
  EXPECT_EQ((*log)->head().seq, 4u);
  EXPECT_FALSE((*log)->AppendAll({}).ok());

  auto listed = (*log)->List(0, 0, "", 100);
  ASSERT_TRUE(listed.ok());
  std::vector<std::string> orgs;
  for (const auto& e : *listed) orgs.push_back(e.entry.foreign_org);
  EXPECT_EQ(orgs, (std::vector<std::string>{"first", "a", "b", "c"}));

  std::string public_key(common::AsChars(key.public_key()));
  AuditVerifyReport report = (*log)->Verify([&](std::string_view) { return public_key; });
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.entries, 4u);
  EXPECT_GE(report.checkpoints, 1u);
}

}  // namespace
}  // namespace verbind::storage
