// Datasets end to end: real node processes driven through the CLI and the local API (create,
// ingest, describe, erase, drop, encryption at rest, limits), and a crash test that kills an
// ingesting process with SIGKILL at random moments and checks that every acknowledged batch is
// present exactly once and nothing half-written is visible.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "common/clock.h"
#include "common/files.h"
#include "common/strings.h"
#include "storage/dataset_store.h"
#include "testing/dataset_fixture.h"
#include "tests/node_harness.h"

namespace verbind::testing {
namespace {

using nlohmann::json;

constexpr const char* kSchema = R"(key = "id"
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
name = "amount"
type = "decimal"
scale = 2
)";

std::string Rows(int first, int count) {
  std::string csv = "id,n,region,amount\n";
  for (int i = first; i < first + count; ++i) {
    csv += "K" + std::to_string(i) + "," + std::to_string(i % 97) + "," +
           (i % 3 ? "north" : "\"south, east\"") + "," + std::to_string(i % 500) + ".50\n";
  }
  return csv;
}

void Write(const std::string& path, const std::string& text) {
  ASSERT_TRUE(common::WriteFileAtomic(path, text, 0600).ok()) << path;
}

json Get(const TestNode& node, const std::string& path) {
  auto [status, body] = node.Call("GET", path);
  EXPECT_EQ(status, 200) << body;
  return json::parse(body, nullptr, false);
}

// POSTs `body` to the records endpoint with a content type; returns status and JSON.
std::pair<int, json> Upload(const TestNode& node, const std::string& dataset,
                            const std::string& query, const std::string& type,
                            const std::string& body) {
  auto client = node.Api();
  node::Headers headers = node.Auth();
  headers[1] = {"Content-Type", type};
  auto r = client.Request("POST", "/v1/datasets/" + dataset + "/records" + query, headers, body,
                          node::After(30000));
  if (!r.ok()) return {-1, json(r.status().ToString())};
  return {r->status, json::parse(r->body, nullptr, false)};
}

class DatasetNode : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = FreshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    node_ = TestNode::Create(root_, "gemeente-a");
    ASSERT_TRUE(node_);
  }
  std::string root_;
  std::unique_ptr<TestNode> node_;
};

