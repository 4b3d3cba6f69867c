// Fuzz target: JSON-lines records as uploaded to a node (storage::JsonLinesReader and the
// dataset ingest that validates and stores them). The first input byte picks the ingest
// options (IngestFixture::OptionsOf) and the next four the sizes of the pieces the bytes
// arrive in. Invariants: the reader delivers the same rows whether the input arrives whole or
// in pieces; the store agrees with the ingest report (see fuzz/ingest_fixture.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/check.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/ingest_fixture.h"
#include "storage/jsonl_reader.h"

namespace {

class CollectRows final : public verbind::storage::JsonRowSink {
 public:
  bool OnRow(const verbind::storage::JsonRow& row) override {
    std::string r = std::to_string(row.line) + "|" + row.error + "|" + row.error_member;
    for (const auto& [name, value] : row.members) {
      r += "|" + std::to_string(name.size()) + ":" + name + "=" +
           std::to_string(static_cast<int>(value.kind)) + ":" + std::to_string(value.text.size()) +
           ":" + value.text;
    }
    rows.push_back(std::move(r));
    return true;
  }
  std::vector<std::string> rows;
};

std::vector<std::string> ReadRows(std::string_view text, std::string_view piece_sizes) {
  CollectRows sink;
  verbind::storage::JsonLinesReader reader(&sink, 2048);  // small, to reach the line limit
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
  fixture.Ingest(s::InputFormat::kJsonLines, fixture.OptionsOf(flags),
                 [&](auto feed) { verbind::fuzz::FeedInPieces(text, pieces, feed); });
  return 0;
}
