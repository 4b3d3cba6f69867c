// Shared dataset definitions across real nodes: one organisation publishes, two adopt (from the
// publisher over the peer protocol, and from a file), each loads its own export format, and
// their answers combine; a node over another schema is reported by organisation and field,
// whatever the order of the peers; a compatible new version combines with the old one.
#include <gtest/gtest.h>

#include "common/files.h"
#include "tests/federation_fixture.h"

namespace verbind::testing {
namespace {

using nlohmann::json;

// `csv` as a Dutch export: semicolons, decimal commas and NA for missing amounts.
std::string AsSemicolonExport(const std::string& csv) {
  std::string out;
  size_t line_start = 0;
  for (size_t i = 0; i < csv.size(); ++i) {
    char c = csv[i];
    if (c == '\n') line_start = i + 1;
    bool in_header = line_start == 0;
    if (c == ',') {
      out += ';';
      // An empty amount (the fifth column) is written NA.
      size_t fields = 0;
      for (size_t j = line_start; j < i; ++j) fields += csv[j] == ',';
      if (!in_header && fields == 4 && i + 1 < csv.size() && csv[i + 1] == ',') out += "NA";
    } else if (c == '.' && !in_header) {
      out += ',';
    } else {
      out += c;
    }
  }
  return out;
}

std::string AsTabExport(std::string csv) {
  for (char& c : csv) {
    if (c == ',') c = '\t';
  }
  return csv;
}

std::map<std::string, std::string> Statuses(const json& answer) {
  std::map<std::string, std::string> out;
  for (const auto& c : answer["coverage"]) out[c["org_id"]] = c["status"];
  return out;
}

int64_t TotalCount(const json& answer) {
  int64_t total = 0;
  for (const auto& row : answer["result"]["rows"]) total += row["values"][0].get<int64_t>();
  return total;
}

class DefinitionE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = FreshDir("definitions");
    fed_.Start(root_, {"org-a", "org-b", "org-c", "org-d"}, {0, 0, 0, 0});
    schema_ = root_ + "/support.toml";
    ASSERT_TRUE(common::WriteFileAtomic(schema_, kSupportSchema, 0644).ok());
  }
  void Write(const std::string& path, const std::string& text) {
    ASSERT_TRUE(common::WriteFileAtomic(path, text, 0644).ok());
  }
  // Policies and non-personal marking on every node with the dataset (exact answers).
  void Share() {
    for (const char* org : {"org-a", "org-b", "org-c", "org-d"}) {
      CliResult applied =
          fed_.ApplyPolicy(org, SupportPolicy({"org-a", "org-b", "org-c", "org-d"}, 5));
      ASSERT_EQ(applied.exit_code, 0) << org << applied.err;
    }
    fed_.MarkNonPersonal();
  }
  std::string root_, schema_;
  Federation fed_;
};

