// Fuzz target: the signed envelope as a peer receives it (federation::DecodeEnvelope), its
// signature checked against fixed keys (those of the protocol test vectors, so valid vectors in
// the corpus verify), its hash, and the payload decoder its type selects. Invariants: a decoded
// envelope encodes to text that decodes to the same envelope with the same hash.
#include <cstddef>
#include <cstdint>

#include "common/check.h"
#include "common/encoding.h"
#include "crypto/signing.h"
#include "federation/envelope.h"
#include "federation/messages.h"
#include "fuzz/fuzz_util.h"

namespace {

using verbind::federation::Envelope;

// The public keys of the two signers of tests/vectors/protocol_vectors.json.
const std::string& VectorKey(int i) {
  static const std::string keys[2] = {
      [] {
        auto b = verbind::common::HexDecode(
            "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664");
        return std::string(b->begin(), b->end());
      }(),
      [] {
        auto b = verbind::common::HexDecode(
            "adc14011f82d1c56d956aa4f9d73d8858361a606048525e0d08c638dc75dd8c7");
        return std::string(b->begin(), b->end());
      }(),
  };
  return keys[i];
}

bool SameEnvelope(const Envelope& a, const Envelope& b) {
  return a.version == b.version && a.type == b.type && a.signer == b.signer &&
         a.key_id == b.key_id && a.payload == b.payload && a.signature == b.signature;
}

void DecodePayload(const Envelope& e) {
  namespace f = verbind::federation;
  if (e.type == f::kTypeQuery) {
    f::DecodeQuery(e.payload).status().IgnoreError();
  } else if (e.type == f::kTypePartial) {
    f::DecodePartial(e.payload).status().IgnoreError();
  } else if (e.type == f::kTypeRefusal) {
    f::DecodeRefusal(e.payload).status().IgnoreError();
  } else if (e.type == f::kTypeKeyAnnouncement) {
    f::DecodeKeyAnnouncement(e.payload).status().IgnoreError();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace f = verbind::federation;
  auto e = f::DecodeEnvelope(verbind::fuzz::AsText(data, size));
  if (!e.ok()) {
    CHECK(!e.status().message().empty());
    return 0;
  }
  bool verified =
      f::VerifyEnvelopeSignature(*e, VectorKey(0)) || f::VerifyEnvelopeSignature(*e, VectorKey(1));
  std::string hash = f::EnvelopeHash(*e);
  CHECK(hash.size() == 64);
  auto again = f::DecodeEnvelope(f::EncodeEnvelope(*e));
  CHECK(again.ok());
  CHECK(SameEnvelope(*e, *again));
  CHECK(f::EnvelopeHash(*again) == hash);
  if (verified) {
    // A signature that verifies binds exactly these bytes: any other key id fails.
    Envelope other = *e;
    other.key_id = other.key_id == "0000000000000000" ? "0000000000000001" : "0000000000000000";
    CHECK(!f::VerifyEnvelopeSignature(other, VectorKey(0)) &&
          !f::VerifyEnvelopeSignature(other, VectorKey(1)));
  }
  DecodePayload(*e);
  return 0;
}
