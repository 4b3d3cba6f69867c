#include "tests/federation_fixture.h"

#include <gtest/gtest.h>

#include <random>

#include "common/files.h"

namespace verbind::testing {

using nlohmann::json;

const char kSupportSchema[] = R"(
description = "test registrations"
key = "registration_id"
[[fields]]
name = "registration_id"
type = "identifier"
nullable = false
[[fields]]
name = "birth_year"
type = "integer"
nullable = false
min = 1915
max = 2010
grid = 5
[[fields]]
name = "region"
type = "categorical"
nullable = false
categories = ["Drenthe", "Groningen", "Utrecht", "Zeeland", "Zuid-Holland"]
[[fields]]
name = "scheme"
type = "categorical"
nullable = false
categories = ["WMO", "Bijstand", "WW", "AOW"]
[[fields]]
name = "monthly_amount"
type = "decimal"
scale = 2
nullable = true
min = "0"
max = "5000"
grid = "250"
[[fields]]
name = "start_date"
type = "date"
nullable = false
min = 1990-01-01
max = 2025-12-31
[[fields]]
name = "household_size"
type = "integer"
nullable = true
min = 1
max = 12
grid = 1
)";

std::string SupportCsv(const std::string& prefix, int rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const char* regions[] = {"Drenthe", "Groningen", "Utrecht", "Zuid-Holland"};
  const char* schemes[] = {"WMO", "Bijstand", "WW", "AOW"};
  std::string out = "registration_id,birth_year,region,scheme,monthly_amount,start_date,household_size\n";
  for (int i = 0; i < rows; ++i) {
    std::string region = rng() % 500 == 0 ? "Zeeland" : regions[rng() % 4];
    int scheme = static_cast<int>(rng() % 4);
    int birth = 1930 + static_cast<int>(rng() % 75);
    // Skewed amounts; about 15% missing.
    std::string amount;
    if (rng() % 100 >= 15) {
      int64_t cents = 30000 + static_cast<int64_t>(rng() % 150000) + (scheme == 3 ? 50000 : 0);
      amount = std::to_string(cents / 100) + "." + (cents % 100 < 10 ? "0" : "") +
               std::to_string(cents % 100);
    }
    std::string household = rng() % 10 == 0 ? "" : std::to_string(1 + rng() % 6);
    char date[16];
    std::snprintf(date, sizeof date, "20%02d-%02d-%02d", static_cast<int>(12 + rng() % 14),
                  static_cast<int>(1 + rng() % 12), static_cast<int>(1 + rng() % 28));
    out += prefix + "-" + std::to_string(i) + "," + std::to_string(birth) + "," + region + "," +
           schemes[scheme] + "," + amount + "," + date + "," + household + "\n";
  }
  return out;
}

std::string SupportPolicy(const std::vector<std::string>& grantees, int min_cell,
                          const std::string& extra) {
  std::string list;
  for (const auto& g : grantees) list += (list.empty() ? "\"" : ", \"") + g + "\"";
  return extra + "\nid = \"support-stats\"\ndataset = \"support\"\ngrantees = [" + list +
         "]\npurposes = [\"" + kPurpose + "\"]\nlegal_bases = [\"" + kLegalBasis +
         "\"]\ngroup_by = [\"region\", \"scheme\", \"household_size\", \"start_date\", \"birth_year\", \"monthly_amount\"]\n"
         "filter_fields = [\"birth_year\", \"start_date\", \"monthly_amount\"]\n"
         "min_cell_size = " + std::to_string(min_cell) +
         "\n[[allow]]\naggregates = [\"count\", \"sum\", \"avg\", \"var\", \"stddev\", "
         "\"histogram\", \"quantile\", \"median\", \"corr\", \"regression\"]\n"
         "fields = [\"monthly_amount\", \"birth_year\", \"household_size\", \"start_date\", "
         "\"region\", \"scheme\"]\n";
}

void Federation::Start(const std::string& root, const std::vector<std::string>& orgs,
                       const std::vector<int>& rows, const std::vector<std::string>& env) {
  root_ = root;
  for (const auto& org : orgs) {
    auto n = TestNode::Create(root, org);
    ASSERT_TRUE(n) << org;
    ASSERT_TRUE(n->Start(env).ok()) << n->Log();
    nodes_[org] = std::move(n);
  }
  for (const auto& a : orgs) {
    for (const auto& b : orgs) {
      if (a != b) node(a).Pin(node(b));
    }
  }
  std::string schema = root + "/support.schema.toml";
  ASSERT_TRUE(common::WriteFileAtomic(schema, kSupportSchema, 0644).ok());
  for (size_t i = 0; i < orgs.size(); ++i) {
    std::string csv = root + "/" + orgs[i] + ".csv";
    csv_paths.push_back(csv);
    if (rows[i] == 0) continue;
    ASSERT_TRUE(common::WriteFileAtomic(csv, SupportCsv(orgs[i], rows[i], 1000 + i), 0644).ok());
    CliResult create = node(orgs[i]).Cli({"dataset", "create", "support", "--schema", schema});
    ASSERT_EQ(create.exit_code, 0) << create.err;
    CliResult ingest = node(orgs[i]).Cli({"dataset", "ingest", "support", csv});
    ASSERT_EQ(ingest.exit_code, 0) << ingest.err << ingest.out;
  }
}

void Federation::MarkNonPersonal() {
  for (auto& [org, n] : nodes_) {
    if (n->Cli({"dataset", "describe", "support"}).exit_code == 0) n->MarkNonPersonal("support");
  }
}

CliResult Federation::ApplyPolicy(const std::string& org, const std::string& toml) {
  std::string path = root_ + "/" + org + ".policy.toml";
  EXPECT_TRUE(common::WriteFileAtomic(path, toml, 0644).ok());
  return node(org).Cli({"policy", "apply", path});
}

json Federation::Query(const std::string& org, json body) {
  auto [status, text] = node(org).Call("POST", "/v1/queries", body.dump());
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) j = json{{"raw", text}};
  j["http_status"] = status;
  return j;
}

json Federation::Ask(const std::string& org, const std::string& sql, json extra) {
  json body = {{"query", sql}, {"purpose", kPurpose}, {"legal_basis", kLegalBasis}};
  for (auto& [k, v] : extra.items()) body[k] = v;
  return Query(org, body);
}

}  // namespace verbind::testing
