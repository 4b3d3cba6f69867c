// Crashes and faults with real node processes: kill -9 during ingest and queries (nothing
// acknowledged is lost, nothing half-written is visible, the audit chain verifies), a peer
// with a skewed clock, and a full disk.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "common/files.h"
#include "tests/federation_fixture.h"

namespace verbind::testing {
namespace {

using nlohmann::json;

constexpr int kBatchRows = 200;

const char kLedgerSchema[] = R"(
key = "id"
[[fields]]
name = "id"
type = "identifier"
nullable = false
[[fields]]
name = "batch"
type = "integer"
nullable = false
[[fields]]
name = "value"
type = "integer"
nullable = false
)";

std::string BatchCsv(int batch) {
  std::string csv = "id,batch,value\n";
  for (int i = 0; i < kBatchRows; ++i) {
    csv += "b" + std::to_string(batch) + "-" + std::to_string(i) + "," + std::to_string(batch) +
           "," + std::to_string(i) + "\n";
  }
  return csv;
}

// What LD_PRELOAD must hold to load `lib` into a node built like this test: under
// AddressSanitizer its runtime has to come first in the library list, or the node refuses to
// start, so the runtime this process has loaded is put in front.
std::string PreloadFor(const std::string& lib) {
  std::ifstream in("/proc/self/maps");
  std::string maps((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t at = maps.find("/libasan.so");
  if (at == std::string::npos) return lib;
  size_t start = maps.rfind(' ', at) + 1;
  size_t end = maps.find('\n', at);
  return maps.substr(start, end - start) + ":" + lib;
}

// Rows per batch as the node holds them now (the owner's raw answer).
std::map<int64_t, int64_t> RowsPerBatch(TestNode& node) {
  auto [status, text] = node.RawQuery("SELECT batch, count(*) FROM ledgered GROUP BY batch");
  EXPECT_EQ(status, 200) << text;
  std::map<int64_t, int64_t> out;
  json r = json::parse(text, nullptr, false);
  if (!r.is_object()) return out;
  for (const auto& row : r["result"]["rows"]) out[row["key"][0]] = row["values"][0];
  return out;
}

TEST(Faults, KillNineDuringIngestAndQueriesLosesNothingAcknowledged) {
  std::string root = FreshDir("kill_nine");
  auto holder = TestNode::Create(root, "holder");
  auto analyst = TestNode::Create(root, "analyst");
  ASSERT_TRUE(holder && analyst);
  ASSERT_TRUE(holder->Start().ok() && analyst->Start().ok());
  holder->Pin(*analyst);
  analyst->Pin(*holder);
  ASSERT_TRUE(common::WriteFileAtomic(root + "/ledgered.toml", kLedgerSchema, 0644).ok());
  ASSERT_EQ(
      holder->Cli({"dataset", "create", "ledgered", "--schema", root + "/ledgered.toml"}).exit_code,
      0);
  holder->MarkNonPersonal("ledgered");  // exact answers: this test is about durability
  std::string policy =
      "id = \"p\"\ndataset = \"ledgered\"\ngrantees = [\"analyst\"]\npurposes = [\"pa-test\"]\n"
      "legal_bases = [\"test\"]\ngroup_by = [\"batch\"]\nmin_cell_size = 1\nmax_cells = 100000\n"
      "[[allow]]\naggregates = [\"count\", \"sum\"]\nfields = [\"value\"]\n";
  ASSERT_TRUE(common::WriteFileAtomic(root + "/p.toml", policy, 0644).ok());
  ASSERT_EQ(holder->Cli({"policy", "apply", root + "/p.toml"}).exit_code, 0);

  // The ledger lives here, outside the node: a batch is recorded once its upload returned 200.
  std::set<int> acknowledged;
  int next_batch = 1;
  std::mt19937 rng(11);
  const int kKills = 12;
  int answered_queries = 0;
  for (int round = 0; round < kKills; ++round) {
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::thread ingest([&] {
      while (!stop) {
        int batch;
        {
          std::lock_guard<std::mutex> lock(mu);
          batch = next_batch++;
        }
        node::HttpClient api = holder->Api();
        node::Headers h = holder->Auth();
        h[1] = {"Content-Type", "text/csv"};
        auto r = api.Request("POST", "/v1/datasets/ledgered/records", h, BatchCsv(batch),
                             node::After(5000));
        if (r.ok() && r->status == 200) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.insert(batch);
        }
      }
    });
    std::thread query([&] {
      while (!stop) {
        auto [status, text] =
            analyst->Call("POST", "/v1/queries",
                          json{{"query", "SELECT count(*), sum(value) FROM ledgered"},
                               {"purpose", "pa-test"},
                               {"legal_basis", "test"},
                               {"peers", json::array({"holder"})},
                               {"include_self", false},
                               {"deadline_ms", 2000}}
                              .dump());
        if (status == 200 && text.find("\"answered\"") != std::string::npos) ++answered_queries;
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 500));
    EXPECT_EQ(holder->Stop(SIGKILL), -SIGKILL);
    stop = true;
    ingest.join();
    query.join();
    ASSERT_TRUE(holder->Start().ok()) << holder->Log();
    std::map<int64_t, int64_t> rows = RowsPerBatch(*holder);
    for (int b : acknowledged) {
      EXPECT_EQ(rows[b], kBatchRows) << "acknowledged batch " << b << " lost in round " << round;
    }
    for (const auto& [b, n] : rows) {
      EXPECT_EQ(n, kBatchRows) << "batch " << b << " is half-written";
      EXPECT_LT(b, next_batch) << "a batch that was never sent";
    }
    CliResult verify = holder->Cli({"audit", "verify"});
    EXPECT_EQ(verify.exit_code, 0) << verify.err;
  }
  EXPECT_GT(acknowledged.size(), static_cast<size_t>(kKills));
  EXPECT_GT(answered_queries, 0);
  RecordProperty("kills", kKills);
  RecordProperty("acknowledged_batches", static_cast<int>(acknowledged.size()));
  std::printf("kill -9: %d kills, %zu acknowledged batches, 0 lost, %d peer queries answered\n",
              kKills, acknowledged.size(), answered_queries);
  CliResult verify = analyst->Cli({"audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
}

TEST(Faults, APeerWithASkewedClockRefusesAndIsReported) {
  const char* lib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
  if (!common::PathExists(lib)) GTEST_SKIP() << "faketime is not installed";
  std::string root = FreshDir("skewed_clock");
  Federation fed;
  fed.Start(root, {"org-a", "org-b"}, {500, 500});
  CliResult applied = fed.ApplyPolicy("org-a", SupportPolicy({"org-a", "org-b"}, 1));
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  applied = fed.ApplyPolicy("org-b", SupportPolicy({"org-a", "org-b"}, 1));
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  // org-b's clock runs ten minutes ahead (wall clock only: the monotonic clock that times the
  // node's deadlines is left alone).
  TestNode& b = fed.node("org-b");
  ASSERT_EQ(b.Stop(), 0) << b.Log();
  common::Status started = b.Start({"LD_PRELOAD=" + PreloadFor(lib), "FAKETIME=+10m",
                                    "FAKETIME_DONT_FAKE_MONOTONIC=1"});
  ASSERT_TRUE(started.ok()) << started.ToString();
  // It listens on a new port now: org-a re-pins it from its new identity document.
  std::string id = root + "/org-b.identity.json";
  ASSERT_TRUE(common::WriteFileAtomic(id, b.IdentityJson(), 0644).ok());
  CliResult pinned = fed.node("org-a").Cli({"peer", "update", "org-b", id});
  ASSERT_EQ(pinned.exit_code, 0) << pinned.err;
  json r = fed.Ask("org-a", "SELECT count(*) FROM support", {{"peers", json::array({"org-b"})}});
  bool seen = false;
  for (const auto& c : r["coverage"]) {
    if (c["org_id"] != "org-b") continue;
    seen = true;
    EXPECT_EQ(c["status"], "denied") << r << b.Log();
    EXPECT_EQ(c["code"], "expired") << r;
  }
  EXPECT_TRUE(seen) << r << b.Log();
  EXPECT_EQ(r["status"], "partial") << r;
  // And what org-b asks from the future is refused by org-a.
  json back = fed.Ask("org-b", "SELECT count(*) FROM support", {{"peers", json::array({"org-a"})}});
  seen = false;
  for (const auto& c : back["coverage"]) {
    if (c["org_id"] != "org-a") continue;
    seen = true;
    EXPECT_EQ(c["code"], "not_yet_valid") << back << fed.node("org-a").Log();
  }
  EXPECT_TRUE(seen) << back;
  // Stopped in order, so that libfaketime removes the shared memory it made for the process
  // (killed, it leaves it in /dev/shm, where a later process with the same id finds it).
  EXPECT_EQ(b.Stop(), 0) << b.Log();
}

TEST(Faults, AFullDiskGivesAClearErrorAndNoCorruption) {
  std::string root = FreshDir("full_disk");
  auto node = TestNode::Create(root, "holder");
  ASSERT_TRUE(node);
  // Files may not grow beyond 8 MiB (the limit applies to the node's RocksDB files).
  node->launch_prefix = {"/bin/sh", "-c", "ulimit -f 8192; exec \"$0\" \"$@\""};
  ASSERT_TRUE(node->Start().ok()) << node->Log();
  ASSERT_TRUE(common::WriteFileAtomic(root + "/ledgered.toml", kLedgerSchema, 0644).ok());
  ASSERT_EQ(
      node->Cli({"dataset", "create", "ledgered", "--schema", root + "/ledgered.toml"}).exit_code,
      0);
  std::string small = root + "/small.csv";
  ASSERT_TRUE(common::WriteFileAtomic(small, BatchCsv(1), 0644).ok());
  ASSERT_EQ(node->Cli({"dataset", "ingest", "ledgered", small}).exit_code, 0);
  // One batch far over the limit.
  std::string big = "id,batch,value\n";
  for (int i = 0; i < 600000; ++i) {
    big += "big-" + std::to_string(i) + ",2," + std::to_string(int64_t{i} * 7919) + "\n";
  }
  std::string big_path = root + "/big.csv";
  ASSERT_TRUE(common::WriteFileAtomic(big_path, big, 0644).ok());
  CliResult r = node->Cli({"dataset", "ingest", "ledgered", big_path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("disk full"), std::string::npos) << r.err;
  // The node keeps serving, and refuses what it cannot audit: a raw answer needs its audit entry.
  EXPECT_EQ(node->Call("GET", "/healthz").first, 200);
  auto [status, text] = node->RawQuery("SELECT batch, count(*) FROM ledgered GROUP BY batch");
  EXPECT_EQ(status, 503) << text;
  EXPECT_NE(text.find("audit log"), std::string::npos) << text;
  // Restarted without the limit: the same data, the audit chain intact, writes work again.
  EXPECT_EQ(node->Stop(), 0);
  node->launch_prefix.clear();
  ASSERT_TRUE(node->Start().ok()) << node->Log();
  // What was stored before is intact, and no half of the failed batch is visible.
  std::map<int64_t, int64_t> rows = RowsPerBatch(*node);
  EXPECT_EQ(rows[1], kBatchRows);
  EXPECT_EQ(rows.count(2), 0u) << "half of the failed batch is visible";
  EXPECT_EQ(node->Cli({"audit", "verify"}).exit_code, 0);
  ASSERT_TRUE(common::WriteFileAtomic(small, BatchCsv(3), 0644).ok());
  EXPECT_EQ(node->Cli({"dataset", "ingest", "ledgered", small}).exit_code, 0);
}

}  // namespace
}  // namespace verbind::testing