TEST_F(DefinitionE2E, AdoptedDefinitionsCombineAndMismatchesAreReportedByField) {
  // org-a publishes; the signed document also goes to a file.
  ASSERT_EQ(fed_.node("org-a").Cli({"dataset", "create", "support", "--schema", schema_}).exit_code, 0);
  Write(root_ + "/a.csv", SupportCsv("a", 400, 1));
  ASSERT_EQ(fed_.node("org-a").Cli({"dataset", "ingest", "support", root_ + "/a.csv"}).exit_code, 0);
  std::string file = root_ + "/support.definition.json";
  CliResult published =
      fed_.node("org-a").Cli({"dataset", "publish", "support", "--out", file});
  ASSERT_EQ(published.exit_code, 0) << published.err;
  EXPECT_NE(published.out.find("Published org-a/support@1 (hash "), std::string::npos)
      << published.out;
  // org-b adopts from the publisher over mutual TLS; org-c from the file.
  CliResult b = fed_.node("org-b").Cli({"dataset", "adopt", "org-a/support"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(b.out.find("Adopted org-a/support@1"), std::string::npos) << b.out;
  EXPECT_NE(b.out.find("created dataset support"), std::string::npos) << b.out;
  CliResult c = fed_.node("org-c").Cli({"dataset", "adopt", "--file", file});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  // A tampered file is refused and creates nothing.
  auto text = common::ReadFile(file);
  ASSERT_TRUE(text.ok());
  json doc = json::parse(*text);
  std::string payload = doc["payload"];
  payload[payload.size() / 2] = payload[payload.size() / 2] == 'A' ? 'B' : 'A';
  doc["payload"] = payload;
  Write(root_ + "/tampered.json", doc.dump());
  CliResult tampered =
      fed_.node("org-d").Cli({"dataset", "adopt", "--file", root_ + "/tampered.json"});
  EXPECT_NE(tampered.exit_code, 0);
  EXPECT_EQ(fed_.node("org-d").Cli({"dataset", "describe", "support"}).exit_code, 1);

  // Each loads its own export format of the same kind of data.
  Write(root_ + "/b.csv", AsSemicolonExport(SupportCsv("b", 300, 2)));
  CliResult b_in = fed_.node("org-b").Cli(
      {"dataset", "ingest", "support", root_ + "/b.csv", "--decimal-comma", "--null", "NA"});
  ASSERT_EQ(b_in.exit_code, 0) << b_in.err << b_in.out;
  Write(root_ + "/c.tsv.csv", AsTabExport(SupportCsv("c", 200, 3)));
  CliResult c_in = fed_.node("org-c").Cli({"dataset", "ingest", "support", root_ + "/c.tsv.csv"});
  ASSERT_EQ(c_in.exit_code, 0) << c_in.err << c_in.out;
  CliResult described = fed_.node("org-b").Cli({"dataset", "describe", "support"});
  EXPECT_NE(described.out.find("conforms to org-a/support@1 (hash "), std::string::npos)
      << described.out;

  // org-d has a dataset of its own making: amounts with 3 decimals.
  std::string odd = kSupportSchema;
  odd.replace(odd.find("scale = 2"), 9, "scale = 3");
  Write(root_ + "/odd.toml", odd);
  ASSERT_EQ(fed_.node("org-d").Cli({"dataset", "create", "support", "--schema", root_ + "/odd.toml"}).exit_code, 0);
  Write(root_ + "/d.csv", SupportCsv("d", 100, 4));
  ASSERT_EQ(fed_.node("org-d").Cli({"dataset", "ingest", "support", root_ + "/d.csv"}).exit_code, 0);
  Share();

  const std::string sql = "SELECT scheme, count(*) AS n, sum(monthly_amount) FROM support GROUP BY scheme";
  // org-a expects its definition: the adopters' answers combine; org-d refuses (signed).
  json from_a = fed_.Ask("org-a", sql);
  ASSERT_EQ(from_a["http_status"], 200) << from_a.dump();
  auto statuses = Statuses(from_a);
  EXPECT_EQ(statuses["org-a"], "answered");
  EXPECT_EQ(statuses["org-b"], "answered");
  EXPECT_EQ(statuses["org-c"], "answered");
  EXPECT_EQ(statuses["org-d"], "denied");
  for (const auto& cov : from_a["coverage"]) {
    if (cov["org_id"] == "org-d") {
      EXPECT_EQ(cov["code"], "definition_mismatch");
      EXPECT_NE(cov["message"].get<std::string>().find("conforms to no published definition"),
                std::string::npos);
    }
  }
  EXPECT_EQ(TotalCount(from_a), 400 + 300 + 200);

  // org-d expects nothing: the definition most answered over is the reference, in any order,
  // and org-d's own answer is reported with the field that differs.
  for (const auto& peers : {json{"org-a", "org-b", "org-c"}, json{"org-c", "org-b", "org-a"}}) {
    json from_d = fed_.Ask("org-d", sql, {{"peers", peers}});
    ASSERT_EQ(from_d["http_status"], 200) << from_d.dump();
    auto s = Statuses(from_d);
    EXPECT_EQ(s["org-a"], "answered") << peers;
    EXPECT_EQ(s["org-c"], "answered") << peers;
    EXPECT_EQ(s["org-d"], "invalid_answer") << peers;
    for (const auto& cov : from_d["coverage"]) {
      if (cov["org_id"] != "org-d") continue;
      EXPECT_EQ(cov["code"], "definition_mismatch");
      ASSERT_EQ(cov["mismatches"].size(), 1u) << cov.dump();
      EXPECT_EQ(cov["mismatches"][0]["field"], "monthly_amount");
      EXPECT_EQ(cov["mismatches"][0]["difference"], "scale 3, expected 2");
    }
    EXPECT_EQ(TotalCount(from_d), 900) << peers;
  }

  // A compatible new version: a region added. org-c moves to it in place; org-b stays on
  // version 1; answers over both versions combine where their columns agree.
  std::string v2 = kSupportSchema;
  v2.replace(v2.find("\"Zuid-Holland\"]"), 15, "\"Zuid-Holland\", \"Fryslân\"]");
  Write(root_ + "/v2.toml", v2);
  CliResult v2_published =
      fed_.node("org-a").Cli({"dataset", "publish", "support", "--schema", root_ + "/v2.toml"});
  ASSERT_EQ(v2_published.exit_code, 0) << v2_published.err;
  EXPECT_NE(v2_published.out.find("Published org-a/support@2"), std::string::npos);
  EXPECT_NE(v2_published.out.find("field region: categories added: \"Fryslân\" (compatible)"),
            std::string::npos)
      << v2_published.out;
  CliResult c_v2 = fed_.node("org-c").Cli({"dataset", "adopt", "org-a/support@2"});
  ASSERT_EQ(c_v2.exit_code, 0) << c_v2.err;
  EXPECT_NE(c_v2.out.find("dataset support now conforms"), std::string::npos) << c_v2.out;
  // org-c's export of the new region: Windows-1252 ("Frysl\xe2n"), semicolons, decimal commas.
  std::string fryslan = "registration_id;birth_year;region;scheme;monthly_amount;start_date;household_size\n";
  for (int i = 0; i < 12; ++i) {
    fryslan += "f-" + std::to_string(i) + ";1950;Frysl\xe2n;WMO;" + (i % 3 ? "512,5" : "NA") +
               ";2020-01-0" + std::to_string(1 + i % 9) + ";2\n";
  }
  Write(root_ + "/c-fryslan.csv", fryslan);
  // Inferred on its own, this file would be a dataset of another shape (amounts with one
  // decimal, a region of one label); the adopted definition reads it as it is.
  CliResult inferred = RunVerbind({"dataset", "create", "x", "--infer-from", root_ + "/c-fryslan.csv",
                                   "--encoding", "windows-1252", "--print"});
  ASSERT_EQ(inferred.exit_code, 0) << inferred.err;
  EXPECT_NE(inferred.out.find("scale = 1"), std::string::npos) << inferred.out;
  CliResult c_fy = fed_.node("org-c").Cli({"dataset", "ingest", "support", root_ + "/c-fryslan.csv",
                                           "--encoding", "windows-1252", "--decimal-comma",
                                           "--null", "NA"});
  ASSERT_EQ(c_fy.exit_code, 0) << c_fy.err << c_fy.out;
  json mixed = fed_.Ask("org-a", sql, {{"peers", json{"org-b", "org-c"}}});
  auto m = Statuses(mixed);
  EXPECT_EQ(m["org-a"], "answered");
  EXPECT_EQ(m["org-b"], "answered");  // version 1, same columns
  EXPECT_EQ(m["org-c"], "answered");
  EXPECT_EQ(TotalCount(mixed), 912);
  json regions = fed_.Ask(
      "org-a", "SELECT region, count(*) AS n FROM support WHERE region = 'Fryslân' GROUP BY region",
      {{"peers", json{"org-b", "org-c"}}});
  ASSERT_EQ(regions["result"]["rows"].size(), 1u) << regions.dump();
  EXPECT_EQ(regions["result"]["rows"][0]["key"][0], "Fryslân");
  EXPECT_EQ(regions["result"]["rows"][0]["values"][0], 12);
  // An incompatible change of an adopted dataset is refused and changes nothing.
  CliResult back = fed_.node("org-d").Cli({"dataset", "adopt", "org-a/support@1"});
  EXPECT_NE(back.exit_code, 0);
  EXPECT_NE(back.err.find("field monthly_amount: scale 3 -> 2"), std::string::npos) << back.err;
}

}  // namespace
}  // namespace verbind::testing
