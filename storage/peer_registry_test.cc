#include "storage/peer_registry.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace verbind::storage {
namespace {

PeerRecord MakePeer(const std::string& org, const std::string& fp, const std::string& key) {
  PeerRecord r;
  r.org_id = org;
  r.name = "Org " + org;
  r.peer_url = "https://127.0.0.1:1";
  r.keys.push_back({"id-" + org, key, 0, 0});
  r.certificates.push_back({fp, "pem", 0});
  r.x25519_public_key = std::string(32, 'x');
  r.groups = {"gemeenten"};
  return r;
}

class PeerRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/verbind_peers_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::system(("rm -rf '" + dir_ + "'").c_str());
    Reopen();
  }
  void Reopen() {
    reg_.reset();
    db_.reset();
    db_ = std::move(Database::Open(dir_)).value();
    reg_ = std::move(PeerRegistry::Load(db_.get(), &clock_)).value();
  }
  std::string dir_;
  common::ManualClock clock_{1'000'000};
  std::unique_ptr<Database> db_;
  std::unique_ptr<PeerRegistry> reg_;
};

TEST_F(PeerRegistryTest, AddLookupAndPersist) {
  ASSERT_TRUE(reg_->Add(MakePeer("org-b", "fpb", std::string(32, 'b'))).ok());
  EXPECT_TRUE(reg_->IsActiveFingerprint("fpb"));
  EXPECT_FALSE(reg_->IsActiveFingerprint("fpx"));
  Reopen();
  auto snap = reg_->snapshot();
  const PeerRecord* r = snap->ByOrg("org-b");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->keys[0].public_key, std::string(32, 'b'));
  EXPECT_EQ(r->added_at_ms, 1'000'000);
  EXPECT_TRUE(r->InGroup("gemeenten"));
  EXPECT_NE(r->KeyFor("id-org-b", clock_.NowMillis()), nullptr);
}

TEST_F(PeerRegistryTest, SuspendResumeRevokeRemove) {
  ASSERT_TRUE(reg_->Add(MakePeer("org-b", "fpb", std::string(32, 'b'))).ok());
  ASSERT_TRUE(reg_->SetStatus("org-b", PeerStatus::kSuspended, "audit").ok());
  EXPECT_FALSE(reg_->IsActiveFingerprint("fpb"));
  ASSERT_TRUE(reg_->SetStatus("org-b", PeerStatus::kActive, "").ok());
  EXPECT_TRUE(reg_->IsActiveFingerprint("fpb"));
  ASSERT_TRUE(reg_->SetStatus("org-b", PeerStatus::kRevoked, "key leaked").ok());
  EXPECT_FALSE(reg_->IsActiveFingerprint("fpb"));
  EXPECT_EQ(reg_->SetStatus("org-b", PeerStatus::kActive, "").code(),
            common::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(reg_->Remove("org-b").ok());
  EXPECT_EQ(reg_->snapshot()->ByOrg("org-b"), nullptr);
  EXPECT_EQ(reg_->Remove("org-b").code(), common::StatusCode::kNotFound);
}

TEST_F(PeerRegistryTest, RefusesDuplicatesAcrossOrganisations) {
  ASSERT_TRUE(reg_->Add(MakePeer("org-b", "fpb", std::string(32, 'b'))).ok());
  EXPECT_EQ(reg_->Add(MakePeer("org-b", "fpz", std::string(32, 'z'))).code(),
            common::StatusCode::kAlreadyExists);
  EXPECT_EQ(reg_->Add(MakePeer("org-c", "fpb", std::string(32, 'c'))).code(),
            common::StatusCode::kAlreadyExists);
  EXPECT_EQ(reg_->Add(MakePeer("org-c", "fpc", std::string(32, 'b'))).code(),
            common::StatusCode::kAlreadyExists);
}

TEST_F(PeerRegistryTest, KeyOverlapWindow) {
  PeerRecord r = MakePeer("org-b", "fpb", std::string(32, 'b'));
  r.keys[0].valid_until_ms = 2'000'000;
  r.keys.push_back({"new", std::string(32, 'n'), 1'500'000, 0});
  ASSERT_TRUE(reg_->Add(r).ok());
  auto snap = reg_->snapshot();
  const PeerRecord* p = snap->ByOrg("org-b");
  EXPECT_NE(p->KeyFor("id-org-b", 1'000'000), nullptr);
  EXPECT_EQ(p->KeyFor("new", 1'000'000), nullptr);
  EXPECT_NE(p->KeyFor("new", 1'600'000), nullptr);
  EXPECT_NE(p->KeyFor("id-org-b", 1'600'000), nullptr);
  EXPECT_EQ(p->KeyFor("id-org-b", 2'000'000), nullptr);
}

TEST_F(PeerRegistryTest, CertificateOverlapWindow) {
  PeerRecord r = MakePeer("org-b", "old", std::string(32, 'b'));
  r.certificates[0].valid_until_ms = 2'000'000;
  r.certificates.push_back({"new", "pem", 0});
  EXPECT_TRUE(r.HasCertificate("old", 1'999'999));
  EXPECT_FALSE(r.HasCertificate("old", 2'000'000));
  EXPECT_EQ(r.CertificatesAt(1'999'999), (std::vector<std::string>{"old", "new"}));
  // After the overlap only the new certificate is pinned, also for outgoing connections.
  EXPECT_EQ(r.CertificatesAt(2'000'000), (std::vector<std::string>{"new"}));
}

}  // namespace
}  // namespace verbind::storage
