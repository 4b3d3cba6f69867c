// Federated queries between real node processes: exact combination (datasets marked
// non-personal, minimum 1) against the owner's raw answer of a node holding the union of the
// records, coverage when nodes are down, hanging or denying, hostile answers, receipts,
// asynchronous runs and SQL errors.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "common/files.h"
#include "common/strings.h"
#include "crypto/certificate.h"
#include "crypto/system_random.h"
#include "crypto/x25519.h"
#include "federation/envelope.h"
#include "federation/identity.h"
#include "federation/messages.h"
#include "node/net/connection.h"
#include "node/net/http_wire.h"
#include "tests/federation_fixture.h"

namespace verbind::testing {
namespace {

using nlohmann::json;

// Numbers equal to a relative 1e-9 (floating sums add in another order), everything else exactly.
::testing::AssertionResult Same(const json& a, const json& b, const std::string& where) {
  if (a.is_number() && b.is_number()) {
    double x = a.get<double>(), y = b.get<double>();
    if (std::fabs(x - y) <= 1e-9 * std::max({1.0, std::fabs(x), std::fabs(y)})) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << where << ": " << x << " != " << y;
  }
  if (a.type() != b.type()) return ::testing::AssertionFailure() << where << ": " << a << " vs " << b;
  if (a.is_object()) {
    if (a.size() != b.size()) return ::testing::AssertionFailure() << where << ": " << a << " vs " << b;
    for (auto& [k, v] : a.items()) {
      if (!b.contains(k)) return ::testing::AssertionFailure() << where << ": no " << k;
      auto r = Same(v, b[k], where + "." + k);
      if (!r) return r;
    }
    return ::testing::AssertionSuccess();
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return ::testing::AssertionFailure() << where << ": sizes differ";
    for (size_t i = 0; i < a.size(); ++i) {
      auto r = Same(a[i], b[i], where + "[" + std::to_string(i) + "]");
      if (!r) return r;
    }
    return ::testing::AssertionSuccess();
  }
  if (a == b) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << where << ": " << a << " != " << b;
}

std::string StatusOf(const json& r, const std::string& org) {
  for (const auto& c : r["coverage"]) {
    if (c["org_id"] == org) return c["status"];
  }
  return "missing";
}

class FederatedQueries : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string root = FreshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    fed_.Start(root, {"org-a", "org-b", "org-c"}, {3000, 2000, 2500});
    fed_.MarkNonPersonal();
    for (const char* org : {"org-a", "org-b", "org-c"}) {
      CliResult applied = fed_.ApplyPolicy(org, SupportPolicy({"org-a"}, 1));
      ASSERT_EQ(applied.exit_code, 0) << applied.err;
    }
  }
  // A folder holding the identity documents of the three organisations, for receipts.
  std::string IdentitiesFolder(const std::string& name) {
    std::string ids = fed_.root() + "/" + name;
    EXPECT_TRUE(common::MakeDir(ids, 0700).ok());
    for (const char* org : {"org-a", "org-b", "org-c"}) {
      EXPECT_TRUE(common::WriteFileAtomic(ids + "/" + org + ".json",
                                          fed_.node(org).IdentityJson(), 0644).ok());
    }
    return ids;
  }
  json AskAll(const std::string& sql, json extra = {}) {
    extra["peers"] = json::array({"org-b", "org-c"});
    return fed_.Ask("org-a", sql, extra);
  }
  Federation fed_;
};

