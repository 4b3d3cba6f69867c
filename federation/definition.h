// Dataset definitions shared across organisations (docs/datasets.md, "Shared definitions";
// docs/protocol.md, section 10): a signed document in which one organisation, the publisher,
// states what a dataset means (name, version, fields with their types, units, scales,
// categories, bounds and grids, nullability, descriptions; the record key). Peers adopt it, and
// every node's answer names the definition its data conforms to, so that the requester combines
// only answers over the same definition.
//
// The document is an envelope of type "dataset-definition" signed by the publisher; its
// payload is the JSON below, and the definition's hash is SHA-256 of the payload bytes (lower-
// case hex): a version's identity, whoever relays it. Values and pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"
#include "config/schema.h"
#include "federation/envelope.h"
#include "storage/peer_registry.h"

namespace verbind::federation {

constexpr int64_t kMaxDefinitionVersion = 1'000'000;

struct Definition {
  std::string publisher;  // organisation id; must be the envelope's signer
  std::string name;       // the dataset's name at every node that adopts it
  int64_t version = 0;    // 1, 2, ...
  int64_t published_at = 0;  // Unix seconds
  config::Schema schema;
};

// {"name": .., "published_at": .., "publisher": .., "schema": {schema JSON}, "version": ..}
std::string EncodeDefinition(const Definition& d);
// Strict: exactly these keys, valid names, a version in 1..kMaxDefinitionVersion and a valid
// schema. InvalidArgument saying what.
common::Result<Definition> DecodeDefinition(std::string_view payload);

struct SignedDefinition {
  Envelope envelope;
  Definition definition;
  std::string hash;  // SHA-256 of envelope.payload, hex

  config::DefinitionRef Ref() const;
  std::string Wire() const { return EncodeEnvelope(envelope); }
};

// Signs `d` with the publisher's key (d.publisher is the signer). InvalidArgument when the
// document would be larger than an envelope may carry.
common::Result<SignedDefinition> SealDefinition(const Definition& d,
                                                const crypto::SigningKey& key);
// Reads a definition document (the envelope's wire form): the envelope, its type, the payload
// and that the publisher signed it; the signature itself is checked by VerifyDefinition.
common::Result<SignedDefinition> ReadDefinition(std::string_view wire);
// The signature, by a current key of `publisher` (a pinned peer, or this node itself).
// PermissionDenied saying why when it does not verify.
common::Status VerifyDefinition(const SignedDefinition& d, const storage::PeerRecord& publisher,
                                int64_t now_ms);

// A definition reference as it appears in query and partial payloads:
// {"hash": .., "name": .., "publisher": .., "version": ..}.
nlohmann::json DefinitionRefToJson(const config::DefinitionRef& ref);
common::Result<config::DefinitionRef> DefinitionRefFromJson(const nlohmann::json& j,
                                                            const std::string& what);

}  // namespace verbind::federation
