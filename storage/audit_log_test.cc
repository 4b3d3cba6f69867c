#include "storage/audit_log.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "common/encoding.h"
#include "crypto/random.h"

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
