// TLS of the peer listener probed from outside with the `openssl s_client` binary (skipped when
// it is absent): old protocol versions and weak or non-forward-secret cipher suites are
// refused; TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256 and TLS 1.3 are accepted with a pinned
// client certificate; no certificate, an unpinned certificate and the certificate of a
// suspended peer are refused; compression, renegotiation and session resumption are off.
// "Accepted" means an HTTP request over the connection is answered; lines starting with
// "figure:" report each probe for docs/security.md.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/files.h"
#include "common/strings.h"
#include "tests/node_harness.h"

namespace verbind::testing {
namespace {

bool HaveOpenssl() { return std::system("command -v openssl >/dev/null 2>&1") == 0; }

// True when this openssl build offers `cipher` for TLS 1.2 at security level 0.
bool ClientOffers(const std::string& cipher) {
  std::string cmd = "openssl ciphers -tls1_2 '" + cipher + ":@SECLEVEL=0' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

struct Probe {
  std::string output;
  bool answered = false;  // an HTTP response came back over the connection
  std::string summary;    // negotiated protocol and cipher, or the error openssl reported
};

// The first line of `text` that contains `needle`, trimmed; empty when none.
std::string LineWith(const std::string& text, const std::string& needle) {
  for (auto line : common::Split(text, '\n')) {
    if (line.find(needle) != std::string_view::npos) return std::string(common::Trim(line));
  }
  return "";
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = 0; (pos = text.find(needle, pos)) != std::string::npos; pos += needle.size()) {
    ++n;
  }
  return n;
}

// The reason in openssl's first error line ("tlsv1 alert protocol version (alert 70)").
std::string ErrorOf(const std::string& output) {
  std::string line = LineWith(output, ":error:");
  if (line.empty()) return "no answer";
  size_t routine = line.find("ssl3_read_bytes:");
  size_t start = routine == std::string::npos ? 0 : routine + 16;
  std::string reason = line.substr(start, line.find(":../", start) - start);
  size_t alert = line.find("SSL alert number ");
  if (alert != std::string::npos) reason += " (alert " + line.substr(alert + 17) + ")";
  return reason;
}

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveOpenssl()) GTEST_SKIP() << "no openssl binary";
    root_ = FreshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    node_ = TestNode::Create(root_, "org-node");
    pinned_ = TestNode::Create(root_, "org-pinned");
    suspended_ = TestNode::Create(root_, "org-suspended");
    ASSERT_TRUE(node_ && pinned_ && suspended_);
    ASSERT_TRUE(node_->Start({"VERBIND_LIMITS_READ_TIMEOUT_MS=3000"}).ok()) << node_->Log();
    node_->Pin(*pinned_);
    node_->Pin(*suspended_);
    ASSERT_EQ(node_->Cli({"peer", "suspend", "org-suspended"}).exit_code, 0);
  }

  // Runs s_client against the peer listener with `options`, sends one HTTP request (after
  // `before`, e.g. a renegotiation command) and collects what it printed.
  Probe SClient(const std::string& options, const std::string& before = "") {
    std::string out = root_ + "/s_client.out";
    std::string request =
        "GET /v1/peer/identity HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n";
    // With -ign_eof s_client waits for the node to close the connection (Connection: close,
    // or the refusal); s_client commands such as "R" need it off, and a pause to take effect.
    std::string input =
        before.empty() ? "printf '" + request + "'"
                       : "(printf '" + before + "'; sleep 1; printf '" + request + "'; sleep 1)";
    std::string cmd = input + " | timeout 20 openssl s_client -connect 127.0.0.1:" +
                      std::to_string(node_->peer_port()) + (before.empty() ? " -ign_eof " : " ") +
                      options + " > " + out + " 2>&1";
    std::system(cmd.c_str());
    Probe p;
    auto text = common::ReadFile(out);
    p.output = text.ok() ? *text : "";
    p.answered = p.output.find("HTTP/1.1 200") != std::string::npos;
    std::string established = LineWith(p.output, "Cipher is ");
    p.summary = p.answered ? established + "; HTTP 200" : ErrorOf(p.output);
    return p;
  }

  std::string Cert(const TestNode& n) const {
    return "-cert " + n.dir() + "/keys/tls.crt -key " + n.dir() + "/keys/tls.key";
  }

  // Reports a probe and checks whether it was answered.
  void Expect(const std::string& what, const Probe& p, bool accepted) {
    std::printf("figure: %s -> %s: %s\n", what.c_str(), p.answered ? "accepted" : "refused",
                p.summary.c_str());
    EXPECT_EQ(p.answered, accepted) << what << "\n" << p.output;
  }

  std::string root_;
  std::unique_ptr<TestNode> node_, pinned_, suspended_;
};

