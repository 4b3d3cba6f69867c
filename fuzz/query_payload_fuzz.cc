// Fuzz target: the payload of a query envelope (federation::DecodeQuery) and the query it
// embeds, read both from the decoded value (QueryFromJsonValue) and from its text
// (ParseQueryJson, which also bounds size and nesting). Invariants: a decoded payload encodes
// to bytes that decode to the same payload, and a query its text parser accepts is the same
// query as the value parser reads.
#include <cstddef>
#include <cstdint>

#include "common/check.h"
#include "federation/messages.h"
#include "federation/query_json.h"
#include "fuzz/fuzz_util.h"

namespace {

bool SamePayload(const verbind::federation::QueryPayload& a,
                 const verbind::federation::QueryPayload& b) {
  return a.query_id == b.query_id && a.requester == b.requester && a.dataset == b.dataset &&
         a.query == b.query && a.purpose == b.purpose && a.legal_basis == b.legal_basis &&
         a.participants == b.participants && a.issued_at == b.issued_at &&
         a.expires_at == b.expires_at && a.nonce == b.nonce;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace f = verbind::federation;
  auto q = f::DecodeQuery(verbind::fuzz::AsText(data, size));
  if (!q.ok()) {
    return 0;
  }
  auto again = f::DecodeQuery(f::EncodeQuery(*q));
  CHECK(again.ok());
  CHECK(SamePayload(*q, *again));
  auto from_value = f::QueryFromJsonValue(q->query);
  auto from_text = f::ParseQueryJson(q->query.dump());
  // The text parser is the stricter one (size, nesting, duplicate keys): whatever it accepts,
  // the value parser accepts too, as the same query.
  if (from_text.ok()) {
    CHECK(from_value.ok());
    CHECK(*from_value == *from_text);
    CHECK(f::QueryToJson(*from_value) == f::QueryToJson(*from_text));
  }
  return 0;
}
