// AnswerService over a real dataset store, privacy ledger and policy: what leaves the node
// under differential privacy and under a threshold, the budget, and that nothing but the
// protected values depends on the records.
#include "federation/answer/answer_service.h"

#include <gtest/gtest.h>

#include <cmath>

#include "federation/result.h"
#include "federation/sql.h"
#include "testing/store_fixture.h"

namespace verbind::federation {
namespace {

using nlohmann::json;

constexpr const char* kSchema = R"(
key = "id"
[[fields]]
name = "id"
type = "identifier"
[[fields]]
name = "birth_year"
type = "integer"
nullable = false
min = 1900
max = 2019
grid = 10
[[fields]]
name = "region"
type = "categorical"
nullable = false
categories = ["Utrecht", "Zeeland", "Drenthe"]
[[fields]]
name = "amount"
type = "decimal"
scale = 2
min = "0"
max = "2000"
grid = "100"
)";

// `n` records in Utrecht and Drenthe (none in Zeeland), amounts 10.00 .. 19.99, plus `extra`.
std::string Records(int n, const std::string& extra = "") {
  std::string csv = "id,birth_year,region,amount\n";
  for (int i = 0; i < n; ++i) {
    csv += "r" + std::to_string(i) + "," + std::to_string(1940 + i % 60) + "," +
           (i % 2 ? "Utrecht" : "Drenthe") + "," + std::to_string(10 + i % 10) + ".50\n";
  }
  return csv + extra;
}

class AnswerTest : public testing::StoreFixture {
 protected:
  AnswerTest() : StoreFixture(1'780'000'000'000) {}

  void SetUp() override {
    StoreFixture::SetUp();
    auto policies = storage::PolicyStore::Load(db_.get(), &clock_);
    ASSERT_TRUE(policies.ok());
    policies_ = std::move(policies).value();
    storage::DatasetPrivacy defaults;
    defaults.budget_micro = 1'000'000;  // epsilon 1
    defaults.requester_share_micro = 1'000'000;
    ledger_ = std::make_unique<storage::PrivacyLedger>(db_.get(), defaults);
    policy_ = std::make_shared<config::Policy>();
    policy_->id = "p";
    policy_->epsilon_per_query_micro = 100'000;
    policy_->min_cell_size = 5;
    service_ = MakeService(0);
  }

  std::unique_ptr<AnswerService> MakeService(uint8_t secret_byte) {
    AnswerDependencies deps;
    deps.datasets = store_.get();
    deps.policies = policies_.get();
    deps.ledger = ledger_.get();
    deps.clock = &clock_;
    deps.noise_secret = crypto::SecretBytes(std::vector<uint8_t>(32, secret_byte));
    return std::make_unique<AnswerService>(std::move(deps));
  }

  void Load(const std::string& dataset, const std::string& csv) {
    StoreFixture::Load(dataset, kSchema, csv);
  }

  // The answer as the partial's JSON, or the refusal as {"code", "message"}.
  json Ask(const std::string& sql, const std::string& requester = "cbs",
           AnswerService* service = nullptr) {
    auto q = ParseSql(sql);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    Grant grant{"p", 1, *q, policy_};
    auto a = (service ? service : service_.get())->Answer(grant, requester);
    if (auto* r = std::get_if<Refusal>(&a)) return {{"code", r->code}, {"message", r->message}};
    ProtectedAnswer& answer = std::get<ProtectedAnswer>(a);
    EXPECT_TRUE(db_->Write(answer.reservation.batch()).ok());
    answer.reservation.Commit();
    return answer.result;
  }
  // The finished rows of an answer.
  json Rows(const json& result) {
    auto t = DecodePartialTable(result);
    EXPECT_TRUE(t.ok()) << t.status().ToString() << result.dump();
    if (!t.ok()) return json();
    auto r = FinishTable(*t, Coverage::kEveryone);
    EXPECT_TRUE(r.ok());
    return ResultToJson(*r)["rows"];
  }
  void MarkNonPersonal(const std::string& dataset) {
    storage::DatasetPrivacy p = *ledger_->Settings(dataset);
    p.personal = false;
    p.non_personal_reason = "test";
    ASSERT_TRUE(ledger_->SetSettings(dataset, p).ok());
  }

