// Queries end to end on one node, without protection (the owner's raw answers): SQL parsed,
// planned and bound with the store's dictionary, scanned by the real DatasetStore, keys
// decoded to labels, released exactly and finished, against answers worked out by hand for a
// small benefits dataset.
#include <gtest/gtest.h>

#include <cmath>

#include <string>

#include "config/schema.h"
#include "federation/answer/plan.h"
#include "federation/answer/internal/release.h"
#include "federation/result.h"
#include "federation/sql.h"
#include "testing/dataset_fixture.h"
#include "testing/store_fixture.h"

namespace verbind::federation {
namespace {

constexpr const char* kSchema = R"(
key = "person_id"
[[fields]]
name = "person_id"
type = "identifier"
[[fields]]
name = "benefit_type"
type = "categorical"
[[fields]]
name = "monthly_amount"
type = "decimal"
scale = 2
[[fields]]
name = "birth_year"
type = "integer"
min = 1900
max = 2030
grid = 1
[[fields]]
name = "birth_date"
type = "date"
[[fields]]
name = "active"
type = "boolean"
[[fields]]
name = "region"
type = "categorical"
)";

constexpr const char* kRecords =
    "person_id,benefit_type,monthly_amount,birth_year,birth_date,active,region\n"
    "p1,AOW,1000.50,1950,1950-03-01,true,north\n"
    "p2,AOW,1200.00,1955,1955-06-15,false,south\n"
    "p3,AOW,,1958,1958-01-01,true,\n"
    "p4,WW,800.25,1965,1965-12-31,true,north\n"
    "p5,WW,900.75,1959,,,south\n"
    "p6,Bijstand,700.00,1940,1940-01-01,false,north\n"
    "p7,,500.00,1950,1950-07-07,true,east\n";

class QueryScanTest : public testing::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    auto report = testing::LoadDataset(*store_, "benefits", kSchema, kRecords);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    ASSERT_EQ(report->rows_inserted, 7);
    schema_ = testing::ParseFixtureSchema(kSchema);
  }

  // The result of `sql` as CSV, or the error message.
  std::string Run(std::string_view sql) {
    auto query = ParseSql(sql);
    if (!query.ok()) {
      return query.status().message();
    }
    auto codes = [&](size_t field, std::string_view label) {
      return store_->CategoryCode("benefits", field, label);
    };
    PlanContext context;
    context.schema = &schema_;
    context.codes = codes;
    context.labels = [&](size_t field) { return store_->CategoryLabels("benefits", field); };
    context.protection = Protection::kRaw;
    auto plan = PlanAnswer(*query, context);
    if (!plan.ok()) {
      return plan.status().message();
    }
    auto scan = store_->Scan("benefits", plan->bound.scan);
    if (!scan.ok()) {
      return scan.status().ToString();
    }
    auto labels = [&](size_t field, int64_t code) {
      return store_->CategoryLabel("benefits", field, code);
    };
    auto released = ExactRelease(*plan, *scan, labels);
    if (!released.ok()) {
      return released.status().ToString();
    }
    auto table = FinishTable(*released, Coverage::kEveryone);
    return table.ok() ? WithoutStatus(RenderCsv(*table)) : table.status().ToString();
  }

  // The CSV without its last column, the row status, which must be "complete" in every row
  // (one node, nothing withheld).
  static std::string WithoutStatus(const std::string& csv) {
    std::string out;
    size_t start = 0;
    for (size_t end; (end = csv.find("\r\n", start)) != std::string::npos; start = end + 2) {
      std::string line = csv.substr(start, end - start);
      size_t comma = line.rfind(',');
      EXPECT_NE(comma, std::string::npos) << csv;
      if (comma == std::string::npos) return csv;
      EXPECT_EQ(line.substr(comma + 1), start == 0 ? "status" : "complete") << csv;
      out += line.substr(0, comma) + "\r\n";
    }
    return out;
  }

  config::Schema schema_;
};

TEST_F(QueryScanTest, DocumentedExample) {
  EXPECT_EQ(Run("SELECT benefit_type, count(*), avg(monthly_amount) FROM benefits "
                "WHERE birth_year < 1960 GROUP BY benefit_type"),
            "benefit_type,count(*),avg(monthly_amount)\r\n"
            ",1,500.0\r\n"
            "AOW,3,1100.25\r\n"
            "Bijstand,1,700.0\r\n"
            "WW,1,900.75\r\n");
}

