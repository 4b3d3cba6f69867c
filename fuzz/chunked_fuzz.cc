// Fuzz target: chunked request bodies (node::ChunkedDecoder) with a small size limit. The first
// four input bytes give the sizes of the pieces the rest arrives in. Invariants: the decoded
// body never passes the limit, and whole or in pieces the decoder consumes the same bytes,
// decodes the same body and reaches the same end (done, an error, or wanting more).
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/check.h"
#include "fuzz/fuzz_util.h"
#include "node/net/http_wire.h"

namespace {

constexpr uint64_t kLimit = 4096;

struct Outcome {
  std::string body;
  size_t used = 0;
  bool failed = false;
  bool too_large = false;
  bool done = false;
  bool operator==(const Outcome&) const = default;
};

Outcome Decode(std::string_view text, std::string_view piece_sizes) {
  verbind::node::ChunkedDecoder decoder(kLimit);
  Outcome out;
  bool stop = false;
  verbind::fuzz::FeedInPieces(text, piece_sizes, [&](std::string_view piece) {
    if (stop) {
      return;
    }
    auto used = decoder.Feed(piece, &out.body);
    if (!used.ok()) {
      out.failed = true;
      out.too_large = used.status().code() == verbind::common::StatusCode::kResourceExhausted;
      stop = true;
      return;
    }
    CHECK(*used <= piece.size());
    out.used += *used;
    stop = decoder.done();
  });
  out.done = decoder.done();
  CHECK(out.body.size() <= kLimit);
  CHECK(decoder.decoded() <= kLimit);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  verbind::fuzz::InputReader in(data, size);
  char sizes[4];
  for (char& c : sizes) {
    c = static_cast<char>(in.Byte());
  }
  Outcome whole = Decode(in.Rest(), "");
  Outcome pieces = Decode(in.Rest(), std::string_view(sizes, 4));
  // On failure the bytes consumed before the error depend on where pieces end; the rest not.
  if (whole.failed || pieces.failed) {
    CHECK(whole.failed == pieces.failed && whole.too_large == pieces.too_large);
  } else {
    CHECK(whole == pieces);
  }
  return 0;
}
