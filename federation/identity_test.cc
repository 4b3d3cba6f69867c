#include "federation/identity.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/certificate.h"
#include "crypto/system_random.h"
#include "crypto/x25519.h"

namespace verbind::federation {
namespace {

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::CertificateRequest req{"org-a", "Org A", {"localhost"}, {"127.0.0.1"}, 30};
    cert_ = *crypto::GenerateSelfSignedCertificate(req);
    doc_.org_id = "org-a";
    doc_.name = "Gemeente A";
    doc_.peer_url = "https://127.0.0.1:7443";
    auto x = crypto::GenerateX25519(crypto::SystemRandom::Get());
    doc_.x25519_public_key.assign(x.public_key.begin(), x.public_key.end());
    doc_.tls_certificate_pem = cert_.cert_pem;
    text_ = *RenderIdentityDocument(doc_, key_);
  }
  std::string Mutate(const std::function<void(nlohmann::json&)>& f) {
    auto j = nlohmann::json::parse(text_);
    f(j);
    return j.dump();
  }
  crypto::SigningKey key_ = crypto::SigningKey::Generate(crypto::SystemRandom::Get());
  crypto::TlsKeyAndCertificate cert_;
  IdentityDocument doc_;
  std::string text_;
};

TEST_F(IdentityTest, RoundTrip) {
  auto d = ParseIdentityDocument(text_);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->org_id, "org-a");
  EXPECT_EQ(d->signing_public_key.size(), 32u);
  EXPECT_EQ(d->tls_fingerprint, crypto::InspectCertificate(cert_.cert_pem)->fingerprint);
  storage::PeerRecord r = ToPeerRecord(*d, {"g1"});
  EXPECT_EQ(r.keys[0].key_id, d->signing_key_id);
  EXPECT_EQ(r.certificates[0].fingerprint, d->tls_fingerprint);
}

TEST_F(IdentityTest, RefusesTampering) {
  EXPECT_FALSE(ParseIdentityDocument(Mutate([](auto& j) { j["name"] = "Other"; })).ok());
  EXPECT_FALSE(ParseIdentityDocument(Mutate([](auto& j) { j["peer_url"] = "https://evil:1"; })).ok());
  EXPECT_FALSE(ParseIdentityDocument(Mutate([](auto& j) {
                 j["tls_fingerprint_sha256"] = std::string(64, 'a');
               })).ok());
  EXPECT_FALSE(ParseIdentityDocument(Mutate([](auto& j) { j["org_id"] = "Bad Id"; })).ok());
  EXPECT_FALSE(ParseIdentityDocument(Mutate([](auto& j) { j.erase("self_signature"); })).ok());
  EXPECT_FALSE(ParseIdentityDocument(Mutate([](auto& j) { j["verbind_identity"] = 2; })).ok());
  EXPECT_FALSE(ParseIdentityDocument("[1,2]").ok());
  EXPECT_FALSE(ParseIdentityDocument("{").ok());
}

}  // namespace
}  // namespace verbind::federation