  std::unique_ptr<storage::PolicyStore> policies_;
  std::unique_ptr<storage::PrivacyLedger> ledger_;
  std::shared_ptr<config::Policy> policy_;
  std::unique_ptr<AnswerService> service_;
};

TEST_F(AnswerTest, ADpAnswerReleasesOnlyNoisyStatisticsAndItsParameters) {
  Load("d", Records(1000));
  json r = Ask("SELECT count(*), avg(amount) FROM d");
  ASSERT_TRUE(r.contains("cells")) << r;
  EXPECT_FALSE(r.contains("rows_scanned"));
  const json& values = r["cells"][0]["values"];
  EXPECT_EQ(values[1].size(), 2u) << values;  // n and the centred sum, no m2
  EXPECT_NE(values[0]["count"], 1000) << "noise of scale 20 is almost never zero";
  EXPECT_LT(std::abs(values[0]["count"].get<int64_t>() - 1000), 400);
  const json& p = r["protection"];
  EXPECT_EQ(p["method"], "differential_privacy");
  EXPECT_EQ(p["epsilon"], "0.1");
  EXPECT_EQ(p["statistics"].size(), 3u);  // rows, nonnull(amount), csum(amount)
  EXPECT_EQ(p["budget"]["charged"], "0.1");
  EXPECT_EQ(p["budget"]["remaining"], "0.9");
  EXPECT_EQ(p["policy"], "p");
  // The finished mean of the true 15.00 carries the noise of the centred sum (scale 1000.00 * 3
  // / 0.1 = 30000.00) over about 1000 values: about 30.00, and it stays within the bounds.
  double mean = Rows(r)[0]["values"][1];
  EXPECT_GE(mean, 0.0);
  EXPECT_LE(mean, 15.0 + 300.0);
}

TEST_F(AnswerTest, TheSameQueryOnTheSameDataIsTheSameAnswerAndCostsNothing) {
  Load("d", Records(500));
  json first = Ask("SELECT region, count(*) FROM d GROUP BY region");
  json again = Ask("SELECT region, count(*) AS n FROM d GROUP BY region", "other-org");
  EXPECT_EQ(again["cells"], first["cells"]) << "an alias or another requester drew new noise";
  EXPECT_EQ(again["protection"]["budget"]["charged"], "0");
  EXPECT_TRUE(again["protection"]["budget"]["repeat"].get<bool>());
  EXPECT_EQ(ledger_->Report("d", "x", clock_.NowMillis())->spent_micro, 100'000);
  // Another query is charged, and so is the same one after the data changed.
  json other = Ask("SELECT region, count(*) FROM d WHERE birth_year < 1980 GROUP BY region");
  EXPECT_EQ(other["protection"]["budget"]["charged"], "0.1");
  Load("d", "id,birth_year,region,amount\nnew-1,1950,Utrecht,12.00\n");
  json after = Ask("SELECT region, count(*) FROM d GROUP BY region");
  EXPECT_EQ(after["protection"]["budget"]["charged"], "0.1");
  EXPECT_NE(after["cells"], first["cells"]);
}

TEST_F(AnswerTest, EveryDeclaredKeyIsListedAndNoneTellsWhetherItHasRecords) {
  Load("d", Records(300));
  json r = Ask("SELECT region, count(*) FROM d GROUP BY region");
  ASSERT_EQ(r["cells"].size(), 3u) << r;  // Zeeland has no records and is listed all the same
  std::set<std::string> keys;
  for (const auto& c : r["cells"]) {
    keys.insert(c["key"][0].get<std::string>());
    EXPECT_EQ(c.size(), 2u) << "a cell is its key and its values, nothing else: " << c;
    EXPECT_FALSE(c["values"][1].contains("withheld"));
  }
  EXPECT_EQ(keys, (std::set<std::string>{"Drenthe", "Utrecht", "Zeeland"}));
}

TEST_F(AnswerTest, RefusalsDoNotDependOnTheRecords) {
  // Two datasets that differ by one person, and a third with nobody in it.
  Load("with", Records(200, "target,1915,Zeeland,1999.99\n"));
  Load("without", Records(200));
  Load("empty", "id,birth_year,region,amount\n");
  const char* queries[] = {
      "SELECT max(amount) FROM %s WHERE birth_year = 1915",
      "SELECT corr(amount, birth_year) FROM %s WHERE region = 'Zeeland'",
      "SELECT histogram(amount, 0, 2000, 3) FROM %s WHERE birth_year < 1920",
      "SELECT sum(amunt) FROM %s",
      "SELECT count(*) FROM %s WHERE region = 'Zeeland' AND birth_year = 1915",
  };
  for (const char* q : queries) {
    std::map<std::string, json> refusals;
    for (const char* dataset : {"with", "without", "empty"}) {
      char sql[512];
      std::snprintf(sql, sizeof sql, q, dataset);
      json r = Ask(sql);
      std::string message = r.value("message", "");
      size_t at = message.find(dataset);
      if (at != std::string::npos) message.replace(at, std::strlen(dataset), "D");
      refusals[dataset] = {{"code", r.value("code", "answered")}, {"message", message}};
    }
    EXPECT_EQ(refusals["with"], refusals["without"]) << q;
    EXPECT_EQ(refusals["with"], refusals["empty"]) << q;
  }
}

TEST_F(AnswerTest, TheBudgetIsSharedAndItsRefusalSaysWhatIsLeft) {
  Load("d", Records(100));
  for (int i = 0; i < 10; ++i) {
    json r = Ask("SELECT count(*) FROM d WHERE birth_year > " + std::to_string(1900 + i),
                 i % 2 ? "a" : "b");
    ASSERT_TRUE(r.contains("cells")) << r;
  }
  json refused = Ask("SELECT count(*) FROM d WHERE birth_year > 1990", "c");
  EXPECT_EQ(refused["code"], refusal::kBudgetExhausted);
  EXPECT_NE(refused.value("message", "").find("has 0 of 1 left"), std::string::npos) << refused;
  // A query answered before is still answered, free of charge.
  json repeat = Ask("SELECT count(*) FROM d WHERE birth_year > 1900", "c");
  EXPECT_TRUE(repeat["protection"]["budget"]["repeat"].get<bool>()) << repeat;
}

TEST_F(AnswerTest, NoiseHasTheStatedScaleAndIsFreshForEveryOtherQuery) {
  Load("d", Records(400));
  storage::DatasetPrivacy p = *ledger_->Settings("d");
  p.budget_micro = 1000 * storage::kMicro;
  ASSERT_TRUE(ledger_->SetSettings("d", p).ok());
  policy_->epsilon_per_query_micro = 500'000;  // count alone: scale 2
  double abs_sum = 0;
  std::set<int64_t> seen;
  const int kQueries = 600;
  for (int i = 0; i < kQueries; ++i) {
    // Every filter matches all 400 records; only the noise differs.
    json r = Ask("SELECT count(*) FROM d WHERE birth_year < " + std::to_string(2000 + i));
    int64_t c = r["cells"][0]["values"][0]["count"];
    abs_sum += std::abs(c - 400);
    seen.insert(c);
  }
  // E|Z| of a discrete Laplace of scale 2: 2 p / (1 - p^2) with p = exp(-1/2) = 1.92; the mean
  // of 600 draws is within 0.25 of it with overwhelming probability (sd of |Z| about 2).
  double p_half = std::exp(-0.5);
  EXPECT_NEAR(abs_sum / kQueries, 2 * p_half / (1 - p_half * p_half), 0.25);
  EXPECT_GT(seen.size(), 10u);
  // Another node (another secret) draws other noise for the same queries.
  auto other = MakeService(7);
  int differ = 0;
  for (int i = 0; i < 5; ++i) {
    std::string sql = "SELECT count(*) FROM d WHERE birth_year < " + std::to_string(1990 + i);
    differ += Ask(sql)["cells"] != Ask(sql, "cbs", other.get())["cells"] ? 1 : 0;
  }
  EXPECT_GE(differ, 2) << "two draws of scale 2 are equal about a quarter of the time";
}

TEST_F(AnswerTest, NonPersonalDataIsExactAboveTheThresholdAndSaysSo) {
  Load("d", Records(100, "z1,1950,Zeeland,12.00\nz2,1951,Zeeland,13.00\n"));
  MarkNonPersonal("d");
  json r = Ask("SELECT region, count(*), sum(amount) FROM d GROUP BY region");
  ASSERT_TRUE(r.contains("cells")) << r;
  EXPECT_EQ(r["protection"]["method"], "threshold");
  EXPECT_EQ(r["protection"]["personal_data"], false);
  EXPECT_EQ(r["protection"]["non_personal_reason"], "test");
  json rows = Rows(r);
  // Drenthe 50, Utrecht 50 exactly; Zeeland's two records are withheld (minimum 5).
  EXPECT_EQ(rows[0]["values"][0], 50);
  EXPECT_EQ(rows[1]["values"][0], 50);
  EXPECT_TRUE(rows[2]["values"][0].is_null());
  EXPECT_EQ(rows[2]["value_status"][0], "withheld");
  EXPECT_EQ(rows[2]["status"], "withheld");
  EXPECT_EQ(rows[0]["status"], "complete");
  EXPECT_EQ(rows[2]["value_status"][1], "withheld");
  EXPECT_EQ(ledger_->Report("d", "x", clock_.NowMillis())->spent_micro, 0);
  // No records at all is shown as such, not withheld.
  json none = Ask("SELECT count(*) FROM d WHERE birth_year < 1901");
  EXPECT_EQ(Rows(none)[0]["values"][0], 0);
}

TEST_F(AnswerTest, TheOwnersRawAnswerIsExact) {
  Load("d", Records(100));
  auto q = ParseSql("SELECT region, count(*), max(amount) FROM d GROUP BY region");
  ASSERT_TRUE(q.ok());
  auto raw = service_->AnswerRaw(*q);
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  EXPECT_EQ(raw->protection["method"], "raw");
  auto r = FinishTable(*raw, Coverage::kEveryone);
  ASSERT_TRUE(r.ok());
  json rows = ResultToJson(*r)["rows"];
  EXPECT_EQ(rows[0]["values"], json::parse(R"([50, "18.50"])"));  // Drenthe: 10.50 .. 18.50
  EXPECT_EQ(rows[2]["values"], json::parse("[0, null]"));  // Zeeland: declared, no records
  EXPECT_EQ(ledger_->Report("d", "x", clock_.NowMillis())->spent_micro, 0);
}

}  // namespace
}  // namespace verbind::federation
