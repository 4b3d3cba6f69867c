#include "federation/receipt.h"

#include <algorithm>

#include "common/strict_json.h"
#include "federation/definition.h"
#include "federation/verifier.h"

namespace verbind::federation {

using common::Result;
using common::Status;
using nlohmann::json;

namespace {

json OutcomeJson(const ParticipantOutcome& o) {
  json j = {{"org_id", o.org_id}, {"status", o.status}, {"code", o.code},
            {"message", o.message}, {"latency_ms", o.latency_ms}};
  if (o.definition) j["definition"] = DefinitionRefToJson(*o.definition);
  j["envelope"] = o.envelope.empty() ? json(nullptr) : json::parse(o.envelope);
  return j;
}

json Summary(const json& body) {
  json participants = json::array();
  for (const auto& p : body["participants"]) {
    participants.push_back({{"org_id", p["org_id"]}, {"status", p["status"]}, {"code", p["code"]}});
  }
  return {{"query_id", body["query_id"]},
          {"query", body["query"]},
          {"coordinator", body["coordinator"]},
          {"created_at", body["created_at"]},
          {"participants", participants},
          {"result", body["result"]}};
}

// Keys of an organisation from its identity documents.
std::vector<storage::PeerRecord> RecordsOf(
    const std::map<std::string, std::vector<IdentityDocument>>& ids, const std::string& org) {
  std::vector<storage::PeerRecord> out;
  auto it = ids.find(org);
  if (it == ids.end()) return out;
  for (const auto& doc : it->second) out.push_back(ToPeerRecord(doc, {}));
  return out;
}

// Verifies an envelope as signed by `org` with a key from its identity documents.
Status CheckSigned(const Envelope& e, const std::string& org,
                   const std::map<std::string, std::vector<IdentityDocument>>& ids) {
  if (e.signer != org) return common::InvalidArgument("signed by " + e.signer + ", not " + org);
  auto records = RecordsOf(ids, org);
  if (records.empty()) return common::NotFound("no identity document for " + org);
  for (const auto& r : records) {
    for (const auto& k : r.keys) {
      if (k.key_id == e.key_id && VerifyEnvelopeSignature(e, k.public_key)) return Status::Ok();
    }
  }
  return common::PermissionDenied("the signature of " + org + " does not verify with key " +
                                  e.key_id);
}

class Verifier {
 public:
  Verifier(const std::map<std::string, std::vector<IdentityDocument>>& ids, ReceiptCheck* out)
      : ids_(ids), out_(out) {}

  // The participants' outcomes as signed, and the definition the query expected.
  Status Envelopes(const json& body, std::vector<ParticipantOutcome>* outcomes,
                   std::optional<config::DefinitionRef>* expected) {
    ASSIGN_OR_RETURN(Envelope query, DecodeEnvelope(body["query_envelope"].dump()));
    std::string coordinator = body.value("coordinator", "");
    RETURN_IF_ERROR(CheckSigned(query, coordinator, ids_).WithContext("query envelope"));
    ASSIGN_OR_RETURN(QueryPayload q, DecodeQuery(query.payload));
    std::string hash = EnvelopeHash(query);
    if (body.value("query_hash", "") != hash || body.value("query_id", "") != q.query_id) {
      return common::InvalidArgument("the query hash or id does not match the query envelope");
    }
    out_->lines.push_back("query " + q.query_id + " signed by " + coordinator + ": ok");
    *expected = q.definition;
    for (const auto& p : body["participants"]) {
      ASSIGN_OR_RETURN(ParticipantOutcome o, Participant(p, hash, q));
      outcomes->push_back(std::move(o));
    }
    return Status::Ok();
  }

  Result<ParticipantOutcome> Participant(const json& p, const std::string& hash,
                                         const QueryPayload& q) {
    std::string org = p.value("org_id", "");
    std::string status = p.value("status", "");
    ParticipantOutcome o;
    o.org_id = org;
    o.status = status;
    if (status != kAnswered && status != kDenied) {
      out_->lines.push_back(org + ": " + status + " (no signed answer)");
      return o;
    }
    if (!p["envelope"].is_object()) return common::InvalidArgument(org + ": envelope missing");
    std::string envelope = p["envelope"].dump();
    ASSIGN_OR_RETURN(Envelope e, DecodeEnvelope(envelope));
    RETURN_IF_ERROR(CheckSigned(e, org, ids_).WithContext(org));
    storage::PeerRecord any;
    for (auto& r : RecordsOf(ids_, org)) {
      for (auto& k : r.keys) any.keys.push_back(k);
    }
    any.org_id = org;
    QueryBinding binding{hash, q.query_id, q.dataset};
    ParticipantOutcome checked =
        status == kAnswered ? Coordinator::VerifyPartial(any, binding, envelope, /*now_ms=*/1)
                            : Coordinator::VerifyRefusal(any, binding, envelope, /*now_ms=*/1);
    if (checked.status != status) {
      return common::InvalidArgument(org + ": the signed answer is " + checked.status + " (" +
                                     checked.message + "), the receipt says " + status);
    }
    out_->lines.push_back(org + ": " + status + ", signature and binding ok");
    return checked;
  }