TEST_F(FederatedQueries, EveryAggregateEqualsTheSameComputationOverTheUnion) {
  // A fourth node holds every record of the three.
  auto u = TestNode::Create(fed_.root(), "union");
  ASSERT_TRUE(u && u->Start().ok());
  ASSERT_EQ(u->Cli({"dataset", "create", "support", "--schema", fed_.root() + "/support.schema.toml"})
                .exit_code, 0);
  for (const auto& csv : fed_.csv_paths) {
    CliResult r = u->Cli({"dataset", "ingest", "support", csv});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const char* queries[] = {
      "SELECT count(*), count(monthly_amount), sum(monthly_amount), avg(monthly_amount), "
      "var(monthly_amount), stddev(monthly_amount) FROM support WHERE birth_year < 1980",
      "SELECT scheme, household_size, count(*), sum(monthly_amount), avg(birth_year) FROM "
      "support WHERE region != 'Zeeland' GROUP BY scheme, household_size",
      "SELECT histogram(birth_year, 1930, 2010, 8), quantile(monthly_amount, 0.5), "
      "median(birth_year), quantile(birth_year, 0.9) FROM support",
      "SELECT corr(birth_year, monthly_amount), regression(monthly_amount, birth_year, "
      "household_size) FROM support WHERE household_size IS NOT NULL",
      "SELECT household_size, count(*), avg(monthly_amount) FROM support WHERE region IN "
      "('Utrecht', 'Drenthe') OR NOT (scheme = 'WW') GROUP BY household_size",
      "SELECT count(*), sum(household_size) FROM support WHERE monthly_amount BETWEEN 500 AND "
      "1200.50 AND start_date >= DATE '2015-01-01'",
      "SELECT date_trunc('month', start_date) AS month, scheme, count(*) AS starts, "
      "avg(monthly_amount) FROM support WHERE start_date BETWEEN DATE '2023-01-01' AND "
      "DATE '2024-12-31' GROUP BY month, scheme ORDER BY month, scheme",
      "SELECT extract(year from start_date), extract(quarter from start_date), count(*) FROM "
      "support WHERE extract(month from start_date) IN (1, 2, 3) AND region != 'Zeeland' "
      "GROUP BY 1, 2",
      "SELECT CASE WHEN birth_year < 1960 THEN 'before 1960' WHEN birth_year < 1980 THEN "
      "'1960-1979' ELSE '1980 or later' END AS cohort, scheme, count(*), avg(monthly_amount) "
      "FROM support GROUP BY cohort, scheme",
      "SELECT CASE WHEN monthly_amount >= 1000 THEN 'high' WHEN monthly_amount < 500 THEN "
      "'low' END, count(*) FROM support GROUP BY 1",
      "SELECT scheme, count(*), avg(monthly_amount) FROM support WHERE region LIKE '%Holland' "
      "OR NOT scheme ILIKE 'w%' GROUP BY scheme",
      // Comparisons of two fields: a decimal against an integer in one unit, NULLs under NOT.
      "SELECT scheme, count(*), avg(monthly_amount) FROM support WHERE monthly_amount > "
      "birth_year AND NOT household_size >= birth_year GROUP BY scheme",
      "SELECT count(*), sum(household_size) FROM support WHERE NOT monthly_amount > birth_year",
  };
  for (const char* sql : queries) {
    json fed = AskAll(sql);
    ASSERT_EQ(fed["http_status"], 200) << fed;
    EXPECT_EQ(fed["status"], "complete") << fed["coverage"];
    auto [status, text] = u->RawQuery(sql);
    ASSERT_EQ(status, 200) << text;
    json local = json::parse(text);
    EXPECT_TRUE(Same(fed["result"], local["result"], sql));
  }
}

TEST_F(FederatedQueries, ANodeDownGivesAPartialResultWithinTheDeadline) {
  ASSERT_EQ(fed_.node("org-c").Stop(), 0);
  auto start = std::chrono::steady_clock::now();
  json r = AskAll("SELECT count(*) FROM support", {{"deadline_ms", 3000}});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r["status"], "partial");
  EXPECT_EQ(StatusOf(r, "org-c"), "unreachable") << r["coverage"];
  EXPECT_EQ(StatusOf(r, "org-b"), "answered");
  EXPECT_EQ(r["result"]["rows"][0]["values"][0], 5000);
  // The deadline plus slack for a loaded machine.
  EXPECT_LT(seconds, 3.0 + 1.5);
  json strict = AskAll("SELECT count(*) FROM support", {{"min_answers", 3}});
  EXPECT_EQ(strict["status"], "failed");
  EXPECT_NE(strict["error"].get<std::string>().find("3 required"), std::string::npos) << strict;
}

TEST_F(FederatedQueries, AHangingNodeTimesOutWithoutDelayingTheResult) {
  ::kill(fed_.node("org-b").pid(), SIGSTOP);
  auto start = std::chrono::steady_clock::now();
  json r = AskAll("SELECT count(*) FROM support", {{"deadline_ms", 1500}});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::kill(fed_.node("org-b").pid(), SIGCONT);
  EXPECT_EQ(StatusOf(r, "org-b"), "timed_out") << r["coverage"];
  EXPECT_EQ(r["status"], "partial");
  EXPECT_EQ(r["result"]["rows"][0]["values"][0], 5500);
  // The deadline plus slack for a loaded machine, below the default deadline of 5 s that a
  // coordinator ignoring the request's deadline would wait for.
  EXPECT_LT(seconds, 1.5 + 3.0);
}

