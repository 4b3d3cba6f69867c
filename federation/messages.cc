#include "federation/messages.h"

#include <set>

#include "common/encoding.h"
#include "common/strict_json.h"
#include "common/strings.h"
#include "federation/definition.h"

namespace verbind::federation {

using common::Result;
using common::Status;
using nlohmann::json;

namespace {

// Strict field access for one payload object.
class Reader {
 public:
  Reader(const json& j, std::string what) : j_(j), what_(std::move(what)) {}

  Status OnlyKeys(std::initializer_list<const char*> keys) const {
    std::set<std::string> allowed(keys.begin(), keys.end());
    for (const auto& [k, v] : j_.items()) {
      if (!allowed.count(k)) return Bad("unknown key \"" + k.substr(0, 40) + "\"");
    }
    return Status::Ok();
  }
  Result<std::string> Str(const char* key, size_t max, bool allow_empty = false) const {
    auto it = j_.find(key);
    if (it == j_.end() || !it->is_string()) return Bad(std::string(key) + " must be a string");
    std::string v = it->get<std::string>();
    if ((v.empty() && !allow_empty) || v.size() > max || !common::IsValidUtf8(v)) {
      return Bad(std::string(key) + " must be 1-" + std::to_string(max) + " bytes of UTF-8");
    }
    return v;
  }
  Result<std::string> Name(const char* key) const {
    ASSIGN_OR_RETURN(std::string v, Str(key, 64));
    if (!common::IsValidName(v)) return Bad(std::string(key) + " is not a valid name");
    return v;
  }
  Result<std::string> Hex(const char* key, size_t len, bool allow_empty = false) const {
    ASSIGN_OR_RETURN(std::string v, Str(key, len, allow_empty));
    if (v.empty() && allow_empty) return v;
    if (v.size() != len || !common::HexDecode(v).ok() || common::ToLower(v) != v) {
      return Bad(std::string(key) + " must be " + std::to_string(len) + " lower-case hex digits");
    }
    return v;
  }
  Result<int64_t> Int(const char* key, int64_t min, int64_t max) const {
    auto it = j_.find(key);
    if (it == j_.end() || !it->is_number_integer()) {
      return Bad(std::string(key) + " must be an integer");
    }
    int64_t v = it->is_number_unsigned() && it->get<uint64_t>() > INT64_MAX
                    ? INT64_MAX
                    : it->get<int64_t>();
    if (v < min || v > max) return Bad(std::string(key) + " is out of range");
    return v;
  }
  Result<json> Object(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end() || !it->is_object()) return Bad(std::string(key) + " must be an object");
    return *it;
  }
  Status Bad(const std::string& m) const { return common::InvalidArgument(what_ + ": " + m); }

 private:
  const json& j_;
  std::string what_;
};

Result<json> ParseObject(std::string_view bytes, const std::string& what) {
  ASSIGN_OR_RETURN(json j, common::ParseStrictJson(bytes, what + " payload"));
  if (!j.is_object()) {
    return common::InvalidArgument(what + " payload is not a JSON object");
  }
  return j;
}

constexpr int64_t kMaxTime = 253402300799;  // 9999-12-31T23:59:59Z

}  // namespace

bool IsValidPurpose(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == ':' || c == '/';
    if (!ok) return false;
  }
  return true;
}

std::string NewQueryId(common::RandomSource& rng) {
  uint8_t b[16];
  rng.Fill(b);
  return common::HexEncode(b);
}

std::string NewNonce(common::RandomSource& rng) {
  uint8_t b[16];
  rng.Fill(b);
  return common::Base64UrlEncode(b);
}

std::string EncodeQuery(const QueryPayload& q) {
  json j = {{"query_id", q.query_id},       {"requester", q.requester},
            {"dataset", q.dataset},         {"query", q.query},
            {"purpose", q.purpose},         {"legal_basis", q.legal_basis},
            {"participants", q.participants}, {"issued_at", q.issued_at},
            {"expires_at", q.expires_at},   {"nonce", q.nonce}};
  if (q.definition) j["definition"] = DefinitionRefToJson(*q.definition);
  return j.dump();
}

