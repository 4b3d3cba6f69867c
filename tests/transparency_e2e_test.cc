// The transparency register on real nodes: its counts reconciled with the audit log, the signed
// file verified offline (and refused when changed), and the public endpoint only when enabled.
#include <gtest/gtest.h>

#include <ctime>

#include "common/files.h"
#include "tests/federation_fixture.h"

namespace verbind::testing {
namespace {

using nlohmann::json;

std::string ThisMonth() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[8];
  std::strftime(buf, sizeof buf, "%Y-%m", &utc);
  return buf;
}

TEST(Transparency, TheRegisterReconcilesWithTheAuditLogAndVerifiesOffline) {
  std::string root = FreshDir("transparency");
  Federation fed;
  fed.Start(root, {"org-a", "org-b"}, {500, 0});
  ASSERT_EQ(fed.ApplyPolicy("org-a", SupportPolicy({"org-b"}, 5)).exit_code, 0);
  // org-b asks org-a: three answered, one refused by the policy (another purpose).
  for (int i = 0; i < 3; ++i) {
    json r = fed.Ask("org-b", "SELECT scheme, count(*), avg(monthly_amount) FROM support GROUP BY scheme",
                     {{"peers", json{"org-a"}}, {"include_self", false}});
    ASSERT_EQ(r["coverage"][0]["status"], "answered") << r.dump();
  }
  json denied = fed.Query("org-b", {{"query", "SELECT count(*) FROM support"},
                                    {"purpose", "pa-fraude-analyse"},
                                    {"legal_basis", kLegalBasis},
                                    {"peers", json{"org-a"}},
                                    {"include_self", false}});
  ASSERT_EQ(denied["coverage"][0]["status"], "denied") << denied.dump();

  const std::string month = ThisMonth();
  std::string out = root + "/published";
  ASSERT_TRUE(common::MakeDir(out, 0755).ok());
  CliResult exported =
      fed.node("org-a").Cli({"transparency", "export", "--month", month, "--out", out});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::string file = out + "/transparency-org-a-" + month + ".json";
  auto text = common::ReadFile(file);
  ASSERT_TRUE(text.ok()) << exported.out;
  json reg = json::parse(*text)["register"];

  // Reconciled with the audit log: every inbound peer query of the month, by decision.
  auto [status, body] = fed.node("org-a").Call("GET", "/v1/audit?limit=10000");
  ASSERT_EQ(status, 200) << body;
  int64_t answered = 0, refused = 0;
  json audit = json::parse(body);
  for (const auto& e : audit["entries"]) {
    if (e["direction"] != "inbound" || e["operation"] != "peer.query") continue;
    (e["decision"] == "answered" ? answered : refused) += 1;
  }
  EXPECT_EQ(answered, 3);
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(reg["totals"]["answered"], answered);
  EXPECT_EQ(reg["totals"]["refused_by_policy"], refused);
  EXPECT_EQ(reg["totals"]["failed"], 0);
  ASSERT_EQ(reg["rows"].size(), 2u) << reg.dump(2);
  for (const auto& row : reg["rows"]) {
    EXPECT_EQ(row["direction"], "received");
    EXPECT_EQ(row["organisation"], "org-b");
    EXPECT_EQ(row["dataset"], "support");
  }
  EXPECT_EQ(reg["rows"][0]["aggregates"], "avg,count");
  EXPECT_EQ(reg["rows"][0]["purpose"], kPurpose);
  EXPECT_EQ(reg["rows"][1]["aggregates"], "count");
  EXPECT_EQ(reg["rows"][1]["purpose"], "pa-fraude-analyse");
  // No value, no filter constant: only names, counts and the audit position.
  EXPECT_EQ(text->find("monthly_amount"), std::string::npos);
  auto csv = common::ReadFile(out + "/transparency-org-a-" + month + ".csv");
  ASSERT_TRUE(csv.ok());
  EXPECT_NE(csv->find(month + ";received;org-b;" + kPurpose + ";" + kLegalBasis +
                      ";support;avg,count;3;0;0\r\n"),
            std::string::npos)
      << *csv;

  // Verified offline against the identity document; a changed count is refused.
  std::string identity = root + "/org-a.identity.json";
  ASSERT_TRUE(common::WriteFileAtomic(identity, fed.node("org-a").IdentityJson(), 0644).ok());
  CliResult ok = RunVerbind({"transparency", "verify", file, "--identity", identity});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("answered 3, refused by policy 1, failed 0"), std::string::npos) << ok.out;
  std::string changed = *text;
  size_t at = changed.find("\"answered\": 3");
  ASSERT_NE(at, std::string::npos);
  changed.replace(at, 13, "\"answered\": 9");
  ASSERT_TRUE(common::WriteFileAtomic(root + "/changed.json", changed, 0644).ok());
  CliResult bad = RunVerbind({"transparency", "verify", root + "/changed.json", "--identity", identity});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("register INVALID"), std::string::npos) << bad.err;

  // The public endpoint: off by default; on when the administrator enables it.
  node::HttpClient api = fed.node("org-a").Api();
  auto off = api.Request("GET", "/public/v1/transparency/" + month, {}, "", node::After(10000));
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->status, 404);
  ASSERT_EQ(fed.node("org-a").Stop(), 0);
  ASSERT_TRUE(fed.node("org-a").Start({"VERBIND_TRANSPARENCY_PUBLIC=true"}).ok());
  node::HttpClient again = fed.node("org-a").Api();
  auto on = again.Request("GET", "/public/v1/transparency/" + month, {}, "", node::After(10000));
  ASSERT_TRUE(on.ok());
  EXPECT_EQ(on->status, 200) << on->body;
  EXPECT_EQ(json::parse(on->body)["register"]["totals"], reg["totals"]);
}

}  // namespace
}  // namespace verbind::testing
