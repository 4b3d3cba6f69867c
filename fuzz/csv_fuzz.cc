// Fuzz target: CSV records as uploaded to a node (storage::CsvReader and the dataset ingest
// that validates and stores them). The first input byte picks the ingest options (refuse or
// skip, insert or upsert, a reject limit: IngestFixture::OptionsOf) and the next four the
// sizes of the pieces the bytes arrive in. Invariants: the reader delivers the same rows
// whether the input arrives whole or in pieces; the store agrees with the ingest report (see
// fuzz/ingest_fixture.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/check.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/ingest_fixture.h"
#include "storage/csv_reader.h"

namespace {

// Every row the reader delivers, flattened to text for comparison.
class CollectRows final : public verbind::storage::CsvRowSink {
 public:
  bool OnRow(const verbind::storage::CsvRow& row) override {
    std::string r = std::to_string(row.line) + "|" + std::string(row.error) + "|" +
                    std::to_string(row.error_field);
    for (size_t i = 0; i < row.size(); ++i) {
      r += "|" + std::to_string(row.field(i).size()) + ":" + std::string(row.field(i));
    }
    rows.push_back(std::move(r));
    return true;
  }
  std::vector<std::string> rows;
};

std::vector<std::string> ReadRows(std::string_view text, std::string_view piece_sizes) {
  CollectRows sink;
  verbind::storage::CsvLimits limits;
  limits.max_field_bytes = 256;  // small limits, so fuzzing reaches the size checks
  limits.max_row_bytes = 1024;
  verbind::storage::CsvReader reader(&sink, limits);
  verbind::fuzz::FeedInPieces(text, piece_sizes, [&](std::string_view p) { reader.Feed(p); });
  reader.Finish();
  return std::move(sink.rows);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace s = verbind::storage;
  verbind::fuzz::InputReader in(data, size);
  uint8_t flags = in.Byte();
  char sizes[4];
  for (char& c : sizes) {
    c = static_cast<char>(in.Byte());
  }
  std::string_view pieces(sizes, 4);
  std::string_view text = in.Rest();
  CHECK(ReadRows(text, "") == ReadRows(text, pieces));
  auto& fixture = verbind::fuzz::IngestFixture::Get();
  fixture.Ingest(s::InputFormat::kCsv, fixture.OptionsOf(flags),
                 [&](auto feed) { verbind::fuzz::FeedInPieces(text, pieces, feed); });
  return 0;
}