TEST_F(DatasetNode, LifecycleThroughTheCliSurvivesARestart) {
  ASSERT_TRUE(node_->Start().ok()) << node_->Log();
  Write(root_ + "/schema.toml", kSchema);
  Write(root_ + "/data.csv", Rows(0, 10000));
  CliResult create = node_->Cli({"dataset", "create", "grants", "--schema", root_ + "/schema.toml"});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  EXPECT_EQ(node_->Cli({"dataset", "create", "grants", "--schema", root_ + "/schema.toml"}).exit_code, 1);
  CliResult ingest = node_->Cli({"dataset", "ingest", "grants", root_ + "/data.csv",
                                 "--batch-rows", "3000"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  std::string summary = "Ingested " + root_ +
                        "/data.csv into grants: 10000 rows read, 10000 inserted, 0 replaced, "
                        "0 rejected in ";
  EXPECT_NE(ingest.out.find(summary), std::string::npos) << ingest.out;
  EXPECT_NE(ingest.out.find(" rows/s (4 batches)"), std::string::npos) << ingest.out;
  json d = Get(*node_, "/v1/datasets/grants");
  EXPECT_EQ(d["rows"], 10000);
  EXPECT_EQ(d["key"], "id");
  EXPECT_EQ(d["fields"][2]["type"], "categorical");
  CliResult describe = node_->Cli({"dataset", "describe", "grants"});
  EXPECT_NE(describe.out.find("rows 10000, erased 0"), std::string::npos) << describe.out;
  // Analysts may look but not change.
  node::Headers analyst = {{"Authorization", "Bearer " + node_->analyst_token},
                           {"Content-Type", "application/json"}};
  auto client = node_->Api();
  EXPECT_EQ(client.Request("GET", "/v1/datasets", analyst, "", node::After(5000))->status, 200);
  EXPECT_EQ(client.Request("DELETE", "/v1/datasets/grants", analyst, "", node::After(5000))->status,
            403);
  Write(root_ + "/keys.txt", "K1\r\nK2\n\nnope\n");
  CliResult erase = node_->Cli({"dataset", "erase", "grants", "--keys-file", root_ + "/keys.txt"});
  ASSERT_EQ(erase.exit_code, 0) << erase.err;
  EXPECT_NE(erase.out.find("Erased 2 of 3 records"), std::string::npos) << erase.out;
  EXPECT_NE(erase.out.find("not found: nope"), std::string::npos);
  ASSERT_EQ(node_->Stop(), 0);
  ASSERT_TRUE(node_->Start().ok()) << node_->Log();
  d = Get(*node_, "/v1/datasets/grants");
  EXPECT_EQ(d["rows"], 9998);
  EXPECT_EQ(d["erased"], 2);
  ASSERT_EQ(node_->Cli({"dataset", "drop", "grants"}).exit_code, 0);
  EXPECT_EQ(Get(*node_, "/v1/datasets")["datasets"].size(), 0u);
  EXPECT_EQ(node_->Call("GET", "/v1/datasets/grants").first, 404);
}

TEST_F(DatasetNode, UploadsAreValidatedAndReportedPrecisely) {
  ASSERT_TRUE(node_->Start({"VERBIND_LIMITS_MAX_INGEST_BYTES=65536"}).ok()) << node_->Log();
  json create = {{"name", "t"}, {"schema", kSchema}};
  auto [status, body] = node_->Call("POST", "/v1/datasets", create.dump());
  ASSERT_EQ(status, 201) << body;
  json bad_schema = {{"name", "u"}, {"schema", "[[fields]]\nname = \"a\"\ntype = \"text\"\n"}};
  auto refused = node_->Call("POST", "/v1/datasets", bad_schema.dump());
  EXPECT_EQ(refused.first, 400);
  EXPECT_NE(refused.second.find("schema:3: field a: unknown type"), std::string::npos);

  std::string csv = "id,n,amount\nA,1,2.50\nB,x,1\nC,3,\n";
  EXPECT_EQ(Upload(*node_, "t", "", "text/plain", csv).first, 415);
  EXPECT_EQ(Upload(*node_, "t", "?on_error=maybe", "text/csv", csv).first, 400);
  // Malformed mode, reject limit, error listing and first line: 400, naming what and why.
  for (const auto& [query, message] : std::vector<std::pair<std::string, std::string>>{
           {"?mode=replace", "mode must be insert (a row whose record key is taken is an error)"},
           {"?max_rejects=-1", "max_rejects must be a whole number of rows, 0 or more"},
           {"?max_rejects=ten", "max_rejects must be a whole number of rows"},
           {"?max_rejects=1&on_error=refuse", "max_rejects applies to on_error=skip"},
           {"?max_errors=1000001", "max_errors must be a whole number from 0 to 1000000"},
           {"?first_line=1",
            "first_line must be the file line of the body's first record, "
            "from 2 (line 1 is the header)"}}) {
    auto [status, error] = Upload(*node_, "t", query, "text/csv", csv);
    EXPECT_EQ(status, 400) << query;
    EXPECT_NE(error.value("message", "").find(message), std::string::npos) << query << error;
  }
  EXPECT_EQ(Upload(*node_, "nope", "", "text/csv", csv).first, 404);
  auto [s422, report] = Upload(*node_, "t", "?source=in.csv", "text/csv", csv);
  EXPECT_EQ(s422, 422);
  EXPECT_EQ(report["committed"], false);
  EXPECT_EQ(report["refusal"], "1 row rejected, and a batch with a bad row is refused whole");
  ASSERT_EQ(report["errors"].size(), 1u);
  EXPECT_EQ(report["errors"][0]["source"], "in.csv");
  EXPECT_EQ(report["errors"][0]["line"], 3);
  EXPECT_EQ(report["errors"][0]["column"], "n");
  EXPECT_EQ(Get(*node_, "/v1/datasets/t")["rows"], 0);
  auto [s200, skipped] = Upload(*node_, "t", "?on_error=skip", "text/csv; charset=utf-8", csv);
  EXPECT_EQ(s200, 200);
  EXPECT_EQ(skipped["rows_inserted"], 2);
  EXPECT_EQ(skipped["rows_stored"], 2);
  EXPECT_EQ(skipped["rows_rejected"], 1);
  EXPECT_EQ(skipped["mode"], "insert");
  auto [sj, jl] = Upload(*node_, "t", "?mode=upsert", "application/x-ndjson",
                         "{\"id\":\"D\",\"n\":4,\"amount\":0.1}\n{\"id\":\"A\",\"n\":5}\n");
  EXPECT_EQ(sj, 200) << jl.dump();
  EXPECT_EQ(jl["rows_replaced"], 1);
  EXPECT_EQ(Get(*node_, "/v1/datasets/t")["rows"], 3);

  // Over limits.max_ingest_bytes: 413 and nothing stored.
  EXPECT_EQ(Upload(*node_, "t", "", "text/csv", Rows(100, 3000)).first, 413);
  // An upload cut off half way stores nothing.
  {
    auto client = node_->Api();
    node::Headers h = node_->Auth();
    h[1] = {"Content-Type", "text/csv"};
    std::string part = Rows(200, 50);
    bool sent = false;
    auto r = client.Upload("POST", "/v1/datasets/t/records", h, part.size() * 2,
                           [&](char* buf, size_t n) -> common::Result<size_t> {
                             if (sent) return common::Unavailable("stop");
                             sent = true;
                             size_t k = std::min(n, part.size());
                             std::memcpy(buf, part.data(), k);
                             return k;
                           },
                           node::After(5000));
    EXPECT_FALSE(r.ok() && r->status == 200);
  }
  EXPECT_EQ(Get(*node_, "/v1/datasets/t")["rows"], 3);
  auto [se, erased] = node_->Call("POST", "/v1/datasets/t/erase", R"({"keys":["A","Z"]})");
  EXPECT_EQ(se, 200) << erased;
  EXPECT_EQ(json::parse(erased)["erased"], 1);
  EXPECT_EQ(node_->Call("POST", "/v1/datasets/t/erase", R"({"keys":"A"})").first, 400);
  EXPECT_EQ(Get(*node_, "/v1/datasets/t")["rows"], 2);
}

TEST_F(DatasetNode, CliBatchesReportFileLinesAndKeepEarlierBatches) {
  ASSERT_TRUE(node_->Start().ok()) << node_->Log();
  Write(root_ + "/schema.toml", kSchema);
  ASSERT_EQ(node_->Cli({"dataset", "create", "t", "--schema", root_ + "/schema.toml"}).exit_code, 0);
  std::string csv = Rows(0, 6);                    // lines 1..7
  csv += "K6,1,north,\"multi\nline\"\n";           // lines 8-9: a bad amount
  csv += "K7,x,north,1\nK8,1,north,1\n";           // line 10: a bad n
  Write(root_ + "/bad.csv", csv);
  CliResult r = node_->Cli({"dataset", "ingest", "t", root_ + "/bad.csv", "--batch-rows", "3"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.csv:8: amount:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bad.csv:10: n:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the 2 batches before it are stored"), std::string::npos) << r.err;
  EXPECT_EQ(Get(*node_, "/v1/datasets/t")["rows"], 6);
  Write(root_ + "/more.jsonl", "{\"id\":\"J1\",\"n\":1}\n{\"id\":\"J2\",\"n\":2,\"amount\":\"3.25\"}\n");
  CliResult j = node_->Cli({"dataset", "ingest", "t", root_ + "/more.jsonl"});
  EXPECT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(Get(*node_, "/v1/datasets/t")["rows"], 8);
  CliResult inferred = node_->Cli({"dataset", "create", "x", "--infer-from", root_ + "/data-missing.csv"});
  EXPECT_EQ(inferred.exit_code, 1);
}

// The CLI's ingest modes on a real node: a repeated key names both lines of the file (also in
// a later batch), a stored key is refused unless --mode upsert, --rejects writes every problem,
// and --max-rejects decides whether a batch is stored.
TEST_F(DatasetNode, CliInsertUpsertRejectFileAndRejectLimit) {
  ASSERT_TRUE(node_->Start().ok()) << node_->Log();
  Write(root_ + "/schema.toml", kSchema);
  ASSERT_EQ(node_->Cli({"dataset", "create", "t", "--schema", root_ + "/schema.toml"}).exit_code,
            0);
  const std::string h = "id,n,region,amount\n";
  Write(root_ + "/dup.csv",
        h + "K1,1,north,1.00\nK2,2,north,2.00\nK3,3,north,3.00\nK3,4,north,4.00\n");
  CliResult dup = node_->Cli({"dataset", "ingest", "t", root_ + "/dup.csv"});
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_NE(dup.err.find("dup.csv:5: id: key \"K3\" repeats line 4"), std::string::npos) << dup.err;
  EXPECT_NE(dup.err.find("refused: 1 row rejected, and a batch with a bad row is refused whole; "
                         "nothing of this batch was stored"),
            std::string::npos)
      << dup.err;
  EXPECT_NE(dup.out.find("Stopped ingesting"), std::string::npos) << dup.out;
  EXPECT_EQ(Get(*node_, "/v1/datasets/t")["rows"], 0);
  // In batches of two rows the repeat is in the second batch; its lines are still the file's.
  dup = node_->Cli({"dataset", "ingest", "t", root_ + "/dup.csv", "--batch-rows", "2"});
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_NE(dup.err.find("dup.csv:5: id: key \"K3\" repeats line 4"), std::string::npos) << dup.err;
  EXPECT_NE(dup.err.find("the 1 batch before it is stored"), std::string::npos) << dup.err;
  EXPECT_EQ(Get(*node_, "/v1/datasets/t")["rows"], 2);

  // Skipping with a reject file: every problem, with its line in the file, RFC 4180 quoted.
  Write(root_ + "/bad.csv", h + "A1,1,north,1.00\nA2,x,north,1.00\nA3,2,north,\"1,5\"\n"
                                "A1,5,north,1.00\nK1,6,north,1.00\n");
  const std::string rejects = root_ + "/rejects.csv";
  const std::string expected =
      "line,field,reason\n"
      "3,n,\"\"\"x\"\" is not an integer\"\n"
      "4,amount,\"\"\"1,5\"\" is not a decimal with at most 2 decimals\"\n"
      "5,id,\"key \"\"A1\"\" repeats line 2\"\n"
      "6,id,\"key \"\"K1\"\" is already stored; use mode upsert to replace it\"\n";
  // Four rejected rows are more than --max-rejects 3: refused, and still every problem listed.
  CliResult limited = node_->Cli(
      {"dataset", "ingest", "t", root_ + "/bad.csv", "--rejects", rejects, "--max-rejects", "3"});
  EXPECT_EQ(limited.exit_code, 1);
  EXPECT_NE(limited.err.find("refused: 4 rows rejected, more than the 3 allowed (max_rejects)"),
            std::string::npos)
      << limited.err;
  EXPECT_EQ(*common::ReadFile(rejects), expected);
  EXPECT_EQ(*common::FileMode(rejects), 0600u);
  EXPECT_EQ(Get(*node_, "/v1/datasets/t")["rows"], 2);
  CliResult skipped = node_->Cli(
      {"dataset", "ingest", "t", root_ + "/bad.csv", "--rejects", rejects, "--max-rejects", "4"});
  ASSERT_EQ(skipped.exit_code, 0) << skipped.err;
  EXPECT_EQ(*common::ReadFile(rejects), expected);
  EXPECT_NE(skipped.out.find("5 rows read, 1 inserted, 0 replaced, 4 rejected in "),
            std::string::npos)
      << skipped.out;
  EXPECT_EQ(Get(*node_, "/v1/datasets/t")["rows"], 3);
  // The limit counts the file's rejects over its batches: 1 + 1 is more than 1.
  Write(root_ + "/two.csv", h + "B1,x,north,1.00\nB2,2,north,1.00\nB3,x,north,1.00\n");
  CliResult over = node_->Cli({"dataset", "ingest", "t", root_ + "/two.csv", "--batch-rows", "2",
                               "--max-rejects", "1", "--rejects", rejects});
  EXPECT_EQ(over.exit_code, 1);
  EXPECT_NE(over.err.find("refused: 2 rows rejected in all, more than --max-rejects 1"),
            std::string::npos)
      << over.err;
  EXPECT_EQ(*common::ReadFile(rejects),
            "line,field,reason\n2,n,\"\"\"x\"\" is not an integer\"\n"
            "4,n,\"\"\"x\"\" is not an integer\"\n");
  EXPECT_EQ(Get(*node_, "/v1/datasets/t")["rows"], 4);  // B2, of the first batch
  CliResult both = node_->Cli(
      {"dataset", "ingest", "t", root_ + "/two.csv", "--max-rejects", "1", "--on-error", "refuse"});
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_NE(both.err.find("cannot be combined with --on-error refuse"), std::string::npos)
      << both.err;

  // Upsert replaces, and says how many.
  Write(root_ + "/update.csv", h + "A1,10,north,1.00\nK1,20,north,1.00\nC1,30,north,1.00\n");
  CliResult upsert =
      node_->Cli({"dataset", "ingest", "t", root_ + "/update.csv", "--mode", "upsert"});
  ASSERT_EQ(upsert.exit_code, 0) << upsert.err;
  EXPECT_NE(upsert.out.find("3 rows read, 1 inserted, 2 replaced, 0 rejected in "),
            std::string::npos)
      << upsert.out;
  json d = Get(*node_, "/v1/datasets/t");
  EXPECT_EQ(d["rows"], 5);
  EXPECT_EQ(d["erased"], 2);
}

TEST_F(DatasetNode, ADutchExportWithSemicolonsDecimalCommasAndNaIsIngested) {
  ASSERT_TRUE(node_->Start().ok()) << node_->Log();
  Write(root_ + "/uitkering.csv",
        "Dossier;Gemeente;Bedrag;Aantal\r\n"
        "D1;Utrecht;1234,56;3\r\n"
        "D2;Zeist;,5;NA\r\n"
        "D3;\"Zeist; centrum\";10,00;NA\r\n"
        "D4;Utrecht;NA;2\r\n");
  CliResult proposed =
      node_->Cli({"dataset", "create", "x", "--infer-from", root_ + "/uitkering.csv", "--print"});
  ASSERT_EQ(proposed.exit_code, 0) << proposed.err;
  EXPECT_NE(proposed.out.find("delimiter ';' (detected), decimal comma (detected), missing values "
                              "written NA"),
            std::string::npos)
      << proposed.out;
  EXPECT_NE(proposed.out.find("--delimiter ';' --decimal-comma\n"), std::string::npos);
  EXPECT_NE(proposed.out.find("null_tokens = [\"NA\"]"), std::string::npos) << proposed.out;
  EXPECT_NE(proposed.out.find("type = \"decimal\""), std::string::npos) << proposed.out;
  Write(root_ + "/schema.toml", R"(key = "dossier"
[[fields]]
name = "dossier"
type = "identifier"
[[fields]]
name = "gemeente"
type = "categorical"
[[fields]]
name = "bedrag"
type = "decimal"
scale = 2
min = "0.00"
max = "5000.00"
[[fields]]
name = "aantal"
type = "integer"
min = 0
max = 100
)");
  ASSERT_EQ(node_->Cli({"dataset", "create", "u", "--schema", root_ + "/schema.toml"}).exit_code,
            0);
  // Without the NULL token NA is refused where it stands, and nothing is stored.
  CliResult refused =
      node_->Cli({"dataset", "ingest", "u", root_ + "/uitkering.csv", "--decimal-comma"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("uitkering.csv:3: aantal: \"NA\" is not an integer"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(Get(*node_, "/v1/datasets/u")["rows"], 0);
  CliResult ingest = node_->Cli(
      {"dataset", "ingest", "u", root_ + "/uitkering.csv", "--decimal-comma", "--null", "NA"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_NE(ingest.out.find("4 rows read, 4 inserted"), std::string::npos) << ingest.out;
  EXPECT_NE(ingest.out.find("delimiter ';' (detected), decimal comma, NULL: NA"), std::string::npos)
      << ingest.out;
  auto [status, text] = node_->RawQuery("SELECT count(*), sum(bedrag), sum(aantal) FROM u");
  ASSERT_EQ(status, 200) << text;
  json r = json::parse(text, nullptr, false);
  const json& values = r["result"]["rows"][0]["values"];
  EXPECT_EQ(values[0].dump(), "4") << text;
  EXPECT_EQ(values[1].dump(), "\"1245.06\"") << text;
  EXPECT_EQ(values[2].dump(), "5") << text;
  // A comma delimiter cannot go with a decimal comma.
  CliResult clash = node_->Cli(
      {"dataset", "ingest", "u", root_ + "/uitkering.csv", "--delimiter", ",", "--decimal-comma"});
  EXPECT_EQ(clash.exit_code, 1);
  EXPECT_NE(clash.err.find("decimal comma needs another delimiter"), std::string::npos)
      << clash.err;
}

TEST_F(DatasetNode, TheSchemasNullTokensReadMissingValuesUnlessAnUploadNamesItsOwn) {
  ASSERT_TRUE(node_->Start().ok()) << node_->Log();
  json create = {{"name", "m"},
                 {"schema",
                  "null_tokens = [\"NA\", \"-\"]\n[[fields]]\nname = \"id\"\n"
                  "type = \"identifier\"\n[[fields]]\nname = \"n\"\ntype = \"integer\"\n"}};
  ASSERT_EQ(node_->Call("POST", "/v1/datasets", create.dump()).first, 201);
  EXPECT_EQ(Get(*node_, "/v1/datasets/m")["schema"]["null_tokens"].dump(), R"(["NA","-"])");
  std::string rows = "id;n\na;NA\nb;-\nc;3\n";
  auto [applied, report] = Upload(*node_, "m", "?delimiter=%3B", "text/csv", rows);
  EXPECT_EQ(applied, 200) << report.dump();
  // A request's own tokens replace the schema's.
  auto [refused, why] = Upload(*node_, "m", "?delimiter=%3B&null=NA", "text/csv", rows);
  EXPECT_EQ(refused, 422) << why.dump();
  EXPECT_EQ(why["errors"][0]["reason"], "\"-\" is not an integer") << why.dump();
  // The CLI says which tokens it read.
  Write(root_ + "/m.csv", rows);
  CliResult ingest = node_->Cli({"dataset", "ingest", "m", root_ + "/m.csv"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_NE(ingest.out.find("delimiter ';' (detected), NULL: NA -"), std::string::npos)
      << ingest.out;
  auto [status, text] = node_->RawQuery("SELECT count(*), count(n) FROM m");
  ASSERT_EQ(status, 200) << text;
  EXPECT_EQ(json::parse(text, nullptr, false)["result"]["rows"][0]["values"].dump(), "[6,2]")
      << text;
}

// A payments export as stewards get them: a semicolon file with decimal commas and NA, a
// 0/1 column named paid, ja/nee, a non-unique id and a unique dossier number.
std::string Payments() {
  std::string csv = "Dossiernummer;id;paid;actief;Regio;Bedrag;Aantal\r\n";
  const char* regions[] = {"Noord", "Zuid", "Noord", "Oost"};
  for (int i = 0; i < 300; ++i) {
    std::string dossier = std::to_string(100000 + i).replace(0, 1, "D");
    csv += dossier + ";" + std::to_string(i % 7) + ";" + (i % 3 ? "1" : "0") + ";" +
           (i % 2 ? "ja" : "nee") + ";" + regions[i % 4] + ";" +
           (i % 10 == 5 ? "NA" : std::to_string(i * 3) + "," + std::to_string(10 + i % 90)) + ";" +
           (i % 25 == 0 ? "NA" : std::to_string(i % 5)) + "\r\n";
  }
  return csv;
}

TEST_F(DatasetNode, AnInferredSchemaIsWrittenForReviewAndReadsItsFile) {
  ASSERT_TRUE(node_->Start().ok()) << node_->Log();
  Write(root_ + "/betalingen.csv", Payments());
  std::string out = root_ + "/betalingen.toml";
  CliResult proposed = node_->Cli(
      {"dataset", "create", "b", "--infer-from", root_ + "/betalingen.csv", "--out", out});
  ASSERT_EQ(proposed.exit_code, 0) << proposed.err;
  EXPECT_NE(proposed.out.find("Wrote the proposed schema for b to " + out +
                              ": 7 fields, record key dossiernummer"),
            std::string::npos)
      << proposed.out;
  EXPECT_EQ(node_->Call("GET", "/v1/datasets/b").first, 404);  // written, not created
  auto toml = common::ReadFile(out);
  ASSERT_TRUE(toml.ok());
  for (const char* evidence : {
           "# Sampled 300 data rows: the whole file\n",
           "key = \"dossiernummer\"\n",
           "null_tokens = [\"NA\"]\n",
           "# every value present and distinct, codes without spaces -> identifier, the record "
           "key\n[[fields]]\nname = \"dossiernummer\"",
           "# integers 0..6 -> min 0, max 7 (assumed: rounded out to multiples of 1 with a step "
           "of margin)\n[[fields]]\nname = \"id\"",
           "# values 1 (200), 0 (100) -> boolean (the pair 1/0)\n[[fields]]\nname = \"paid\"",
           "# values ja (150), nee (150) -> boolean (the pair ja/nee)\n",
           "#   \"Noord\" (150), \"Oost\" (75), \"Zuid\" (75)\n",
           "# 270 of 300 rows have a value; missing: 30 NA -> nullable\n",
       }) {
    EXPECT_NE(toml->find(evidence), std::string::npos) << evidence << "\nin:\n" << *toml;
  }
  CliResult again = node_->Cli(
      {"dataset", "create", "b", "--infer-from", root_ + "/betalingen.csv", "--out", out});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  CliResult both = node_->Cli({"dataset", "create", "b", "--infer-from", root_ + "/betalingen.csv",
                               "--out", root_ + "/other.toml", "--print"});
  EXPECT_NE(both.exit_code, 0);  // --print and --out exclude each other

  // The reviewed file creates the dataset, and the file is read with the schema's NA.
  ASSERT_EQ(node_->Cli({"dataset", "create", "b", "--schema", out}).exit_code, 0);
  CliResult ingest =
      node_->Cli({"dataset", "ingest", "b", root_ + "/betalingen.csv", "--decimal-comma"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  EXPECT_NE(ingest.out.find("300 rows read, 300 inserted"), std::string::npos) << ingest.out;
  EXPECT_NE(ingest.out.find("decimal comma, NULL: NA"), std::string::npos) << ingest.out;
  auto [status, text] = node_->RawQuery("SELECT count(*), count(aantal), sum(paid) FROM b");
  ASSERT_EQ(status, 200) << text;
  json values = json::parse(text, nullptr, false)["result"]["rows"][0]["values"];
  EXPECT_EQ(values.dump(), "[300,288,200]") << text;
}

TEST_F(DatasetNode, AWindows1252ExportIsConvertedToUtf8OrRefusedWhereItIsBad) {
  ASSERT_TRUE(node_->Start().ok()) << node_->Log();
  json create = {{"name", "w"},
                 {"schema",
                  "[[fields]]\nname = \"gemeente\"\ntype = \"categorical\"\n"
                  "[[fields]]\nname = \"note\"\ntype = \"identifier\"\n"}};
  ASSERT_EQ(node_->Call("POST", "/v1/datasets", create.dump()).first, 201);
  // 0xFA is u-acute and 0xE2 a-circumflex; 0x80 is the euro sign in Windows-1252 only.
  Write(root_ + "/w.csv",
        "gemeente;note\nS\xFA"
        "dwest-Frysl\xE2n;\x80 12\nUtrecht;x\n");
  Write(root_ + "/bad.csv",
        "gemeente;note\nUtrecht;ok\nZeist;a\x81"
        "b\n");
  CliResult bad =
      node_->Cli({"dataset", "ingest", "w", root_ + "/bad.csv", "--encoding", "windows-1252"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("bad.csv:3:8: byte 0x81 is not a character in windows-1252"),
            std::string::npos)
      << bad.err;
  EXPECT_EQ(Get(*node_, "/v1/datasets/w")["rows"], 0);
  CliResult ok = node_->Cli({"dataset", "ingest", "w", root_ + "/w.csv", "--encoding",
                             "windows-1252", "--batch-rows", "1"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("converted from windows-1252; delimiter ';' (detected)"), std::string::npos)
      << ok.out;
  json d = Get(*node_, "/v1/datasets/w");
  EXPECT_EQ(d["rows"], 2);
  CliResult inferred = node_->Cli({"dataset", "create", "x", "--infer-from", root_ + "/w.csv",
                                   "--encoding", "windows-1252", "--print"});
  ASSERT_EQ(inferred.exit_code, 0) << inferred.err;
  EXPECT_NE(inferred.out.find("converted from windows-1252"), std::string::npos) << inferred.out;
  EXPECT_NE(inferred.out.find("--encoding windows-1252"), std::string::npos) << inferred.out;
  auto [status, text] = node_->RawQuery("SELECT gemeente, count(*) FROM w GROUP BY gemeente");
  ASSERT_EQ(status, 200) << text;
  EXPECT_NE(text.find("S\xC3\xBA"
                      "dwest-Frysl\xC3\xA2n"),
            std::string::npos)
      << text;
  // Read as UTF-8, the same file is refused by the node (invalid UTF-8), nothing stored.
  CliResult raw = node_->Cli({"dataset", "ingest", "w", root_ + "/w.csv"});
  EXPECT_EQ(raw.exit_code, 1);
  EXPECT_NE(raw.err.find("invalid UTF-8"), std::string::npos) << raw.err;
  EXPECT_EQ(Get(*node_, "/v1/datasets/w")["rows"], 2);
}

TEST_F(DatasetNode, EncryptionAtRestCreatesAPrivateDataKeyAndSurvivesRestarts) {
  std::vector<std::string> env = {"VERBIND_NODE_ENCRYPT_AT_REST=true"};
  ASSERT_TRUE(node_->Start(env).ok()) << node_->Log();
  auto mode = common::FileMode(node_->dir() + "/keys/data.key");
  ASSERT_TRUE(mode.ok());
  EXPECT_EQ(*mode, 0600u);
  Write(root_ + "/schema.toml", kSchema);
  Write(root_ + "/data.csv", Rows(0, 2000));
  ASSERT_EQ(node_->Cli({"dataset", "create", "t", "--schema", root_ + "/schema.toml"}).exit_code, 0);
  ASSERT_EQ(node_->Cli({"dataset", "ingest", "t", root_ + "/data.csv"}).exit_code, 0);
  ASSERT_EQ(node_->Stop(), 0);
  ASSERT_TRUE(node_->Start(env).ok()) << node_->Log();
  EXPECT_EQ(Get(*node_, "/v1/datasets/t")["rows"], 2000);
  ASSERT_EQ(node_->Stop(), 0);
  // Without its data key the node refuses to start rather than serve wrong answers.
  ASSERT_EQ(::unlink((node_->dir() + "/keys/data.key").c_str()), 0);
  EXPECT_FALSE(node_->Start(env).ok());
}

// The crash test: kill -9 an ingesting process many times.
struct Present {
  std::map<int64_t, int64_t> batches;  // batch -> rows
  bool whole = true;                    // every batch has exactly its size in rows
  int64_t latest = -1;                  // the batch the "latest" record names, or -1
  int64_t latest_rows = 0;
};

Present Inspect(const std::string& db_dir) {
  Present p;
  auto opened = OpenStore(db_dir, {}, &common::RealClock::Get());
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  if (!opened.ok() || !opened->store->Describe("crash").ok()) return p;
  storage::ScanSpec spec;
  spec.group_by = {1};  // batch
  spec.max_groups = 1000000;
  storage::AggregateSpec size, value;
  size.kind = value.kind = storage::AggregateSpec::Kind::kMinMax;
  size.columns = {2};
  value.columns = {3};
  spec.aggregates = {size, value};
  auto r = opened->store->Scan("crash", spec);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return p;
  for (const auto& cell : r->cells) {
    int64_t batch = cell.key.values[0];
    const auto& sizes = std::get<storage::MinMaxState>(cell.aggregates[0]);
    if (batch == 0) {
      p.latest_rows = cell.rows;
      p.latest = std::get<storage::MinMaxState>(cell.aggregates[1]).max / 100;
      continue;
    }
    p.batches[batch] = cell.rows;
    if (sizes.min != sizes.max || sizes.max != cell.rows) p.whole = false;
  }
  return p;
}

std::set<int64_t> Ledger(const std::string& path) {
  std::set<int64_t> acked;
  std::ifstream in(path);
  int64_t b;
  while (in >> b) acked.insert(b);
  return acked;
}

// The crash child writing to `db`, its standard error appended to `log`.
Process SpawnChild(const std::string& db, const std::string& ledger, int64_t first, uint64_t seed,
                   const std::string& log, size_t first_rows) {
  ProcessSpec spec{{VERBIND_CRASH_CHILD, db, ledger, std::to_string(first), std::to_string(seed),
                    std::to_string(first_rows)}};
  spec.stderr_path = log;
  spec.append = true;
  auto child = Process::Start(spec);
  EXPECT_TRUE(child.ok()) << child.status().ToString();
  return child.ok() ? std::move(child).value() : Process();
}

// Waits until the ledger holds an acknowledgement (or two minutes pass).
void AwaitFirstAcknowledgement(const std::string& ledger) {
  for (int i = 0; i < 6000 && Ledger(ledger).empty(); ++i) ::usleep(20000);
}

TEST(DatasetCrash, EveryAcknowledgedBatchSurvivesSigkillExactlyOnce) {
  std::string dir = FreshDir("dataset_crash");
  std::string db = dir + "/db", ledger = dir + "/ledger", log = dir + "/child.log";
  std::mt19937_64 rng(20240601);
  int64_t next = 1;
  std::set<int64_t> in_flight;  // batches stored though their child died before acknowledging
  int64_t total_rows = 0;
  uint64_t window_us = 400000;  // kills come at a random moment within this window
  for (int round = 0; round < 30; ++round) {
    // The first run starts with a batch of more than a chunk, so that later batches continue
    // (and rewrite) a second chunk; it is killed only after that batch is acknowledged.
    size_t first_rows = round == 0 ? storage::kChunkRows + 5000 : 0;
    Process child = SpawnChild(db, ledger, next, rng(), log, first_rows);
    ASSERT_TRUE(child.running());
    if (round == 0) AwaitFirstAcknowledgement(ledger);
    ::usleep(static_cast<useconds_t>(20000 + rng() % window_us));
    int status = child.Kill(SIGKILL);
    ASSERT_EQ(status, -SIGKILL) << "the child stopped by itself: " << *common::ReadFile(log);
    std::set<int64_t> acked = Ledger(ledger);
    Present p = Inspect(db);
    ASSERT_TRUE(p.whole) << "a batch is partly visible (round " << round << ")";
    for (int64_t b : acked) ASSERT_TRUE(p.batches.count(b)) << "acknowledged batch " << b << " lost";
    int64_t last = p.batches.empty() ? 0 : p.batches.rbegin()->first;
    // Batches 1..last, each once; only the last may lack its acknowledgement (in flight).
    ASSERT_EQ(static_cast<int64_t>(p.batches.size()), last) << "a batch is missing in between";
    for (const auto& [b, rows] : p.batches) {
      // Committed without an acknowledgement: the batch in flight when a child was killed.
      if (acked.count(b)) continue;
      ASSERT_TRUE(b == last || in_flight.count(b)) << "unacknowledged batch " << b << " is stored";
      in_flight.insert(b);
    }
    ASSERT_LE(acked.empty() ? 0 : *acked.rbegin(), last);
    if (last > 0) {
      ASSERT_EQ(p.latest, last) << "the upserted record is not from the last batch";
      ASSERT_EQ(p.latest_rows, 1) << "the upserted record is not unique";
    }
    // A slow build (sanitizers) may be killed before it commits anything: wait longer then.
    window_us = last + 1 == next ? std::min<uint64_t>(window_us * 2, 4000000) : 400000;
    next = last + 1;
    total_rows = 0;
    for (const auto& [b, rows] : p.batches) total_rows += rows;
  }
  ::testing::Test::RecordProperty("batches", static_cast<int>(next - 1));
  ::testing::Test::RecordProperty("rows", static_cast<int>(total_rows));
  EXPECT_GE(next, 10) << "too few batches were committed to test much";
  EXPECT_GT(total_rows, static_cast<int64_t>(storage::kChunkRows));
}

}  // namespace
}  // namespace verbind::testing
