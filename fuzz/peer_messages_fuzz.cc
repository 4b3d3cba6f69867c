// Fuzz target: the other payloads a node reads from peers inside verified envelopes: refusals
// (federation::DecodeRefusal), key announcements (DecodeKeyAnnouncement), the fields of a
// partial payload around its result (DecodePartial), and dataset definitions
// (DecodeDefinition). Invariant: each decoded payload encodes to bytes that decode to the same
// payload.
#include <cstddef>
#include <cstdint>

#include "common/check.h"
#include "federation/definition.h"
#include "federation/messages.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace f = verbind::federation;
  std::string_view text = verbind::fuzz::AsText(data, size);
  if (auto r = f::DecodeRefusal(text); r.ok()) {
    auto again = f::DecodeRefusal(f::EncodeRefusal(*r));
    CHECK(again.ok());
    CHECK(again->query_hash == r->query_hash && again->query_id == r->query_id &&
          again->responder == r->responder && again->code == r->code &&
          again->message == r->message && again->trace_id == r->trace_id &&
          again->refused_at == r->refused_at);
  }
  if (auto k = f::DecodeKeyAnnouncement(text); k.ok()) {
    auto again = f::DecodeKeyAnnouncement(f::EncodeKeyAnnouncement(*k));
    CHECK(again.ok());
    CHECK(again->org_id == k->org_id && again->new_key_id == k->new_key_id &&
          again->new_public_key == k->new_public_key &&
          again->tls_certificate == k->tls_certificate &&
          again->tls_fingerprint == k->tls_fingerprint &&
          again->overlap_until == k->overlap_until && again->issued_at == k->issued_at &&
          again->nonce == k->nonce);
  }
  if (auto p = f::DecodePartial(text); p.ok()) {
    auto again = f::DecodePartial(f::EncodePartial(*p));
    CHECK(again.ok());
    CHECK(again->query_hash == p->query_hash && again->query_id == p->query_id &&
          again->responder == p->responder && again->dataset == p->dataset &&
          again->computed_at == p->computed_at && again->result == p->result &&
          again->audit_seq == p->audit_seq && again->audit_head == p->audit_head &&
          again->definition == p->definition);
  }
  if (auto d = f::DecodeDefinition(text); d.ok()) {
    std::string encoded = f::EncodeDefinition(*d);
    auto again = f::DecodeDefinition(encoded);
    CHECK(again.ok());
    CHECK(f::EncodeDefinition(*again) == encoded);
  }
  return 0;
}
