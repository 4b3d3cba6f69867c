// Expensive local queries against a real node process: a scan over limits.max_rows_scanned,
// more groups than limits.max_groups and a scan longer than limits.query_timeout_ms are
// stopped and answered 422 too_expensive (exit 1 in the CLI), and the node keeps serving.
// Lines starting with "figure:" report measurements for docs/security.md.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/files.h"
#include "tests/node_harness.h"

namespace verbind::testing {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

class QueryLimits : public ::testing::Test {
 protected:
  void StartNode(std::vector<std::string> env) {
    root_ = FreshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    node_ = TestNode::Create(root_, "org-node");
    ASSERT_TRUE(node_);
    ASSERT_TRUE(node_->Start(env).ok()) << node_->Log();
  }

  // The node still answers: its health and its dataset list.
  void ExpectServing() {
    EXPECT_EQ(node_->Call("GET", "/healthz").first, 200);
    CliResult list = node_->Cli({"dataset", "list"});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    EXPECT_NE(list.out.find("large"), std::string::npos) << list.out;
  }

  std::string root_;
  std::unique_ptr<TestNode> node_;
};

constexpr const char* kRecordsSchema = R"(key = "id"
[[fields]]
name = "id"
type = "identifier"
[[fields]]
name = "n"
type = "integer"
nullable = false
[[fields]]
name = "region"
type = "categorical"
[[fields]]
name = "m"
type = "integer"
)";

// Creates dataset `name` with `rows` records: n takes 97 values, region two, m is the row number.
void CreateRecords(const TestNode& node, const std::string& root, const std::string& name,
                   int rows) {
  ASSERT_TRUE(common::WriteFileAtomic(root + "/schema.toml", kRecordsSchema, 0600).ok());
  std::string csv = "id,n,region,m\n";
  for (int i = 0; i < rows; ++i) {
    csv += "K" + std::to_string(i) + "," + std::to_string(i % 97) + "," +
           (i % 2 ? "north" : "south") + "," + std::to_string(i) + "\n";
  }
  std::string file = root + "/" + name + ".csv";
  ASSERT_TRUE(common::WriteFileAtomic(file, csv, 0600).ok());
  ASSERT_EQ(node.Cli({"dataset", "create", name, "--schema", root + "/schema.toml"}).exit_code, 0);
  CliResult ingest = node.Cli({"dataset", "ingest", name, file});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
}

TEST_F(QueryLimits, ExpensiveLocalQueriesAreBoundedByRowsAndGroups) {
  StartNode({"VERBIND_LIMITS_MAX_ROWS_SCANNED=1000", "VERBIND_LIMITS_MAX_GROUPS=10"});
  CreateRecords(*node_, root_, "large", 5000);
  CreateRecords(*node_, root_, "small", 500);
  // Within the limits: answered.
  // The owner's raw answers: the scan bounds hold for them too.
  auto raw = [&](const std::string& sql) {
    return node_->Cli({"--token", node_->owner_token, "query", "--local", "--raw", sql});
  };
  CliResult fine = raw("SELECT region, count(*) FROM small GROUP BY region");
  EXPECT_EQ(fine.exit_code, 0) << fine.err;
  // More rows than max_rows_scanned (1000): refused with the limit named.
  auto start = Clock::now();
  CliResult rows = raw("SELECT count(*) FROM large");
  double rows_s = SecondsSince(start);
  EXPECT_EQ(rows.exit_code, 1) << rows.out;
  EXPECT_NE(rows.err.find("limit of 1000 rows"), std::string::npos) << rows.err;
  std::printf(
      "figure: local query over 5000 rows with max_rows_scanned 1000 -> exit %d in %.3f "
      "s: %s",
      rows.exit_code, rows_s, rows.err.c_str());
  // More groups than max_groups (10): 97 values of n in 500 rows.
  start = Clock::now();
  CliResult groups = raw("SELECT n, count(*) FROM small GROUP BY n");
  double groups_s = SecondsSince(start);
  EXPECT_EQ(groups.exit_code, 1) << groups.out;
  EXPECT_NE(groups.err.find("group"), std::string::npos) << groups.err;
  EXPECT_EQ(groups.err.find("rows"), std::string::npos) << groups.err;
  std::printf("figure: local query with 97 groups and max_groups 10 -> exit %d in %.3f s: %s",
              groups.exit_code, groups_s, groups.err.c_str());
  // The same through the API: 422 too_expensive, and the node keeps serving.
  auto api = node_->RawQuery("SELECT count(*) FROM large");
  EXPECT_EQ(api.first, 422) << api.second;
  EXPECT_EQ(json::parse(api.second, nullptr, false).value("code", ""), "too_expensive")
      << api.second;
  std::printf("figure: POST /v1/queries (local, over max_rows_scanned) -> %d %s\n", api.first,
              api.second.c_str());
  ExpectServing();
}

TEST_F(QueryLimits, ExpensiveLocalQueriesAreStoppedAtTheQueryTimeout) {
  // 500000 rows (eight column chunks) in 500000 groups of a wide integer (the hash-table path),
  // with histograms and a variance per group: several times the 10 ms allowed even on a fast
  // machine; the scan stops between chunks.
  StartNode({"VERBIND_LIMITS_QUERY_TIMEOUT_MS=10", "VERBIND_LIMITS_MAX_GROUPS=1000000"});
  CreateRecords(*node_, root_, "large", 500000);
  std::string sql =
      "SELECT m, count(*), histogram(n, 0, 100, 20), var(n), count(region) FROM large "
      "GROUP BY m";
  auto start = Clock::now();
  CliResult slow = node_->Cli({"--token", node_->owner_token, "query", "--local", "--raw", sql});
  double seconds = SecondsSince(start);
  EXPECT_EQ(slow.exit_code, 1) << slow.out;
  EXPECT_NE(slow.err.find("longer than 10 ms"), std::string::npos) << slow.err;
  std::printf(
      "figure: local query over 500000 rows with query_timeout_ms 10 -> exit %d in %.3f "
      "s: %s",
      slow.exit_code, seconds, slow.err.c_str());
  auto api = node_->RawQuery(sql);
  EXPECT_EQ(api.first, 422) << api.second;
  EXPECT_EQ(json::parse(api.second, nullptr, false).value("code", ""), "too_expensive")
      << api.second;
  ExpectServing();
}

}  // namespace
}  // namespace verbind::testing
