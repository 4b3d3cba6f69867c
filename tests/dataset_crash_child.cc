// dataset_crash_child: the process the crash test kills with SIGKILL at random moments.
// It ingests numbered batches into dataset "crash" of the database in DIR, and appends each
// batch number to the ledger file (fsynced) only after the ingest call reported it committed:
// the ledger is what the store acknowledged. Every batch holds `rows` new records
// "b<batch>-<i>" with batch = <batch> and size = rows, and upserts the record "latest"
// (batch 0) with value = <batch>.
//
//   dataset_crash_child DIR LEDGER FIRST_BATCH SEED [FIRST_ROWS]
// FIRST_ROWS gives the first batch of this run that many rows (to fill whole chunks early).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "common/clock.h"
#include "storage/dataset_store.h"
#include "testing/dataset_fixture.h"

namespace {

constexpr const char* kSchema = R"(
key = "id"
[[fields]]
name = "id"
type = "identifier"
[[fields]]
name = "batch"
type = "integer"
nullable = false
[[fields]]
name = "size"
type = "integer"
nullable = false
[[fields]]
name = "value"
type = "decimal"
scale = 2
)";

int Fail(const verbind::common::Status& s) {
  std::fprintf(stderr, "dataset_crash_child: %s\n", s.ToString().c_str());
  return 1;
}

bool Acknowledge(int fd, int64_t batch) {
  std::string line = std::to_string(batch) + "\n";
  return ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
         ::fsync(fd) == 0;
}

std::string Batch(int64_t batch, size_t rows, std::mt19937_64& rng) {
  std::string csv = "id,batch,size,value\n";
  for (size_t i = 0; i < rows; ++i) {
    csv += "b" + std::to_string(batch) + "-" + std::to_string(i) + "," + std::to_string(batch) +
           "," + std::to_string(rows) + "," + std::to_string(rng() % 100000) + ".25\n";
  }
  return csv + "latest,0,0," + std::to_string(batch) + "\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace verbind;
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: dataset_crash_child DIR LEDGER FIRST_BATCH SEED [FIRST_ROWS]\n");
    return 2;
  }
  size_t first_rows = argc == 6 ? std::strtoull(argv[5], nullptr, 10) : 0;
  int64_t batch = std::strtoll(argv[3], nullptr, 10);
  std::mt19937_64 rng(std::strtoull(argv[4], nullptr, 10));
  auto opened = testing::OpenStore(argv[1], {}, &common::RealClock::Get());
  if (!opened.ok()) return Fail(opened.status());
  storage::DatasetStore* store = opened->store.get();
  if (!store->Describe("crash").ok()) {
    if (auto s = testing::CreateDataset(*store, "crash", kSchema); !s.ok()) return Fail(s.status());
  }
  int ledger = ::open(argv[2], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (ledger < 0) return Fail(common::Internal("cannot open the ledger"));
  storage::IngestOptions upsert;  // each batch replaces the record "latest"
  upsert.mode = storage::IngestMode::kUpsert;
  for (;; ++batch) {
    auto session = store->BeginIngest("crash", storage::InputFormat::kCsv, upsert);
    if (!session.ok()) return Fail(session.status());
    // Sizes vary so that batches end inside chunks and later batches rewrite them.
    size_t rows = first_rows ? first_rows : 1 + rng() % 4000;
    first_rows = 0;
    if (auto s = (*session)->Feed(Batch(batch, rows, rng)); !s.ok()) return Fail(s);
    auto report = (*session)->Finish();
    if (!report.ok()) return Fail(report.status());
    if (!report->committed) return Fail(common::Internal("batch refused"));
    if (!Acknowledge(ledger, batch)) return Fail(common::Internal("ledger write failed"));
  }
}