// A node reuses the scan behind a repeated query only while its data is unchanged.
TEST_F(FederatedQueries, ARepeatedQuerySeesNewRecordsAtOnce) {
  const std::string sql = "SELECT count(*), sum(monthly_amount) FROM support WHERE birth_year < 1990";
  auto hits = [&] {
    auto [status, text] = fed_.node("org-b").Call("GET", "/metrics");
    EXPECT_EQ(status, 200);
    std::string line = "\nverbind_scan_cache_hits ";
    size_t at = text.find(line);
    return at == std::string::npos ? 0.0 : std::stod(text.substr(at + line.size()));
  };
  json first = AskAll(sql);
  ASSERT_EQ(first["status"], "complete") << first;
  const double hits_before = hits();
  json again = AskAll(sql);
  ASSERT_EQ(again["status"], "complete") << again;
  EXPECT_EQ(again["result"]["rows"], first["result"]["rows"]);
  EXPECT_EQ(hits(), hits_before + 1);  // org-b answered from its scan cache
  // 400 more records on org-b: the same query counts them.
  std::string csv = fed_.root() + "/more.csv";
  ASSERT_TRUE(common::WriteFileAtomic(csv, SupportCsv("org-b-more", 400, 77), 0644).ok());
  CliResult ingest = fed_.node("org-b").Cli({"dataset", "ingest", "support", csv});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  int64_t added = 0;
  const std::string text = *common::ReadFile(csv);
  for (const auto& line : common::Split(text, '\n')) {
    auto fields = common::Split(line, ',');
    if (fields.size() > 1 && fields[1] != "birth_year" && std::stoi(std::string(fields[1])) < 1990) {
      ++added;
    }
  }
  ASSERT_GT(added, 0);
  json after = AskAll(sql);
  ASSERT_EQ(after["status"], "complete") << after;
  EXPECT_EQ(after["result"]["rows"][0]["values"][0].get<int64_t>(),
            first["result"]["rows"][0]["values"][0].get<int64_t>() + added)
      << after["result"];
}

TEST_F(FederatedQueries, ADenyingNodeIsReportedWithItsReason) {
  ASSERT_EQ(fed_.node("org-c").Cli({"policy", "remove", "support-stats"}).exit_code, 0);
  json r = AskAll("SELECT scheme, count(*) FROM support GROUP BY scheme");
  EXPECT_EQ(StatusOf(r, "org-c"), "denied") << r["coverage"];
  for (const auto& c : r["coverage"]) {
    if (c["org_id"] == "org-c") {
      EXPECT_EQ(c["code"], "denied");
      EXPECT_NE(c["message"].get<std::string>().find("no sharing policy"), std::string::npos);
    }
  }
  EXPECT_EQ(r["status"], "partial");
}

