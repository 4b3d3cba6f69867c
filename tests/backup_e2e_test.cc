// Backups of a serving node and restores into a new folder, on real nodes: the restored node's
// data, audit chain and spent nonces; refused backups (wrong key, a changed byte, a cut-off
// file) that write nothing; and a backup killed with SIGKILL that never leaves a file that looks
// complete.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "common/clock.h"
#include "common/files.h"
#include "crypto/system_random.h"
#include "federation/envelope.h"
#include "federation/messages.h"
#include "tests/federation_fixture.h"
#include "testing/process.h"

namespace verbind::testing {
namespace {

using nlohmann::json;

std::string SignedQuery(const TestNode& from, const TestNode& to) {
  federation::QueryPayload q;
  q.query_id = federation::NewQueryId(crypto::SystemRandom::Get());
  q.requester = from.org();
  q.dataset = "support";
  q.query = {{"dataset", "support"}, {"select", json::array({{{"agg", "count"}}})}};
  q.purpose = kPurpose;
  q.legal_basis = kLegalBasis;
  q.participants = {from.org(), to.org()};
  q.issued_at = common::RealClock::Get().NowSeconds();
  q.expires_at = q.issued_at + 240;
  q.nonce = federation::NewNonce(crypto::SystemRandom::Get());
  return federation::EncodeEnvelope(federation::SealEnvelope(
      federation::kTypeQuery, from.org(), *from.SigningKey(), federation::EncodeQuery(q)));
}

int64_t Rows(const TestNode& n) {
  auto [status, body] = n.Call("GET", "/v1/datasets/support");
  return status == 200 ? json::parse(body).value("rows", int64_t{-1}) : -1;
}

TEST(Backup, ARestoredNodeHasItsDataAuditChainAndSpentNonces) {
  std::string root = FreshDir("backup");
  Federation fed;
  fed.Start(root, {"org-a", "org-b"}, {300, 0});
  ASSERT_EQ(fed.ApplyPolicy("org-a", SupportPolicy({"org-b"}, 5)).exit_code, 0);
  TestNode& a = fed.node("org-a");
  std::string query = SignedQuery(fed.node("org-b"), a);
  ASSERT_EQ(fed.node("org-b").PostToPeer(a, "/v1/peer/query", query).first, 200);

  std::string key = root + "/backup.key", file = root + "/a.backup";
  ASSERT_EQ(RunVerbind({"backup", "key", "--out", key}).exit_code, 0);
  CliResult made = RunVerbind({"backup", a.dir(), "--out", file, "--key-file", key});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_NE(made.out.find("backup of org-a written to " + file), std::string::npos) << made.out;
  EXPECT_TRUE(std::filesystem::is_empty(a.dir() + "/backups"));  // the checkpoint is gone
  EXPECT_EQ(RunVerbind({"backup", "verify", file, "--key-file", key}).exit_code, 0);
  // The node goes on: records added after the backup are not in it.
  std::string more = root + "/more.csv";
  ASSERT_TRUE(common::WriteFileAtomic(more, SupportCsv("later", 50, 9), 0644).ok());
  ASSERT_EQ(a.Cli({"dataset", "ingest", "support", more}).exit_code, 0);
  EXPECT_EQ(Rows(a), 350);

  // Refused, and nothing written: another key, a changed byte, a cut-off file.
  std::string other_key = root + "/other.key";
  ASSERT_EQ(RunVerbind({"backup", "key", "--out", other_key}).exit_code, 0);
  CliResult wrong = RunVerbind({"backup", "verify", file, "--key-file", other_key});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("a wrong key, or the file was changed"), std::string::npos) << wrong.err;
  auto bytes = common::ReadFile(file, 1u << 30);
  ASSERT_TRUE(bytes.ok());
  std::string changed = *bytes;
  changed[changed.size() / 2] ^= 0x01;
  ASSERT_TRUE(common::WriteFileAtomic(root + "/changed.backup", changed, 0600).ok());
  CliResult bad = RunVerbind({"restore", root + "/changed.backup", "--to", root + "/bad",
                              "--key-file", key});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("restore refused, nothing written"), std::string::npos) << bad.err;
  EXPECT_FALSE(common::PathExists(root + "/bad"));
  EXPECT_FALSE(common::PathExists(root + "/bad.partial"));
  ASSERT_TRUE(
      common::WriteFileAtomic(root + "/cut.backup", bytes->substr(0, bytes->size() - 40), 0600)
          .ok());
  CliResult cut = RunVerbind({"backup", "verify", root + "/cut.backup", "--key-file", key});
  EXPECT_EQ(cut.exit_code, 1);
  EXPECT_NE(cut.err.find("truncated"), std::string::npos) << cut.err;

  // Restored into a new folder and started in place of the lost one.
  ASSERT_EQ(a.Stop(), 0);
  std::string restored_dir = root + "/org-a-restored";
  CliResult restored = RunVerbind({"restore", file, "--to", restored_dir, "--key-file", key});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  auto r = TestNode::Existing(restored_dir, "org-a");
  ASSERT_TRUE(r->Start().ok()) << r->Log();
  EXPECT_EQ(Rows(*r), 300);
  CliResult audit = r->Cli({"audit", "verify"});
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
  // The nonce spent before the backup is still spent: the replayed query is refused.
  auto replay = fed.node("org-b").PostToPeer(*r, "/v1/peer/query", query);
  EXPECT_EQ(replay.first, 409) << replay.second;
  EXPECT_NE(replay.second.find("\"replayed\""), std::string::npos) << replay.second;
  // A new query is answered by the restored node.
  EXPECT_EQ(fed.node("org-b").PostToPeer(*r, "/v1/peer/query", SignedQuery(fed.node("org-b"), *r)).first,
            200);
  // A restore never writes over a folder.
  CliResult again = RunVerbind({"restore", file, "--to", restored_dir, "--key-file", key});
  EXPECT_EQ(again.exit_code, 1);
}

TEST(Backup, ABackupKilledMidwayNeverLeavesAFileThatLooksComplete) {
  std::string root = FreshDir("backup-kill");
  Federation fed;
  fed.Start(root, {"org-a"}, {20000});
  TestNode& a = fed.node("org-a");
  std::string key = root + "/backup.key";
  ASSERT_EQ(RunVerbind({"backup", "key", "--out", key}).exit_code, 0);
  for (int delay_ms : {0, 5, 20, 60}) {
    std::string file = root + "/killed-" + std::to_string(delay_ms) + ".backup";
    ProcessSpec spec{{VERBIND_BINARY, "backup", a.dir(), "--out", file, "--key-file", key},
                     {}, root + "/kill.out", root + "/kill.err"};
    auto p = Process::Start(spec);
    ASSERT_TRUE(p.ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    p->Kill(SIGKILL);
    // Either the backup finished before the signal and verifies, or there is no such file.
    if (common::PathExists(file)) {
      EXPECT_EQ(RunVerbind({"backup", "verify", file, "--key-file", key}).exit_code, 0);
    }
    if (common::PathExists(file + ".partial")) {
      EXPECT_NE(RunVerbind({"backup", "verify", file + ".partial", "--key-file", key}).exit_code,
                0);
    }
  }
  // The node kept serving, and the next backup is whole.
  std::string file = root + "/after.backup";
  CliResult made = RunVerbind({"backup", a.dir(), "--out", file, "--key-file", key});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_EQ(RunVerbind({"backup", "verify", file, "--key-file", key}).exit_code, 0);
}

}  // namespace
}  // namespace verbind::testing