TEST_F(QueryScanTest, FiltersFollowThreeValuedLogic) {
  auto count = [&](std::string_view where) {
    return Run("SELECT count(*) AS n FROM benefits WHERE " + std::string(where));
  };
  EXPECT_EQ(count("NOT region = 'north'"), "n\r\n3\r\n");  // p2, p5, p7; not NULL p3
  EXPECT_EQ(count("region != 'nowhere'"), "n\r\n6\r\n");   // unknown label
  EXPECT_EQ(count("region = 'nowhere'"), "n\r\n0\r\n");
  EXPECT_EQ(count("region IN ('nowhere', 'east')"), "n\r\n1\r\n");
  EXPECT_EQ(count("NOT (active = TRUE OR region IS NULL)"), "n\r\n2\r\n");  // p2, p6
  EXPECT_EQ(count("birth_date NOT BETWEEN DATE '1950-01-01' AND DATE '1959-12-31'"),
            "n\r\n2\r\n");  // p4, p6; not NULL p5
  EXPECT_EQ(count("monthly_amount >= 900.75 OR monthly_amount IS NULL"), "n\r\n4\r\n");
  EXPECT_EQ(count("birth_year NOT IN (1950, NULL)"), "n\r\n0\r\n");
}

// Neither categorical field declares its labels: patterns match the store's dictionary.
TEST_F(QueryScanTest, LikeMatchesTheLabelsOfTheDictionary) {
  auto count = [&](std::string_view where) {
    return Run("SELECT count(*) AS n FROM benefits WHERE " + std::string(where));
  };
  EXPECT_EQ(count("benefit_type LIKE 'A%'"), "n\r\n3\r\n");       // AOW
  EXPECT_EQ(count("benefit_type NOT LIKE 'A%'"), "n\r\n3\r\n");   // WW, Bijstand; not NULL p7
  EXPECT_EQ(count("benefit_type ILIKE '%w'"), "n\r\n5\r\n");      // AOW, WW
  EXPECT_EQ(count("benefit_type LIKE '%w'"), "n\r\n0\r\n");
  EXPECT_EQ(count("region LIKE '_o%'"), "n\r\n5\r\n");            // north, south
  EXPECT_EQ(count("NOT (region LIKE 'n%')"), "n\r\n3\r\n");       // south, east; not NULL p3
  EXPECT_EQ(count("region NOT ILIKE '%'"), "n\r\n0\r\n");
  EXPECT_EQ(count("region LIKE 'nowhere%' OR benefit_type = 'WW'"), "n\r\n2\r\n");
  EXPECT_EQ(Run("SELECT region, count(*) FROM benefits WHERE region ILIKE '%TH' GROUP BY region"),
            "region,count(*)\r\nnorth,3\r\nsouth,2\r\n");
  EXPECT_EQ(count("birth_year LIKE '19%'"),
            "where.op: LIKE compares categorical fields only; \"birth_year\" is integer");
}

// The population variance divides by n, the sample variance by n - 1.
TEST_F(QueryScanTest, PopulationAndSampleVarianceDifferByTheirDivisor) {
  auto number = [&](const std::string& sql) {
    std::string csv = Run(sql);
    size_t line = csv.find("\r\n");
    return std::stod(csv.substr(line + 2));
  };
  double samp = number("SELECT var_samp(birth_year) FROM benefits");
  double pop = number("SELECT var_pop(birth_year) FROM benefits");
  double n = number("SELECT count(birth_year) FROM benefits");
  ASSERT_GT(n, 1);
  EXPECT_NEAR(pop, samp * (n - 1) / n, 1e-9 * samp);
  EXPECT_NEAR(number("SELECT stddev_pop(birth_year) FROM benefits"), std::sqrt(pop), 1e-9);
}

TEST_F(QueryScanTest, EveryAggregateFinishes) {
  EXPECT_EQ(Run("SELECT sum(monthly_amount), min(birth_date), max(birth_date), "
                "median(birth_year), histogram(birth_year, 1940, 1970, 3) AS h, "
                "count(region) FROM benefits"),
            "sum(monthly_amount),min(birth_date),max(birth_date),median(birth_year),h,"
            "count(region)\r\n"
            "5101.50,1940-01-01,1965-12-31,"
            "\"{\"\"estimate\"\":1955.0,\"\"hi\"\":1955,\"\"lo\"\":1955}\","
            "\"{\"\"above\"\":0,\"\"below\"\":0,\"\"bins\"\":[1,5,1],\"\"hi\"\":1970,"
            "\"\"lo\"\":1940}\",6\r\n");
  EXPECT_EQ(Run("SELECT active, count(*), avg(active) FROM benefits GROUP BY active"),
            "active,count(*),avg(active)\r\n"
            ",1,\r\n"
            "false,2,0.0\r\n"
            "true,4,1.0\r\n");
  std::string corr = Run("SELECT corr(birth_year, monthly_amount) AS r FROM benefits");
  EXPECT_EQ(corr.substr(0, 5), "r\r\n0.");  // a positive correlation below 1
}

TEST_F(QueryScanTest, SchemaErrorsReachTheAnalyst) {
  EXPECT_EQ(Run("SELECT count(person_id) FROM benefits"),
            "select[0].field: field \"person_id\" is an identifier and cannot be used in "
            "queries");
  EXPECT_EQ(Run("SELECT avg(birth_date) FROM benefits").substr(0, 40),
            "select[0].field: avg cannot be applied t");
}

}  // namespace
}  // namespace verbind::federation