 private:
  const std::map<std::string, std::vector<IdentityDocument>>& ids_;
  ReceiptCheck* out_;
};

}  // namespace

std::string BuildReceipt(const RunResult& run, const PartialTable& combined, const json& result,
                         const NodeSigner& signer, int64_t now_s) {
  json participants = json::array();
  for (const auto& o : run.participants) participants.push_back(OutcomeJson(o));
  auto query_env = DecodeEnvelope(run.query_envelope);
  json body = {{"version", 2},
               {"coordinator", signer.org_id()},
               {"created_at", now_s},
               {"query_id", run.query_id},
               {"query_hash", run.query_hash},
               {"query_envelope", json::parse(run.query_envelope)},
               {"query", query_env.ok() ? json::parse(query_env->payload)["query"] : json()},
               {"participants", participants},
               {"combination", EncodePartialTable(combined)},
               {"result", result}};
  Envelope sealed = signer.Seal(kTypeReceipt, body.dump());
  json file = {{"verbind_receipt", 1},
               {"receipt", json::parse(EncodeEnvelope(sealed))},
               {"summary", Summary(body)}};
  return file.dump(2) + "\n";
}

ReceiptCheck VerifyReceipt(std::string_view file,
                           const std::map<std::string, std::vector<IdentityDocument>>& identities,
                           const std::function<Result<json>(const PartialTable&, Coverage)>& finish) {
  ReceiptCheck out;
  auto fail = [&](const std::string& why) {
    out.ok = false;
    out.error = why;
    return out;
  };
  auto doc = common::ParseStrictJson(file, "receipt");
  if (!doc.ok()) return fail(doc.status().message());
  if (!doc->is_object() || (*doc)["verbind_receipt"] != 1 || !(*doc)["receipt"].is_object()) {
    return fail("not a verbind receipt");
  }
  if (doc->dump(2) + "\n" != file) return fail("the file was changed (it is not as written)");
  auto sealed = DecodeEnvelope((*doc)["receipt"].dump());
  if (!sealed.ok() || sealed->type != kTypeReceipt) return fail("the receipt envelope is invalid");
  auto body = common::ParseStrictJson(sealed->payload, "receipt body");
  if (!body.ok() || !body->is_object()) return fail("the receipt body is invalid");
  Status signed_ok = CheckSigned(*sealed, body->value("coordinator", ""), identities);
  if (!signed_ok.ok()) return fail("receipt signature: " + signed_ok.message());
  out.lines.push_back("receipt signed by " + sealed->signer + ": ok");
  if ((*doc)["summary"] != Summary(*body)) return fail("the summary does not match the signed body");
  std::vector<ParticipantOutcome> outcomes;
  std::optional<config::DefinitionRef> expected;
  Status checked = Verifier(identities, &out).Envelopes(*body, &outcomes, &expected);
  if (!checked.ok()) return fail(checked.message());
  std::optional<PartialTable> combined = CombineAnswers(outcomes, expected);
  if (!combined) return fail("no participant answered; there is nothing to recompute");
  if (EncodePartialTable(*combined) != (*body)["combination"]) {
    return fail("the combination does not equal the one recomputed from the signed partials");
  }
  bool everyone = std::all_of(outcomes.begin(), outcomes.end(),
                              [](const ParticipantOutcome& o) { return o.status == kAnswered; });
  auto result = finish(*combined, everyone ? Coverage::kEveryone : Coverage::kPart);
  if (!result.ok() || *result != (*body)["result"]) {
    return fail("the result does not equal the one recomputed from the combination");
  }
  out.lines.push_back("combination recomputed from " + std::to_string(outcomes.size()) +
                      " participants: identical");
  out.ok = true;
  return out;
}

}  // namespace verbind::federation
