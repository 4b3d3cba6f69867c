#include "federation/envelope.h"

#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "common/strict_json.h"
#include "common/strings.h"

namespace verbind::federation {

using common::Result;
using nlohmann::json;

namespace {

bool KnownType(std::string_view t) {
  return t == kTypeQuery || t == kTypePartial || t == kTypeRefusal || t == kTypeKeyAnnouncement ||
         t == kTypeReceipt || t == kTypeDefinition ||
         t == kTypeTransparencyRegister;
}

bool IsKeyId(std::string_view s) {
  if (s.size() != 16) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

common::Status Bad(const std::string& what) {
  return common::InvalidArgument("envelope: " + what);
}

}  // namespace

std::string SigningMessage(std::string_view type, std::string_view signer, std::string_view key_id,
                           std::string_view payload) {
  std::string m = "verbind-envelope-v1";
  m.reserve(m.size() + type.size() + signer.size() + key_id.size() + payload.size() + 4);
  for (std::string_view part : {type, signer, key_id}) {
    m += '\0';
    m += part;
  }
  m += '\0';
  m += payload;
  return m;
}

Envelope SealEnvelope(std::string_view type, std::string_view signer, const crypto::SigningKey& key,
                      std::string payload) {
  Envelope e;
  e.type = std::string(type);
  e.signer = std::string(signer);
  e.key_id = crypto::KeyIdOf(key.public_key());
  e.payload = std::move(payload);
  auto sig = key.Sign(common::AsBytes(SigningMessage(e.type, e.signer, e.key_id, e.payload)));
  e.signature.assign(reinterpret_cast<const char*>(sig.data()), sig.size());
  return e;
}

bool VerifyEnvelopeSignature(const Envelope& e, std::string_view public_key) {
  std::string msg = SigningMessage(e.type, e.signer, e.key_id, e.payload);
  return crypto::Ed25519Verify(common::AsBytes(public_key), common::AsBytes(msg),
                               common::AsBytes(e.signature));
}

std::string EnvelopeHash(const Envelope& e) {
  crypto::Sha256Hasher h;
  h.Update(SigningMessage(e.type, e.signer, e.key_id, e.payload));
  h.Update(e.signature);
  return common::HexEncode(h.Finish());
}

std::string EncodeEnvelope(const Envelope& e) {
  // Fixed key order; every value is ASCII, so this is also the canonical form.
  return "{\"v\":" + std::to_string(e.version) + ",\"type\":" + common::JsonQuote(e.type) +
         ",\"signer\":" + common::JsonQuote(e.signer) + ",\"key_id\":" +
         common::JsonQuote(e.key_id) + ",\"payload\":\"" +
         common::Base64UrlEncode(common::AsBytes(e.payload)) + "\",\"signature\":\"" +
         common::Base64UrlEncode(common::AsBytes(e.signature)) + "\"}";
}

Result<Envelope> DecodeEnvelope(std::string_view text) {
  if (text.size() > kMaxEnvelopeBytes) return Bad("larger than 1 MiB");
  auto parsed = common::ParseStrictJson(text, "envelope");
  if (!parsed.ok()) return parsed.status();
  json j = std::move(parsed).value();
  if (!j.is_object()) return Bad("not a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key != "v" && key != "type" && key != "signer" && key != "key_id" && key != "payload" &&
        key != "signature") {
      return Bad("unknown key \"" + key + "\"");
    }
  }
  auto str = [&](const char* key) -> Result<std::string> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return Bad(std::string("\"") + key + "\" must be a string");
    return it->get<std::string>();
  };
  if (!j.contains("v") || !j["v"].is_number_integer() || j["v"].get<int64_t>() != 1) {
    return Bad("\"v\" must be 1");
  }
  Envelope e;
  ASSIGN_OR_RETURN(e.type, str("type"));
  if (!KnownType(e.type)) return Bad("unknown type \"" + e.type.substr(0, 40) + "\"");
  ASSIGN_OR_RETURN(e.signer, str("signer"));
  if (!common::IsValidName(e.signer)) return Bad("signer is not a valid organisation id");
  ASSIGN_OR_RETURN(e.key_id, str("key_id"));
  if (!IsKeyId(e.key_id)) return Bad("key_id must be 16 lower-case hex digits");
  ASSIGN_OR_RETURN(std::string payload, str("payload"));
  auto raw = common::Base64UrlDecode(payload);
  if (!raw.ok()) return Bad("payload: " + raw.status().message());
  if (raw->size() > kMaxPayloadBytes) return Bad("payload larger than 700 KiB");
  e.payload.assign(raw->begin(), raw->end());
  ASSIGN_OR_RETURN(std::string sig, str("signature"));
  auto sig_raw = common::Base64UrlDecode(sig);
  if (!sig_raw.ok() || sig_raw->size() != crypto::kEd25519SignatureBytes) {
    return Bad("signature must be 64 bytes in base64url");
  }
  e.signature.assign(sig_raw->begin(), sig_raw->end());
  return e;
}

}  // namespace verbind::federation
