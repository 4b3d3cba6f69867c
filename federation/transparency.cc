#include "federation/transparency.h"

#include <map>
#include <set>
#include <tuple>

#include "common/dates.h"
#include "common/strict_json.h"
#include "common/strings.h"

namespace verbind::federation {

using common::Result;
using nlohmann::json;

namespace {

// Refusals decided by a sharing policy or the privacy protection it sets; anything else that
// was not answered failed (could not be read, verified, planned, computed or logged).
bool RefusedByPolicy(std::string_view reason) {
  for (std::string_view code : {"denied", "rate_limited", "budget_exhausted"}) {
    if (reason.substr(0, code.size()) == code &&
        (reason.size() == code.size() || reason[code.size()] == ':')) {
      return true;
    }
  }
  return false;
}

struct Counts {
  int64_t answered = 0, refused_by_policy = 0, failed = 0;
};

}  // namespace

Result<std::pair<int64_t, int64_t>> MonthRange(std::string_view month) {
  int32_t first = 0;
  if (month.size() != 7 || !common::ParseIsoDate(std::string(month) + "-01", &first)) {
    return common::InvalidArgument("month must be YYYY-MM, e.g. 2026-11");
  }
  int year = std::stoi(std::string(month.substr(0, 4)));
  int m = std::stoi(std::string(month.substr(5, 2)));
  if (++m == 13) {
    m = 1;
    ++year;
  }
  auto padded = [](int v, size_t width) {
    std::string t = std::to_string(v);
    return std::string(width > t.size() ? width - t.size() : 0, '0') + t;
  };
  std::string next = padded(year, 4) + "-" + padded(m, 2) + "-01";
  int32_t after = 0;
  if (!common::ParseIsoDate(next, &after)) return common::InvalidArgument("month out of range");
  constexpr int64_t kDayMs = 86'400'000;
  return std::make_pair(int64_t{first} * kDayMs, int64_t{after} * kDayMs);
}

std::string AggregatesOf(const json& query) {
  std::set<std::string> names;
  if (query.is_object() && query.contains("select") && query["select"].is_array()) {
    for (const auto& item : query["select"]) {
      if (item.is_object() && item.contains("agg") && item["agg"].is_string()) {
        names.insert(item["agg"].get<std::string>().substr(0, 32));
      }
    }
  }
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

json BuildRegister(const std::vector<storage::StoredAuditEntry>& entries, const std::string& org,
                   const std::string& month, const storage::AuditHead& head,
                   int64_t generated_at_ms) {
  auto range = MonthRange(month);
  // (direction, organisation, purpose, legal basis, dataset, aggregates) -> counts
  std::map<std::tuple<std::string, std::string, std::string, std::string, std::string,
                      std::string>,
           Counts>
      rows;
  uint64_t first = 0, last = 0;
  for (const auto& stored : entries) {
    const storage::AuditEntry& e = stored.entry;
    if (!range.ok() || e.time_ms < range->first || e.time_ms >= range->second) continue;
    std::string direction;
    if (e.direction == "inbound" && e.operation == "peer.query") {
      direction = "received";
    } else if (e.direction == "outbound" && e.operation == "federated.query") {
      if (e.foreign_org == org) continue;  // this node's own part of its query
      direction = "sent";
    } else {
      continue;
    }
    if (first == 0) first = stored.seq;
    last = stored.seq;
    Counts& c = rows[{direction, e.foreign_org, e.processing_activity, e.legal_basis, e.dataset,
                      e.aggregates}];
    if (e.decision == "answered") {
      ++c.answered;
    } else if ((direction == "received" && RefusedByPolicy(e.reason)) ||
               (direction == "sent" && e.decision == "denied" && RefusedByPolicy(e.reason))) {
      ++c.refused_by_policy;
    } else {
      ++c.failed;
    }
  }
  json out_rows = json::array();
  Counts total;
  for (const auto& [key, c] : rows) {
    const auto& [direction, other, purpose, basis, dataset, aggregates] = key;
    out_rows.push_back({{"direction", direction},
                        {"organisation", other},
                        {"purpose", purpose},
                        {"legal_basis", basis},
                        {"dataset", dataset},
                        {"aggregates", aggregates},
                        {"answered", c.answered},
                        {"refused_by_policy", c.refused_by_policy},
                        {"failed", c.failed}});
    total.answered += c.answered;
    total.refused_by_policy += c.refused_by_policy;
    total.failed += c.failed;
  }
  return {{"register", "verbind-transparency-register/v1"},
          {"organisation", org},
          {"month", month},
          {"generated_at", common::FormatRfc3339(generated_at_ms)},
          {"audit", {{"first_seq", first}, {"last_seq", last}, {"head_seq", head.seq},
                     {"head", head.hash}}},
          {"rows", out_rows},
          {"totals", {{"answered", total.answered},
                      {"refused_by_policy", total.refused_by_policy},
                      {"failed", total.failed}}}};
}

std::string RegisterToCsv(const json& reg) {
  auto field = [](const std::string& v) {
    bool quote = v.find_first_of(";\"\r\n") != std::string::npos;
    if (!quote) return v;
    std::string out = "\"";
    for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  };
  std::string out =
      "month;direction;organisation;purpose;legal_basis;dataset;aggregates;answered;"
      "refused_by_policy;failed\r\n";
  for (const auto& r : reg["rows"]) {
    out += field(reg["month"]) + ";" + field(r["direction"]) + ";" + field(r["organisation"]) +
           ";" + field(r["purpose"]) + ";" + field(r["legal_basis"]) + ";" + field(r["dataset"]) +
           ";" + field(r["aggregates"]) + ";" + r["answered"].dump() + ";" +
           r["refused_by_policy"].dump() + ";" + r["failed"].dump() + "\r\n";
  }
  return out;
}

std::string SealRegister(const json& reg, const NodeSigner& signer) {
  Envelope e = signer.Seal(kTypeTransparencyRegister, reg.dump());
  json file = {{"verbind_transparency_register", 1},
               {"signed", json::parse(EncodeEnvelope(e))},
               {"register", reg}};
  return file.dump(2) + "\n";
}

Result<json> VerifyRegister(std::string_view file, const IdentityDocument& identity) {
  ASSIGN_OR_RETURN(json doc, common::ParseStrictJson(file, "register file"));
  if (!doc.is_object() || doc.value("verbind_transparency_register", 0) != 1 ||
      !doc.contains("signed") || !doc.contains("register")) {
    return common::InvalidArgument("not a verbind transparency register file");
  }
  ASSIGN_OR_RETURN(Envelope e, DecodeEnvelope(doc["signed"].dump()));
  if (e.type != kTypeTransparencyRegister) return common::InvalidArgument("the signed part is not a register");
  if (e.signer != identity.org_id) {
    return common::PermissionDenied("signed by " + e.signer + ", not by " + identity.org_id);
  }
  if (e.key_id != identity.signing_key_id ||
      !VerifyEnvelopeSignature(e, identity.signing_public_key)) {
    return common::PermissionDenied("the signature does not verify with the signing key of " +
                                    identity.org_id + " (" + identity.signing_key_id + ")");
  }
  ASSIGN_OR_RETURN(json signed_register, common::ParseStrictJson(e.payload, "signed register"));
  if (signed_register != doc["register"]) {
    return common::DataLoss("the readable register differs from the signed one");
  }
  if (signed_register.value("organisation", "") != e.signer) {
    return common::DataLoss("the register names another organisation than its signer");
  }
  return signed_register;
}

}  // namespace verbind::federation
