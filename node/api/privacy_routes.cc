// /v1/datasets/NAME/privacy: a dataset's privacy settings (personal data or not, the budget,
// its window and the share one requester may spend) and who spent how much of the budget on
// which queries (docs/privacy.md). Changes are audited; loosening the protection needs an
// explicit "accept_higher_loss".
#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "common/clock.h"
#include "common/strings.h"
#include "node/api/internal/http_status.h"
#include "node/api/routes.h"
#include "storage/privacy_ledger.h"

namespace verbind::node {

using common::Result;
using common::Status;
using nlohmann::json;

namespace {

constexpr const char* kPath = R"(/v1/datasets/([a-z0-9._-]+)/privacy)";
constexpr size_t kChargesShown = 200;

std::string Eps(int64_t micro) { return common::FormatMicros(micro); }

json SettingsJson(const storage::DatasetPrivacy& p) {
  json j = {{"personal", p.personal},
            {"epsilon", Eps(p.budget_micro)},
            {"window_days", p.window_days},
            {"requester_share", Eps(p.requester_share_micro)},
            {"updated_by", p.updated_by}};
  j["updated_at"] = p.updated_at_ms ? json(common::FormatRfc3339(p.updated_at_ms)) : json();
  if (!p.personal) j["non_personal_reason"] = p.non_personal_reason;
  return j;
}

Result<json> PrivacyJson(const DatasetServices& s, const std::string& dataset) {
  ASSIGN_OR_RETURN(storage::DatasetPrivacy settings, s.ledger->Settings(dataset));
  int64_t now = s.clock->NowMillis();
  ASSIGN_OR_RETURN(storage::BudgetReport budget, s.ledger->Report(dataset, "", now));
  ASSIGN_OR_RETURN(auto by, s.ledger->SpentByRequester(dataset, now));
  ASSIGN_OR_RETURN(auto charges, s.ledger->Charges(dataset, kChargesShown));
  json spent = json::object();
  for (const auto& [org, micro] : by) spent[org] = Eps(micro);
  json list = json::array();
  for (const auto& c : charges) {
    list.push_back({{"time", common::FormatRfc3339(c.time_ms)},
                    {"requester", c.requester},
                    {"epsilon", Eps(c.cost_micro)},
                    {"policy", c.policy},
                    {"query", c.query},
                    {"fingerprint", c.fingerprint}});
  }
  return json{{"dataset", dataset},
              {"settings", SettingsJson(settings)},
              {"budget",
               {{"spent", Eps(budget.spent_micro)},
                {"remaining", Eps(budget.remaining_micro)},
                {"requester_share", Eps(budget.share_micro)}}},
              {"spent_by_requester", spent},
              {"charges", list}};
}

// The new settings from `body` over `current` (keys left out keep their value).
Result<storage::DatasetPrivacy> Apply(const json& body, storage::DatasetPrivacy p) {
  for (const auto& [k, v] : body.items()) {
    static const std::set<std::string> kKeys = {"personal",        "non_personal_reason",
                                                "epsilon",         "window_days",
                                                "requester_share", "accept_higher_loss"};
    if (!kKeys.count(k)) return common::InvalidArgument("unknown key " + k.substr(0, 64));
  }
  auto micros = [&](const char* key, int64_t max, int64_t* out) -> Status {
    if (!body.contains(key)) return Status::Ok();
    const json& v = body[key];
    std::string text = v.is_string() ? v.get<std::string>() : v.is_number() ? v.dump() : "";
    if (!common::ParseMicros(text, max, out)) {
      return common::InvalidArgument(std::string(key) +
                                     " must be a number with at most six "
                                     "decimals, up to " +
                                     Eps(max));
    }
    return Status::Ok();
  };
  RETURN_IF_ERROR(micros("epsilon", storage::kMaxEpsilonMicro, &p.budget_micro));
  RETURN_IF_ERROR(micros("requester_share", storage::kMicro, &p.requester_share_micro));
  if (body.contains("personal")) {
    if (!body["personal"].is_boolean())
      return common::InvalidArgument("personal must be true or false");
    p.personal = body["personal"];
  }
  if (body.contains("non_personal_reason")) {
    if (!body["non_personal_reason"].is_string()) {
      return common::InvalidArgument("non_personal_reason must be text");
    }
    p.non_personal_reason = body["non_personal_reason"];
  }
  if (p.personal) p.non_personal_reason.clear();
  if (body.contains("window_days")) {
    if (!body["window_days"].is_number_integer()) {
      return common::InvalidArgument("window_days must be a whole number of days (0: lifetime)");
    }
    p.window_days = static_cast<int>(std::clamp<int64_t>(body["window_days"], -1, 1 << 20));
  }
  RETURN_IF_ERROR(storage::ValidateDatasetPrivacy(p));
  return p;
}

// Whether `next` protects less than `current` or than the node's defaults: a higher budget, a
// longer reach of spending out of the window, a larger share, or no longer personal data.
std::string Loosening(const storage::DatasetPrivacy& current, const storage::DatasetPrivacy& next,
                      const config::PrivacyDefaults& defaults) {
  if (current.personal && !next.personal) return "marks the dataset as holding no personal data";
  if (next.budget_micro > std::max(current.budget_micro, defaults.epsilon_micro)) {
    return "raises the budget to epsilon " + Eps(next.budget_micro);
  }
  bool shorter =
      next.window_days != 0 && (current.window_days == 0 || next.window_days < current.window_days);
  if (shorter) return "shortens the window, so spending counts for less time";
  if (next.requester_share_micro >
      std::max(current.requester_share_micro, defaults.requester_share_micro)) {
    return "raises the share one requester may spend";
  }
  return "";
}

Result<HttpReply> Show(const DatasetServices& s, const ApiRequest& r) {
  const std::string& dataset = r.capture(1);
  RETURN_IF_ERROR(s.datasets->Describe(dataset).status());
  ASSIGN_OR_RETURN(json out, PrivacyJson(s, dataset));
  return JsonReply(out.dump());
}

Result<HttpReply> Update(const DatasetServices& s, const ApiRequest& r) {
  std::string dataset = r.capture(1);
  RETURN_IF_ERROR(s.datasets->Describe(dataset).status());
  HttpReply refusal;
  auto body = JsonBody(r.http, r.ctx, &refusal);
  if (!body) return refusal;
  ASSIGN_OR_RETURN(storage::DatasetPrivacy current, s.ledger->Settings(dataset));
  ASSIGN_OR_RETURN(storage::DatasetPrivacy next, Apply(*body, current));
  std::string loosening = Loosening(current, next, s.privacy_defaults);
  if (!loosening.empty() && !body->value("accept_higher_loss", false)) {
    return common::FailedPrecondition(
        "this change " + loosening + ", which lets answers reveal more about the people in " +
        dataset +
        "; repeat it with accept_higher_loss (--accept-higher-loss) to make it "
        "knowingly");
  }
  next.updated_at_ms = s.clock->NowMillis();
  next.updated_by = r.caller.name;
  // The audit entry first: a change that cannot be audited is not made.
  std::string detail = storage::DatasetPrivacyToJson(next);
  RETURN_IF_ERROR(
      s.audit->Record(r.ctx.trace_id, {.actor = r.caller.name,
                                       .operation = "dataset.privacy",
                                       .decision = loosening.empty() ? "changed" : "loosened",
                                       .detail = detail,
                                       .dataset = dataset}));
  RETURN_IF_ERROR(s.ledger->SetSettings(dataset, next));
  ASSIGN_OR_RETURN(json out, PrivacyJson(s, dataset));
  return JsonReply(out.dump());
}

}  // namespace

void RegisterPrivacyRoutes(const DatasetServices& s, Endpoints& api) {
  api.Add("GET", kPath, Role::kAdmin, BodyUse::kNone,
          [s](const ApiRequest& r) { return Show(s, r); });
  // The dataset is looked up before the body is read (404 before 415).
  api.Add("PUT", kPath, Role::kAdmin, BodyUse::kNone,
          [s](const ApiRequest& r) { return Update(s, r); });
}

}  // namespace verbind::node
