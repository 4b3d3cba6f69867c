// `verbind doctor` on real nodes: what it finds wrong, how it says to fix it, its exit status.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/federation_fixture.h"

namespace verbind::testing {
namespace {

using nlohmann::json;

// The doctor's checks by name: {status, detail, fix}.
std::map<std::string, json> Checks(const CliResult& r) {
  std::map<std::string, json> out;
  json j = json::parse(r.out, nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& c : j["checks"]) out[c["check"]] = c;
  return out;
}

TEST(Doctor, FindsWhatNeedsActionAndSaysHowToFixIt) {
  std::string root = FreshDir("doctor");
  Federation fed;
  fed.Start(root, {"org-a", "org-b"}, {10, 0});
  std::string dir = fed.node("org-a").dir();
  CliResult healthy = RunVerbind({"doctor", dir, "--format", "json"});
  auto c = Checks(healthy);
  ASSERT_FALSE(c.empty()) << healthy.out << healthy.err;
  for (const char* name : {"configuration", "file modes", "certificate", "signing key age",
                           "node", "audit chain", "peer org-b"}) {
    EXPECT_EQ(c[name]["status"], "ok") << name << ": " << c[name].dump();
  }
  EXPECT_NE(c["peer org-b"]["detail"].get<std::string>().find("its clock is"), std::string::npos);
  // A key readable by others, and a peer that is down.
  ASSERT_EQ(::chmod((dir + "/keys/signing.key").c_str(), 0644), 0);
  ASSERT_EQ(fed.node("org-b").Stop(), 0);
  CliResult sick = RunVerbind({"doctor", dir, "--format", "json"});
  EXPECT_EQ(sick.exit_code, 1);
  c = Checks(sick);
  EXPECT_EQ(c["file modes"]["status"], "fail");
  EXPECT_EQ(c["file modes"]["fix"], "chmod 600 " + dir + "/keys/signing.key");
  EXPECT_EQ(c["peer org-b"]["status"], "fail");
  EXPECT_NE(c["peer org-b"]["detail"].get<std::string>().find("not reachable"),
            std::string::npos);
  // The node itself down: said, with how to start it; the text form says something needs action.
  ASSERT_EQ(fed.node("org-a").Stop(), 0);
  CliResult down = RunVerbind({"doctor", dir});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.out.find("fix: verbind serve " + dir), std::string::npos) << down.out;
  EXPECT_NE(down.out.find("something needs action"), std::string::npos) << down.out;
}

}  // namespace
}  // namespace verbind::testing