TEST_F(Tls, OldProtocolVersionsAreRefused) {
  // Security level 0 so that the client itself is willing to speak them.
  for (const char* version : {"-tls1", "-tls1_1"}) {
    Probe p = SClient(std::string(version) + " -cipher 'DEFAULT:@SECLEVEL=0' " + Cert(*pinned_));
    Expect(std::string("pinned certificate, ") + version, p, false);
    EXPECT_EQ(p.output.find("Cipher is ECDHE"), std::string::npos) << p.output;
  }
}

TEST_F(Tls, WeakAndNonForwardSecretCipherSuitesAreRefused) {
  // CBC modes, 3DES and RC4 (when this client still offers them), and RSA key exchange
  // without forward secrecy, each the only suite the client offers.
  int probed = 0;
  for (const char* cipher :
       {"ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "AES128-SHA", "AES256-GCM-SHA384",
        "AES128-GCM-SHA256", "DES-CBC3-SHA", "RC4-SHA", "ECDHE-ECDSA-NULL-SHA"}) {
    if (!ClientOffers(cipher)) {
      std::printf("figure: TLS 1.2 %s -> not offered by this openssl build\n", cipher);
      continue;
    }
    ++probed;
    Probe p =
        SClient("-tls1_2 -cipher '" + std::string(cipher) + ":@SECLEVEL=0' " + Cert(*pinned_));
    Expect(std::string("pinned certificate, TLS 1.2 ") + cipher, p, false);
  }
  EXPECT_GE(probed, 4);
  Probe ccm = SClient("-tls1_3 -ciphersuites TLS_AES_128_CCM_8_SHA256 " + Cert(*pinned_));
  Expect("pinned certificate, TLS 1.3 TLS_AES_128_CCM_8_SHA256", ccm, false);
}

TEST_F(Tls, ModernSuitesWithAPinnedCertificateAreAccepted) {
  Probe tls12 = SClient("-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256 " + Cert(*pinned_));
  Expect("pinned certificate, TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256", tls12, true);
  EXPECT_NE(tls12.output.find("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256"), std::string::npos);
  EXPECT_NE(tls12.output.find("Compression: NONE"), std::string::npos) << tls12.output;
  Probe chacha = SClient("-tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305 " + Cert(*pinned_));
  Expect("pinned certificate, TLS 1.2 ECDHE-ECDSA-CHACHA20-POLY1305", chacha, true);
  Probe tls13 = SClient("-tls1_3 " + Cert(*pinned_));
  Expect("pinned certificate, TLS 1.3 (client defaults)", tls13, true);
  EXPECT_NE(tls13.output.find("TLSv1.3"), std::string::npos);
  EXPECT_NE(tls13.output.find("Compression: NONE"), std::string::npos) << tls13.output;
}

TEST_F(Tls, ClientsWithoutAPinnedActiveCertificateAreRefused) {
  for (const char* version : {"-tls1_2", "-tls1_3"}) {
    std::string v = version;
    Expect("no client certificate, " + v, SClient(v), false);
    std::string stranger = root_ + "/stranger";
    std::string gen =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-keyout " +
        stranger + ".key -out " + stranger +
        ".crt -subj /CN=stranger "
        "-days 1 >/dev/null 2>&1";
    ASSERT_EQ(std::system(gen.c_str()), 0);
    Expect("unpinned self-signed certificate, " + v,
           SClient(v + " -cert " + stranger + ".crt -key " + stranger + ".key"), false);
    Expect("pinned certificate of a suspended peer, " + v, SClient(v + " " + Cert(*suspended_)),
           false);
  }
  // The node still serves the pinned, active peer.
  Expect("pinned certificate after the refusals, TLS 1.3", SClient("-tls1_3 " + Cert(*pinned_)),
         true);
}

TEST_F(Tls, RenegotiationAndResumptionAreOff) {
  // "R" asks s_client to renegotiate a TLS 1.2 session before sending the request.
  Probe reneg = SClient("-tls1_2 " + Cert(*pinned_), "R\\n");
  std::printf("figure: TLS 1.2 client-initiated renegotiation -> %s\n",
              ErrorOf(reneg.output).c_str());
  EXPECT_NE(reneg.output.find("RENEGOTIATING"), std::string::npos) << reneg.output;
  EXPECT_NE(reneg.output.find("no renegotiation"), std::string::npos) << reneg.output;
  // Five reconnections offering the first session: never resumed.
  for (const char* version : {"-tls1_2", "-tls1_3"}) {
    Probe again = SClient(std::string(version) + " -reconnect " + Cert(*pinned_));
    size_t reused = Count(again.output, "Reused, TLSv1.");
    size_t fresh = Count(again.output, "New, TLSv1.");
    std::printf("figure: %s -reconnect (5 resumption attempts) -> %zu new sessions, %zu resumed\n",
                version, fresh, reused);
    EXPECT_EQ(reused, 0u) << again.output;
    EXPECT_EQ(fresh, 6u) << again.output;
  }
}

}  // namespace
}  // namespace verbind::testing