Result<QueryPayload> DecodeQuery(std::string_view bytes) {
  ASSIGN_OR_RETURN(json j, ParseObject(bytes, "query"));
  Reader r(j, "query payload");
  RETURN_IF_ERROR(r.OnlyKeys({"query_id", "requester", "dataset", "query", "purpose",
                              "legal_basis", "participants", "issued_at", "expires_at", "nonce",
                              "definition"}));
  QueryPayload q;
  ASSIGN_OR_RETURN(q.query_id, r.Hex("query_id", 32));
  ASSIGN_OR_RETURN(q.requester, r.Name("requester"));
  ASSIGN_OR_RETURN(q.dataset, r.Name("dataset"));
  if (!j["query"].is_object()) return r.Bad("query must be an object");
  q.query = std::move(j["query"]);  // not read again: moved, not copied
  ASSIGN_OR_RETURN(q.purpose, r.Str("purpose", 128));
  if (!IsValidPurpose(q.purpose)) return r.Bad("purpose must be 1-128 of A-Z a-z 0-9 . _ - : /");
  ASSIGN_OR_RETURN(q.legal_basis, r.Str("legal_basis", 256));
  const json& parts = j["participants"];
  if (!parts.is_array() || parts.empty() || parts.size() > kMaxParticipants) {
    return r.Bad("participants must be a list of 1-256 organisation ids");
  }
  std::set<std::string> seen;
  for (const auto& p : parts) {
    if (!p.is_string() || !common::IsValidName(p.get<std::string>()) ||
        !seen.insert(p.get<std::string>()).second) {
      return r.Bad("participants must be distinct valid organisation ids");
    }
    q.participants.push_back(p.get<std::string>());
  }
  ASSIGN_OR_RETURN(q.issued_at, r.Int("issued_at", 0, kMaxTime));
  ASSIGN_OR_RETURN(q.expires_at, r.Int("expires_at", 0, kMaxTime));
  ASSIGN_OR_RETURN(q.nonce, r.Str("nonce", 22));
  auto nonce = common::Base64UrlDecode(q.nonce);
  if (!nonce.ok() || nonce->size() != 16) return r.Bad("nonce must be 16 bytes in base64url");
  if (j.contains("definition")) {
    ASSIGN_OR_RETURN(q.definition, DefinitionRefFromJson(j["definition"], "query payload: definition"));
  }
  return q;
}

std::string EncodePartial(const PartialPayload& p) {
  // The result is written in place rather than copied into a new document: the same bytes as
  // dumping one object (whose keys are in sorted order), without a deep copy of the result.
  auto str = [](const std::string& s) { return json(s).dump(); };
  std::string out = "{\"audit\":{\"head\":" + str(p.audit_head) +
                    ",\"seq\":" + std::to_string(p.audit_seq) +
                    "},\"computed_at\":" + std::to_string(p.computed_at) +
                    ",\"dataset\":" + str(p.dataset) +
                    (p.definition ? ",\"definition\":" + DefinitionRefToJson(*p.definition).dump()
                                  : std::string()) +
                    ",\"query_hash\":" + str(p.query_hash) +
                    ",\"query_id\":" + str(p.query_id) + ",\"responder\":" + str(p.responder) +
                    ",\"result\":";
  out += p.result.dump();
  out += '}';
  return out;
}

Result<PartialPayload> DecodePartial(std::string_view bytes) {
  ASSIGN_OR_RETURN(json j, ParseObject(bytes, "partial"));
  Reader r(j, "partial payload");
  RETURN_IF_ERROR(r.OnlyKeys(
      {"query_hash", "query_id", "responder", "dataset", "definition", "computed_at", "result",
       "audit"}));
  PartialPayload p;
  ASSIGN_OR_RETURN(p.query_hash, r.Hex("query_hash", 64));
  ASSIGN_OR_RETURN(p.query_id, r.Hex("query_id", 32));
  ASSIGN_OR_RETURN(p.responder, r.Name("responder"));
  ASSIGN_OR_RETURN(p.dataset, r.Name("dataset"));
  if (j.contains("definition")) {
    ASSIGN_OR_RETURN(p.definition,
                     DefinitionRefFromJson(j["definition"], "partial payload: definition"));
  }
  ASSIGN_OR_RETURN(p.computed_at, r.Int("computed_at", 0, kMaxTime));
  ASSIGN_OR_RETURN(p.result, r.Object("result"));
  ASSIGN_OR_RETURN(json audit, r.Object("audit"));
  Reader a(audit, "partial payload audit");
  RETURN_IF_ERROR(a.OnlyKeys({"seq", "head"}));
  ASSIGN_OR_RETURN(int64_t seq, a.Int("seq", 0, INT64_MAX));
  p.audit_seq = static_cast<uint64_t>(seq);
  ASSIGN_OR_RETURN(p.audit_head, a.Hex("head", 64));
  return p;
}