// A partial result cannot pass for a complete one: every value says so in JSON, the CSV has a
// status column and the coverage after it, the CLI exits 3, and --require-complete refuses.
TEST_F(FederatedQueries, APartialResultIsMarkedInEveryFormat) {
  ASSERT_EQ(fed_.node("org-c").Cli({"policy", "remove", "support-stats"}).exit_code, 0);
  json r = AskAll("SELECT scheme, count(*) FROM support GROUP BY scheme");
  ASSERT_EQ(r["status"], "partial") << r;
  ASSERT_EQ(r["result"]["rows"].size(), 4u) << r;
  for (const auto& row : r["result"]["rows"]) {
    EXPECT_EQ(row["status"], "incomplete") << row;
    EXPECT_EQ(row["value_status"], json::array({"incomplete"})) << row;
  }
  auto query = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"query", "SELECT scheme, count(*) FROM support GROUP BY scheme",
                                     "--purpose", kPurpose, "--legal-basis", kLegalBasis,
                                     "--peers", "org-b,org-c"};
    args.insert(args.end(), extra.begin(), extra.end());
    return fed_.node("org-a").Cli(args);
  };
  CliResult csv = query({"--format", "csv"});
  EXPECT_EQ(csv.exit_code, 3) << csv.err;
  EXPECT_NE(csv.out.find("scheme,count(*),status\r\n"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find(",incomplete\r\n"), std::string::npos) << csv.out;
  EXPECT_EQ(csv.out.find(",complete\r\n"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find("# run: partial\r\n"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find("# org-c,denied,denied,"), std::string::npos) << csv.out;
  EXPECT_NE(csv.err.find("PARTIAL result: no answer from org-c (denied)"), std::string::npos)
      << csv.err;
  std::string coverage = fed_.root() + "/coverage.csv";
  CliResult table = query({"--coverage", coverage});
  EXPECT_EQ(table.exit_code, 3) << table.err;
  EXPECT_NE(table.out.find("| incomplete"), std::string::npos) << table.out;
  auto written = common::ReadFile(coverage);
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(written->rfind("org_id,status,code,message,latency_ms\r\n", 0), 0u) << *written;
  EXPECT_NE(written->find("\r\norg-c,denied,denied,"), std::string::npos) << *written;
  CliResult strict = query({"--format", "csv", "--require-complete"});
  EXPECT_EQ(strict.exit_code, 1) << strict.err;
  EXPECT_EQ(strict.out.find("incomplete"), std::string::npos) << strict.out;
  EXPECT_NE(strict.err.find("--require-complete"), std::string::npos) << strict.err;
  // The same query answered by everyone is complete and exits 0.
  ASSERT_EQ(fed_.ApplyPolicy("org-c", SupportPolicy({"org-a"}, 1)).exit_code, 0);
  CliResult complete = query({"--format", "csv", "--require-complete"});
  EXPECT_EQ(complete.exit_code, 0) << complete.err;
  EXPECT_NE(complete.out.find(",complete\r\n"), std::string::npos) << complete.out;
  EXPECT_NE(complete.out.find("# run: complete\r\n"), std::string::npos) << complete.out;
}

// Under a threshold, an organisation with no matching records adds an exact 0: it withholds
// nothing, and the row stays complete; one with a few records withholds the cell.
TEST_F(FederatedQueries, ANodeWithNoMatchingRecordsWithholdsNothing) {
  for (const char* org : {"org-a", "org-b", "org-c"}) {
    ASSERT_EQ(fed_.ApplyPolicy(org, SupportPolicy({"org-a"}, 5)).exit_code, 0);
  }
  auto born_before_1930 = [&](const std::string& org, int rows) {
    std::string csv = fed_.root() + "/" + org + "-old.csv";
    std::string text = "registration_id,birth_year,region,scheme,monthly_amount,start_date,"
                       "household_size\n";
    for (int i = 0; i < rows; ++i) {
      text += org + "-old-" + std::to_string(i) + ",1920,Utrecht,WMO,100.00,2020-01-01,1\n";
    }
    ASSERT_TRUE(common::WriteFileAtomic(csv, text, 0644).ok());
    CliResult ingest = fed_.node(org).Cli({"dataset", "ingest", "support", csv});
    ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  };
  born_before_1930("org-a", 12);
  json r = AskAll("SELECT count(*) FROM support WHERE birth_year < 1930");
  ASSERT_EQ(r["status"], "complete") << r;
  EXPECT_EQ(r["result"]["rows"][0]["values"][0], 12) << r;
  EXPECT_EQ(r["result"]["rows"][0]["status"], "complete") << r;
  born_before_1930("org-b", 2);
  json few = AskAll("SELECT count(*) FROM support WHERE birth_year < 1930");
  ASSERT_EQ(few["status"], "complete") << few;
  EXPECT_TRUE(few["result"]["rows"][0]["values"][0].is_null()) << few;
  EXPECT_EQ(few["result"]["rows"][0]["status"], "withheld") << few;
}

// HAVING, ORDER BY and LIMIT shape the shown rows at the requester; every node answers the
// whole query, and the receipt holds the whole result, which still verifies.
// The worked example of docs/query.md: monthly new starts per scheme over two years, every
// month listed in order, equal to a count over the three nodes' CSV files.
TEST_F(FederatedQueries, AMonthlyTrendListsEveryMonthInOrder) {
  json trend = AskAll(
      "SELECT date_trunc('month', start_date) AS month, scheme, count(*) AS starts "
      "FROM support WHERE start_date >= DATE '2023-01-01' AND start_date < DATE '2025-01-01' "
      "GROUP BY month, scheme ORDER BY month, scheme",
      {{"receipt", true}});
  ASSERT_EQ(trend["status"], "complete") << trend;
  // Its receipt (the peers' signed answers to the query with its period keys) verifies.
  std::string receipt = fed_.root() + "/trend.receipt.json";
  ASSERT_TRUE(common::WriteFileAtomic(receipt, trend["receipt"].get<std::string>(), 0644).ok());
  CliResult verified =
      RunVerbind({"receipt", "verify", receipt, "--identities", IdentitiesFolder("trend-ids")});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  const json& columns = trend["result"]["columns"];
  ASSERT_EQ(columns.size(), 3U) << columns;
  EXPECT_EQ(columns[0]["name"], "month");
  EXPECT_EQ(columns[1]["name"], "scheme");
  std::map<std::pair<std::string, std::string>, int64_t> expected;
  for (const std::string& csv : fed_.csv_paths) {
    auto text = common::ReadFile(csv);
    if (!text.ok()) continue;  // a node without records
    for (std::string_view line : common::Split(*text, '\n')) {
      std::vector<std::string_view> cells = common::Split(line, ',');
      if (cells.size() < 6 || cells[5] < "2023-01-01" || cells[5] >= "2025-01-01") continue;
      ++expected[{std::string(cells[5].substr(0, 8)) + "01", std::string(cells[3])}];
    }
  }
  const json& rows = trend["result"]["rows"];
  ASSERT_EQ(rows.size(), 24U * 4U) << rows.size();
  std::string previous;
  for (const json& row : rows) {
    std::string month = row["key"][0], scheme = row["key"][1];
    EXPECT_LE(previous, month) << "rows in period order";
    previous = month;
    const int64_t count = expected[std::make_pair(month, scheme)];
    EXPECT_EQ(row["values"][0], count) << month << " " << scheme;
  }
  EXPECT_EQ(rows[0]["key"][0], "2023-01-01");
  EXPECT_EQ(rows[rows.size() - 1]["key"][0], "2024-12-01");
  // The table format shows the same rows, the months in order.
  CliResult table = fed_.node("org-a").Cli(
      {"query", "--peers", "org-b,org-c", "--purpose", kPurpose, "--legal-basis", kLegalBasis,
       "--format", "table",
       "SELECT date_trunc('month', start_date) AS month, count(*) FROM support WHERE "
       "start_date BETWEEN DATE '2024-01-01' AND DATE '2024-03-31' GROUP BY month"});
  ASSERT_EQ(table.exit_code, 0) << table.err << table.out;
  size_t jan = table.out.find("2024-01-01"), feb = table.out.find("2024-02-01"),
         mar = table.out.find("2024-03-01");
  ASSERT_NE(mar, std::string::npos) << table.out;
  EXPECT_LT(jan, feb);
  EXPECT_LT(feb, mar);
  EXPECT_EQ(table.out.find("2024-04-01"), std::string::npos) << table.out;
}

TEST_F(FederatedQueries, OrderByAndLimitShowTheTopRowsOfTheWholeResult) {
  json all = AskAll("SELECT scheme, count(*) AS n FROM support GROUP BY scheme");
  ASSERT_EQ(all["status"], "complete") << all;
  std::vector<std::pair<int64_t, std::string>> counts;
  for (const auto& row : all["result"]["rows"]) {
    counts.emplace_back(row["values"][0].get<int64_t>(), row["key"][0].get<std::string>());
  }
  ASSERT_EQ(counts.size(), 4u);
  std::sort(counts.rbegin(), counts.rend());
  json top = AskAll("SELECT scheme, count(*) AS n FROM support GROUP BY scheme "
                    "ORDER BY n DESC, scheme LIMIT 2",
                    {{"receipt", true}});
  ASSERT_EQ(top["status"], "complete") << top;
  ASSERT_EQ(top["result"]["rows"].size(), 2u) << top["result"];
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(top["result"]["rows"][i]["values"][0], counts[i].first) << top["result"];
    EXPECT_EQ(top["result"]["rows"][i]["key"][0], counts[i].second) << top["result"];
  }
  std::string receipt = fed_.root() + "/top.receipt.json";
  ASSERT_TRUE(common::WriteFileAtomic(receipt, top["receipt"].get<std::string>(), 0644).ok());
  std::string ids = IdentitiesFolder("top-identities");
  CliResult ok = RunVerbind({"receipt", "verify", receipt, "--identities", ids});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  // HAVING tests the released values after combination.
  json having = AskAll("SELECT scheme, count(*) AS n FROM support GROUP BY scheme HAVING n >= " +
                       std::to_string(counts[1].first) + " ORDER BY n DESC");
  ASSERT_EQ(having["status"], "complete") << having;
  size_t expected = 0;
  for (const auto& c : counts) expected += c.first >= counts[1].first;
  ASSERT_EQ(having["result"]["rows"].size(), expected) << having["result"];
  EXPECT_EQ(having["result"]["rows"][0]["values"][0], counts[0].first) << having["result"];
  // Arithmetic over aggregates: computed from the combined values (exact here, non-personal).
  json derived = AskAll("SELECT scheme, sum(monthly_amount) / count(monthly_amount) AS mean, "
                        "avg(monthly_amount), round(100.0 * count(*) / " +
                        std::to_string(3000 + 2000 + 2500) + ", 1) AS pct "
                        "FROM support GROUP BY scheme ORDER BY pct DESC");
  ASSERT_EQ(derived["status"], "complete") << derived;
  const json& columns = derived["result"]["columns"];
  ASSERT_EQ(columns.size(), 4u) << columns;  // sum and both counts were asked, not shown
  EXPECT_EQ(columns[1]["name"], "mean");
  EXPECT_EQ(columns[1]["function"], "derived");
  EXPECT_EQ(columns[3]["name"], "pct");
  double total_pct = 0;
  for (const auto& row : derived["result"]["rows"]) {
    EXPECT_NEAR(row["values"][0].get<double>(), row["values"][1].get<double>(), 1e-6) << row;
    EXPECT_EQ(row["value_status"][0], "complete") << row;
    total_pct += row["values"][2].get<double>();
  }
  EXPECT_NEAR(total_pct, 100.0, 0.3) << derived["result"];
  for (size_t i = 1; i < derived["result"]["rows"].size(); ++i) {  // ORDER BY pct DESC
    EXPECT_GE(derived["result"]["rows"][i - 1]["values"][2].get<double>(),
              derived["result"]["rows"][i]["values"][2].get<double>());
  }
  json bad = AskAll("SELECT scheme, count(*) AS n FROM support GROUP BY scheme ORDER BY total");
  EXPECT_EQ(bad["http_status"], 400) << bad;
  EXPECT_NE(bad.dump().find("no result column total"), std::string::npos) << bad;
}

TEST_F(FederatedQueries, ReceiptsVerifyAndFailOnAnyChangedByte) {
  std::string receipt = fed_.root() + "/receipt.json";
  CliResult q = fed_.node("org-a").Cli(
      {"query", "SELECT scheme, count(*), avg(monthly_amount) FROM support GROUP BY scheme",
       "--purpose", kPurpose, "--legal-basis", kLegalBasis, "--peers", "org-b,org-c", "--receipt",
       receipt});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  std::string ids = IdentitiesFolder("identities");
  CliResult ok = RunVerbind({"receipt", "verify", receipt, "--identities", ids});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("combination recomputed from 3 participants: identical"), std::string::npos);
  std::string text = *common::ReadFile(receipt, 64 << 20);
  std::mt19937 rng(7);
  for (int i = 0; i < 25; ++i) {
    std::string changed = text;
    size_t at = rng() % changed.size();
    changed[at] = changed[at] == 'x' ? 'y' : 'x';
    std::string path = fed_.root() + "/changed.json";
    ASSERT_TRUE(common::WriteFileAtomic(path, changed, 0644).ok());
    CliResult bad = RunVerbind({"receipt", "verify", path, "--identities", ids});
    EXPECT_EQ(bad.exit_code, 1) << "a change at byte " << at << " went unnoticed";
  }
  // Without the identity of one participant, the receipt cannot be checked.
  ::unlink((ids + "/org-b.json").c_str());
  EXPECT_EQ(RunVerbind({"receipt", "verify", receipt, "--identities", ids}).exit_code, 1);
}

