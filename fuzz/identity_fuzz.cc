// Fuzz target: identity documents (federation::ParseIdentityDocument), which administrators
// receive from other organisations before pinning them: JSON, keys, an X.509 certificate and a
// self-signature. Invariant: a document that parses re-renders (with a fixed key standing in
// for the owner's) to one that parses with the same organisation, URL and certificate.
#include <cstddef>
#include <cstdint>

#include "common/check.h"
#include "common/encoding.h"
#include "crypto/signing.h"
#include "federation/identity.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace f = verbind::federation;
  auto doc = f::ParseIdentityDocument(verbind::fuzz::AsText(data, size));
  if (!doc.ok()) {
    CHECK(!doc.status().message().empty());
    return 0;
  }
  CHECK(doc->tls_fingerprint.size() == 64);
  CHECK(doc->signing_public_key.size() == 32);
  static const verbind::crypto::SigningKey key = [] {
    uint8_t seed[32] = {7};
    return *verbind::crypto::SigningKey::FromSeed(seed);
  }();
  f::IdentityDocument copy = *doc;
  copy.signing_public_key = std::string(verbind::common::AsChars(key.public_key()));
  auto rendered = f::RenderIdentityDocument(copy, key);
  CHECK(rendered.ok());
  auto again = f::ParseIdentityDocument(*rendered);
  CHECK(again.ok());
  CHECK(again->org_id == doc->org_id && again->peer_url == doc->peer_url &&
        again->tls_fingerprint == doc->tls_fingerprint);
  return 0;
}