std::string EncodeRefusal(const RefusalPayload& r) {
  json j = {{"query_hash", r.query_hash}, {"query_id", r.query_id}, {"responder", r.responder},
            {"code", r.code},             {"message", r.message},   {"trace_id", r.trace_id},
            {"refused_at", r.refused_at}};
  return j.dump();
}

Result<RefusalPayload> DecodeRefusal(std::string_view bytes) {
  ASSIGN_OR_RETURN(json j, ParseObject(bytes, "refusal"));
  Reader r(j, "refusal payload");
  RETURN_IF_ERROR(r.OnlyKeys(
      {"query_hash", "query_id", "responder", "code", "message", "trace_id", "refused_at"}));
  RefusalPayload p;
  ASSIGN_OR_RETURN(p.query_hash, r.Hex("query_hash", 64, true));
  ASSIGN_OR_RETURN(p.query_id, r.Hex("query_id", 32, true));
  ASSIGN_OR_RETURN(p.responder, r.Name("responder"));
  ASSIGN_OR_RETURN(p.code, r.Name("code"));
  ASSIGN_OR_RETURN(p.message, r.Str("message", 1024, true));
  ASSIGN_OR_RETURN(p.trace_id, r.Hex("trace_id", 32, true));
  ASSIGN_OR_RETURN(p.refused_at, r.Int("refused_at", 0, kMaxTime));
  return p;
}

std::string EncodeKeyAnnouncement(const KeyAnnouncement& k) {
  json j = {{"org_id", k.org_id},
            {"new_key", {{"key_id", k.new_key_id},
                         {"public_key", common::Base64UrlEncode(common::AsBytes(k.new_public_key))}}},
            {"tls_certificate", k.tls_certificate},
            {"tls_fingerprint_sha256", k.tls_fingerprint},
            {"overlap_until", k.overlap_until},
            {"issued_at", k.issued_at},
            {"nonce", k.nonce}};
  return j.dump();
}

Result<KeyAnnouncement> DecodeKeyAnnouncement(std::string_view bytes) {
  ASSIGN_OR_RETURN(json j, ParseObject(bytes, "key announcement"));
  Reader r(j, "key announcement");
  RETURN_IF_ERROR(r.OnlyKeys({"org_id", "new_key", "tls_certificate", "tls_fingerprint_sha256",
                              "overlap_until", "issued_at", "nonce"}));
  KeyAnnouncement k;
  ASSIGN_OR_RETURN(k.org_id, r.Name("org_id"));
  ASSIGN_OR_RETURN(json key, r.Object("new_key"));
  Reader kr(key, "key announcement new_key");
  RETURN_IF_ERROR(kr.OnlyKeys({"key_id", "public_key"}));
  ASSIGN_OR_RETURN(k.new_key_id, kr.Hex("key_id", 16));
  ASSIGN_OR_RETURN(std::string pk, kr.Str("public_key", 64));
  auto raw = common::Base64UrlDecode(pk);
  if (!raw.ok() || raw->size() != 32) return r.Bad("new_key.public_key must be 32 bytes");
  k.new_public_key.assign(raw->begin(), raw->end());
  ASSIGN_OR_RETURN(k.tls_certificate, r.Str("tls_certificate", 32 * 1024, true));
  ASSIGN_OR_RETURN(k.tls_fingerprint, r.Hex("tls_fingerprint_sha256", 64, true));
  ASSIGN_OR_RETURN(k.overlap_until, r.Int("overlap_until", 0, kMaxTime));
  ASSIGN_OR_RETURN(k.issued_at, r.Int("issued_at", 0, kMaxTime));
  ASSIGN_OR_RETURN(k.nonce, r.Str("nonce", 22));
  return k;
}

}  // namespace verbind::federation