TEST_F(FederatedQueries, LongQueriesCanBeSubmittedAndPolled) {
  json r = AskAll("SELECT region, count(*) FROM support GROUP BY region", {{"async", true}});
  ASSERT_EQ(r["http_status"], 202) << r;
  std::string id = r["id"];
  json done;
  for (int i = 0; i < 100; ++i) {
    auto [status, text] = fed_.node("org-a").Call("GET", "/v1/queries/" + id);
    ASSERT_EQ(status, 200) << text;
    done = json::parse(text);
    ASSERT_TRUE(done.contains("coverage")) << done;
    if (done["state"] == "done") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(done["state"], "done");
  EXPECT_EQ(done["status"], "complete");
  EXPECT_EQ(fed_.node("org-a").Call("GET", "/v1/queries/" + std::string(32, 'f')).first, 404);
}

TEST_F(FederatedQueries, SqlErrorsPointAtTheToken) {
  CliResult r = fed_.node("org-a").Cli({"query", "SELECT count(*) FORM support", "--purpose",
                                        kPurpose, "--legal-basis", kLegalBasis});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 1, column 17"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("FORM"), std::string::npos) << r.err;
  CliResult no_purpose = fed_.node("org-a").Cli({"query", "SELECT count(*) FROM support"});
  EXPECT_EQ(no_purpose.exit_code, 2);
}

// A query that does not fit the dataset is an error with its position, before any policy
// decision: an unknown field with the closest names, an undeclared label with the closest
// labels, a comparison with NULL. Declared labels match in any case.
TEST_F(FederatedQueries, QueriesThatDoNotFitTheDatasetAreExplained) {
  json field = AskAll("SELECT avg(monthly_amout) FROM support");
  EXPECT_EQ(field["http_status"], 400) << field;
  EXPECT_NE(field.dump().find("line 1, column 12: unknown field \\\"monthly_amout\\\" "
                              "(did you mean monthly_amount?)"),
            std::string::npos)
      << field;
  json label = AskAll("SELECT count(*) FROM support WHERE scheme = 'Bijstan'");
  EXPECT_EQ(label["http_status"], 400) << label;
  EXPECT_NE(label.dump().find("unknown label 'Bijstan' for field \\\"scheme\\\" (closest "
                              "declared: Bijstand)"),
            std::string::npos)
      << label;
  json null = AskAll("SELECT count(*) FROM support WHERE monthly_amount = NULL");
  EXPECT_EQ(null["http_status"], 400) << null;
  EXPECT_NE(null.dump().find("write monthly_amount IS NULL"), std::string::npos) << null;
  json exact = AskAll("SELECT count(*) FROM support WHERE scheme = 'WMO'");
  json any_case = AskAll("SELECT count(*) FROM support WHERE scheme = 'wmo'");
  ASSERT_EQ(exact["status"], "complete") << exact;
  ASSERT_EQ(any_case["status"], "complete") << any_case;
  EXPECT_EQ(any_case["result"]["rows"], exact["result"]["rows"]);
  EXPECT_GT(exact["result"]["rows"][0]["values"][0].get<int64_t>(), 0);
}

// LIKE matches the declared labels: the federated count equals the rows of the three CSV
// files whose label the pattern selects.
TEST_F(FederatedQueries, LikeCountsTheRowsWhoseLabelsMatch) {
  int64_t holland = 0, not_w = 0;
  for (const std::string& path : fed_.csv_paths) {
    auto text = common::ReadFile(path);
    ASSERT_TRUE(text.ok()) << path;
    std::istringstream lines(*text);
    std::string line;
    std::getline(lines, line);  // the header
    while (std::getline(lines, line)) {
      std::vector<std::string> cells;
      std::istringstream row(line);
      for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
      ASSERT_GE(cells.size(), 4u) << line;
      holland += cells[2] == "Zuid-Holland" ? 1 : 0;
      not_w += cells[3] == "Bijstand" || cells[3] == "AOW" ? 1 : 0;
    }
  }
  ASSERT_GT(holland, 0);
  json like = AskAll("SELECT count(*) FROM support WHERE region LIKE '%Holland'");
  ASSERT_EQ(like["status"], "complete") << like;
  EXPECT_EQ(like["result"]["rows"][0]["values"][0], holland) << like;
  json not_ilike = AskAll("SELECT count(*) FROM support WHERE scheme NOT ILIKE 'w%'");
  ASSERT_EQ(not_ilike["status"], "complete") << not_ilike;
  EXPECT_EQ(not_ilike["result"]["rows"][0]["values"][0], not_w) << not_ilike;
  json none = AskAll("SELECT count(*) FROM support WHERE region LIKE 'Noord%'");
  ASSERT_EQ(none["status"], "complete") << none;
  EXPECT_EQ(none["result"]["rows"][0]["values"][0], 0) << none;
  json wrong = AskAll("SELECT count(*) FROM support WHERE birth_year LIKE '19%'");
  EXPECT_EQ(wrong["http_status"], 400) << wrong;
  EXPECT_NE(wrong.dump().find("LIKE compares categorical fields only"), std::string::npos) << wrong;
}

// A peer that answers with hostile partials: a flipped byte, an answer bound to another
// query, or a partial signed with a key nobody pinned.
class HostilePeer {
 public:
  enum class Mode { kFlippedByte, kOtherQuery, kUnpinnedKey, kGarbage, kCloseMidAnswer };
  HostilePeer(std::string org, std::string coordinator_fp)
      : org_(std::move(org)), coordinator_fp_(std::move(coordinator_fp)) {
    crypto::CertificateRequest req{org_, "Hostile", {"localhost"}, {"127.0.0.1"}, 10};
    cert_ = *crypto::GenerateSelfSignedCertificate(req);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    auto ctx = crypto::TlsContext::Server(
        cert_.cert_pem, cert_.key_pem, [this](std::string_view fp) { return fp == coordinator_fp_; });
    ctx_ = std::move(ctx).value();
    thread_ = std::thread([this] { Serve(); });
  }
  ~HostilePeer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string Identity() {
    federation::IdentityDocument doc;
    doc.org_id = org_;
    doc.name = "Hostile";
    doc.peer_url = "https://127.0.0.1:" + std::to_string(port_);
    doc.x25519_public_key = std::string(32, 'x');
    doc.tls_certificate_pem = cert_.cert_pem;
    return *federation::RenderIdentityDocument(doc, key_);
  }
  Mode mode = Mode::kFlippedByte;

 private:
  std::string Answer(const std::string& body) {
    auto query = federation::DecodeEnvelope(body);
    federation::PartialPayload p;
    p.query_hash = mode == Mode::kOtherQuery ? std::string(64, 'e') : federation::EnvelopeHash(*query);
    p.query_id = federation::DecodeQuery(query->payload)->query_id;
    p.responder = org_;
    p.dataset = "support";
    p.result = json::parse(
        R"j({"items":[{"name":"count(*)","function":"count","kind":"count","fields":[]}],)j"
        R"j("cells":[{"key":[],"rows":1,"status":"ok","values":[{"count":1}]}],)j"
        R"j("disclosure":null,"privacy":null,"rows_scanned":1})j");
    p.audit_head = std::string(64, '0');
    const crypto::SigningKey& key = mode == Mode::kUnpinnedKey ? stranger_ : key_;
    federation::Envelope e =
        federation::SealEnvelope(federation::kTypePartial, org_, key, federation::EncodePartial(p));
    if (mode == Mode::kFlippedByte) e.payload[e.payload.size() / 2] ^= 1;
    return mode == Mode::kGarbage ? "{\"not\": \"an envelope\"" : federation::EncodeEnvelope(e);
  }
  void Serve() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      auto s = crypto::TlsSession::Accept(*ctx_, c, node::After(3000));
      if (s.ok()) {
        auto conn = node::MakeTlsConnection(c, std::move(*s));
        node::BufferedReader reader(conn.get());
        auto head = reader.ReadHead(node::After(3000), node::After(3000), 65536);
        if (head.ok()) {
          node::HeadError err;
          auto h = node::ParseRequestHead(*head, {}, &err);
          std::string body;
          int64_t n = 0;
          common::ParseInt64(*h->Header("Content-Length"), &n);
          reader.ReadExact(static_cast<size_t>(n), &body, node::After(3000)).IgnoreError();
          std::string answer = Answer(body);
          std::string out = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: "
                            "close\r\nContent-Length: " + std::to_string(answer.size()) + "\r\n\r\n" +
                            answer;
          // Closing mid-answer: half the response, then the connection goes away.
          size_t half = mode == Mode::kCloseMidAnswer ? out.size() / 2 : out.size();
          conn->Write(out.data(), half, node::After(3000)).IgnoreError();
        }
      } else {
        ::close(c);
      }
    }
  }
  std::string org_, coordinator_fp_;
  crypto::TlsKeyAndCertificate cert_;
  crypto::SigningKey key_ = crypto::SigningKey::Generate(crypto::SystemRandom::Get());
  crypto::SigningKey stranger_ = crypto::SigningKey::Generate(crypto::SystemRandom::Get());
  int fd_ = -1;
  int port_ = 0;
  std::unique_ptr<crypto::TlsContext> ctx_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(FederatedQueries, HostileAnswersAreRejectedAndReported) {
  HostilePeer evil("evil", fed_.node("org-a").TlsFingerprint());
  auto [status, text] = fed_.node("org-a").Call("POST", "/v1/peers",
                                                json{{"identity", evil.Identity()}}.dump());
  ASSERT_EQ(status, 201) << text;
  for (auto mode : {HostilePeer::Mode::kFlippedByte, HostilePeer::Mode::kOtherQuery,
                    HostilePeer::Mode::kUnpinnedKey, HostilePeer::Mode::kGarbage,
                    HostilePeer::Mode::kCloseMidAnswer}) {
    evil.mode = mode;
    json r = fed_.Ask("org-a", "SELECT count(*) FROM support",
                      {{"peers", json::array({"org-b", "evil"})}});
    EXPECT_EQ(StatusOf(r, "evil"),
              mode == HostilePeer::Mode::kCloseMidAnswer ? "unreachable" : "invalid_answer")
        << r["coverage"];
    EXPECT_EQ(StatusOf(r, "org-b"), "answered");
    // The hostile count of 1 never reaches the result.
    EXPECT_EQ(r["result"]["rows"][0]["values"][0], 5000) << r;
  }
}

}  // namespace
}  // namespace verbind::testing
