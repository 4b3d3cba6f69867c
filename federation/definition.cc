#include "federation/definition.h"

#include <set>

#include "common/strict_json.h"
#include "common/strings.h"
#include "crypto/hash.h"
#include "federation/verifier.h"

namespace verbind::federation {

using common::Result;
using nlohmann::json;

namespace {

constexpr int64_t kMaxTime = 253402300799;  // 9999-12-31T23:59:59Z

common::Status Bad(const std::string& what, const std::string& why) {
  return common::InvalidArgument(what + ": " + why);
}

common::Status OnlyKeys(const json& j, const std::set<std::string>& keys,
                        const std::string& what) {
  for (const auto& [k, v] : j.items()) {
    if (!keys.count(k)) return Bad(what, "unknown key \"" + k.substr(0, 40) + "\"");
  }
  for (const auto& k : keys) {
    if (!j.contains(k)) return Bad(what, "missing " + k);
  }
  return common::Status::Ok();
}

Result<std::string> NameOf(const json& j, const char* key, const std::string& what) {
  if (!j[key].is_string() || !common::IsValidName(j[key].get<std::string>())) {
    return Bad(what, std::string(key) + " must be a name (1-64 of a-z 0-9 . _ -)");
  }
  return j[key].get<std::string>();
}

Result<int64_t> IntOf(const json& j, const char* key, int64_t min, int64_t max,
                      const std::string& what) {
  const json& v = j[key];
  if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX) ||
      v.get<int64_t>() < min || v.get<int64_t>() > max) {
    return Bad(what, std::string(key) + " must be an integer from " + std::to_string(min) +
                         " to " + std::to_string(max));
  }
  return v.get<int64_t>();
}

}  // namespace

std::string EncodeDefinition(const Definition& d) {
  json j = {{"publisher", d.publisher},
            {"name", d.name},
            {"version", d.version},
            {"published_at", d.published_at},
            {"schema", json::parse(config::SchemaToJson(d.schema))}};
  return j.dump();
}

Result<Definition> DecodeDefinition(std::string_view payload) {
  const std::string what = "definition";
  ASSIGN_OR_RETURN(json j, common::ParseStrictJson(payload, "definition payload"));
  if (!j.is_object()) return Bad(what, "the payload is not a JSON object");
  RETURN_IF_ERROR(OnlyKeys(j, {"publisher", "name", "version", "published_at", "schema"}, what));
  Definition d;
  ASSIGN_OR_RETURN(d.publisher, NameOf(j, "publisher", what));
  ASSIGN_OR_RETURN(d.name, NameOf(j, "name", what));
  ASSIGN_OR_RETURN(d.version, IntOf(j, "version", 1, kMaxDefinitionVersion, what));
  ASSIGN_OR_RETURN(d.published_at, IntOf(j, "published_at", 0, kMaxTime, what));
  if (!j["schema"].is_object()) return Bad(what, "schema must be an object");
  auto schema = config::SchemaFromJson(j["schema"].dump());
  if (!schema.ok()) return Bad(what, "schema: " + schema.status().message());
  d.schema = std::move(schema).value();
  return d;
}

config::DefinitionRef SignedDefinition::Ref() const {
  return {definition.publisher, definition.name, definition.version, hash};
}

Result<SignedDefinition> SealDefinition(const Definition& d, const crypto::SigningKey& key) {
  std::string payload = EncodeDefinition(d);
  if (payload.size() > kMaxPayloadBytes) {
    return common::InvalidArgument("the definition is " + std::to_string(payload.size()) +
                                   " bytes; a signed document holds at most " +
                                   std::to_string(kMaxPayloadBytes) +
                                   " (fewer or shorter categories)");
  }
  SignedDefinition out;
  out.hash = crypto::Sha256Hex(payload);
  out.envelope = SealEnvelope(kTypeDefinition, d.publisher, key, std::move(payload));
  out.definition = d;
  return out;
}

Result<SignedDefinition> ReadDefinition(std::string_view wire) {
  ASSIGN_OR_RETURN(Envelope e, DecodeEnvelope(wire));
  if (e.type != kTypeDefinition) {
    return common::InvalidArgument("expected a \"dataset-definition\" document, got \"" + e.type +
                                   "\"");
  }
  ASSIGN_OR_RETURN(Definition d, DecodeDefinition(e.payload));
  if (d.publisher != e.signer) {
    return common::InvalidArgument("the definition names publisher " + d.publisher +
                                   " but is signed by " + e.signer);
  }
  SignedDefinition out;
  out.hash = crypto::Sha256Hex(e.payload);
  out.envelope = std::move(e);
  out.definition = std::move(d);
  return out;
}

common::Status VerifyDefinition(const SignedDefinition& d, const storage::PeerRecord& publisher,
                                int64_t now_ms) {
  auto verified = VerifyFrom(d.envelope, publisher, now_ms);
  if (auto* r = std::get_if<Refusal>(&verified)) {
    return common::PermissionDenied("the definition " + d.Ref().Label() +
                                    " is not validly signed: " + r->code + ": " + r->message);
  }
  return common::Status::Ok();
}

json DefinitionRefToJson(const config::DefinitionRef& ref) {
  return {{"publisher", ref.publisher},
          {"name", ref.name},
          {"version", ref.version},
          {"hash", ref.hash}};
}

Result<config::DefinitionRef> DefinitionRefFromJson(const json& j, const std::string& what) {
  if (!j.is_object()) return Bad(what, "must be an object");
  RETURN_IF_ERROR(OnlyKeys(j, {"publisher", "name", "version", "hash"}, what));
  config::DefinitionRef ref;
  ASSIGN_OR_RETURN(ref.publisher, NameOf(j, "publisher", what));
  ASSIGN_OR_RETURN(ref.name, NameOf(j, "name", what));
  ASSIGN_OR_RETURN(ref.version, IntOf(j, "version", 1, kMaxDefinitionVersion, what));
  const json& h = j["hash"];
  if (!h.is_string() || h.get<std::string>().size() != 64 ||
      h.get<std::string>().find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Bad(what, "hash must be 64 lower-case hex digits");
  }
  ref.hash = h.get<std::string>();
  return ref;
}

}  // namespace verbind::federation
