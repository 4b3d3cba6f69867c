// /v1/queries: local and federated queries, synchronous or submitted and polled, and the
// owner's audited raw answers (docs/query.md, docs/federation.md).
#include <thread>

#include "common/clock.h"
#include "federation/definition.h"
#include "federation/query_json.h"
#include "federation/receipt.h"
#include "federation/result.h"
#include "federation/sql.h"
#include "federation/transparency.h"
#include "node/api/internal/http_status.h"
#include "node/api/routes.h"

namespace verbind::node {

using common::Result;
using nlohmann::json;

namespace {

// The query of a request: SQL (with ORDER BY, LIMIT and OFFSET) or the JSON form.
Result<federation::AnalystQuery> QueryOf(const json& q) {
  if (q.is_string()) return federation::ParseAnalystSql(q.get<std::string>());
  if (q.is_object()) {
    ASSIGN_OR_RETURN(federation::Query query, federation::ParseQueryJson(q.dump()));
    return federation::AnalystQuery{std::move(query), {}};
  }
  return common::InvalidArgument("query must be SQL text or the JSON form (docs/query.md)");
}

// The query checked against this node's copy of its dataset, when it holds one: a query that
// does not fit (an unknown field, an undeclared label, a value of the wrong type) is refused
// here, with line, column and a caret for SQL, before anything is signed or sent.
common::Status CheckFitsHere(const QueryServices& s, const json& asked,
                             const federation::Query& query) {
  common::Status fits = s.answers->CheckFits(query);
  if (fits.ok() || !asked.is_string()) return fits;
  const std::string& message = fits.message();
  size_t colon = message.find(": ");
  federation::QueryIssue issue{"", message};
  if (colon != std::string::npos && message.substr(0, colon).find(' ') == std::string::npos) {
    issue = {message.substr(0, colon), message.substr(colon + 2)};
  }
  return federation::LocateSqlIssue(asked.get<std::string>(), issue);
}

json CoverageJson(const std::vector<federation::ParticipantOutcome>& outcomes) {
  json out = json::array();
  for (const auto& o : outcomes) {
    json j = {{"org_id", o.org_id}, {"status", o.status}, {"latency_ms", o.latency_ms}};
    if (!o.code.empty()) j["code"] = o.code;
    if (!o.message.empty()) j["message"] = o.message;
    if (o.definition) j["definition"] = federation::DefinitionRefToJson(*o.definition);
    if (!o.mismatches.empty()) {
      j["mismatches"] = json::array();
      for (const auto& [field, what] : o.mismatches) {
        j["mismatches"].push_back({{"field", field}, {"difference", what}});
      }
    }
    out.push_back(std::move(j));
  }
  return out;
}

// The finished result as JSON: all of it (what a receipt holds) and as the presentation shows
// it (what the response holds).
struct FinishedJson {
  json all;
  json shown;
};
Result<FinishedJson> FinishJson(const federation::PartialTable& table,
                                federation::Coverage coverage,
                                const federation::Presentation& presentation) {
  ASSIGN_OR_RETURN(federation::ResultTable finished, federation::FinishTable(table, coverage));
  FinishedJson out;
  out.all = federation::ResultToJson(finished);
  if (presentation.empty()) {
    out.shown = out.all;
    return out;
  }
  RETURN_IF_ERROR(federation::ApplyPresentation(presentation, &finished));
  out.shown = federation::ResultToJson(finished);
  return out;
}

void AuditRun(const QueryServices& s, const federation::RunRequest& r,
              const federation::RunResult& run, const std::string& actor) {
  // One entry per participant, written together: one disk flush for the run, not one each.
  std::vector<storage::AuditEntry> entries;
  const std::string aggregates =
      federation::AggregatesOf(json::parse(federation::QueryToJson(r.query)));
  for (const auto& o : run.participants) {
    storage::AuditEntry e;
    e.time_ms = s.clock->NowMillis();
    e.direction = "outbound";
    e.operation = "federated.query";
    e.trace_id = r.trace_id;
    e.operation_id = federation::NewOperationId();
    e.foreign_org = o.org_id;
    e.processing_activity = r.purpose;
    e.legal_basis = r.legal_basis;
    e.dataset = r.query.dataset;
    e.query_id = run.query_id;
    e.query_hash = run.query_hash;
    e.aggregates = aggregates;
    e.actor = actor;
    e.decision = o.status;
    e.reason = o.code.empty() ? o.message.substr(0, 300) : o.code + ": " + o.message.substr(0, 300);
    entries.push_back(std::move(e));
  }
  if (!entries.empty()) s.audit_log->AppendAll(entries).status().IgnoreError();
}

// The response of a finished run: result, how each node protected it, coverage, receipt.
json RunResponse(const QueryServices& s, const federation::RunRequest& r,
                 const federation::Presentation& presentation, const federation::RunResult& run,
                 bool want_receipt, const std::string& actor) {
  AuditRun(s, r, run, actor);
  json out = {
      {"query_id", run.query_id}, {"state", "done"}, {"coverage", CoverageJson(run.participants)}};
  out["status"] = !run.combined ? "failed" : run.complete ? "complete" : "partial";
  s.metrics->Inc("verbind_federated_queries_total",
                 "status=\"" + out["status"].get<std::string>() + "\"");
  if (!run.error.empty()) out["error"] = run.error;
  if (r.only_self) out["local"] = true;
  if (!run.combined) return out;
  const federation::PartialTable& combined = *run.combined;
  auto result = FinishJson(combined,
                           run.complete ? federation::Coverage::kEveryone
                                        : federation::Coverage::kPart,
                           presentation);
  if (!result.ok()) {
    out["status"] = "failed";
    out["error"] = result.status().message();
    return out;
  }
  out["result"] = result->shown;
  out["protection"] = combined.protection;
  if (want_receipt) {
    out["receipt"] = federation::BuildReceipt(run, combined, result->all, *s.identity->signer(),
                                              s.clock->NowSeconds());
  }
  return out;
}

Result<federation::RunRequest> RunRequestOf(const QueryServices& s, const json& body,
                                            const std::string& trace_id,
                                            federation::Presentation* presentation) {
  federation::RunRequest r;
  ASSIGN_OR_RETURN(federation::AnalystQuery asked, QueryOf(body.value("query", json())));
  RETURN_IF_ERROR(CheckFitsHere(s, body.value("query", json()), asked.query));
  r.query = std::move(asked.query);
  *presentation = std::move(asked.presentation);
  if (auto here = s.datasets->Describe(r.query.dataset); here.ok()) r.definition = here->definition;
  r.purpose = body.value("purpose", "");
  r.legal_basis = body.value("legal_basis", "");
  if (!federation::IsValidPurpose(r.purpose)) {
    return common::InvalidArgument(
        "purpose (the processing activity) is required: 1-128 of "
        "A-Z a-z 0-9 . _ - : /");
  }
  if (r.legal_basis.empty() || r.legal_basis.size() > 256) {
    return common::InvalidArgument("legal_basis is required (1-256 bytes)");
  }
  const json& peers = body.value("peers", json("all"));
  if (peers.is_array()) {
    for (const auto& p : peers) {
      if (!p.is_string()) return common::InvalidArgument("peers must be \"all\" or a list of ids");
      r.peers.push_back(p);
    }
  } else if (peers != "all") {
    return common::InvalidArgument("peers must be \"all\" or a list of organisation ids");
  }
  r.include_self = body.value("include_self", true);
  r.only_self = body.value("local", false);
  r.min_answers = body.value("min_answers", 0);
  r.deadline_ms = body.value("deadline_ms", s.default_deadline_ms);
  if (r.deadline_ms < 10 || r.deadline_ms > 600000) {
    return common::InvalidArgument("deadline_ms must be 10..600000");
  }
  r.trace_id = trace_id;
  return r;
}

// The owner's raw answer over this node's own data: exact, unprotected, never sent to anyone,
// and audited (refused when the audit log cannot be written).
Result<HttpReply> RawQuery(const QueryServices& s, const ApiRequest& r) {
  const Principal& who = r.caller;
  if (!RoleAllows(who.role, Role::kOwner)) {
    return common::PermissionDenied("raw answers need an owner token; " + who.name + " is an " +
                                    std::string(RoleName(who.role)) +
                                    " (local queries without raw are protected like a peer's "
                                    "answer)");
  }
  if (!r.body.value("local", false)) {
    return common::InvalidArgument("raw answers are for this node's own data: set \"local\": true");
  }
  ASSIGN_OR_RETURN(federation::AnalystQuery asked, QueryOf(r.body.value("query", json())));
  RETURN_IF_ERROR(CheckFitsHere(s, r.body.value("query", json()), asked.query));
  const federation::Query& query = asked.query;
  auto table = s.answers->AnswerRaw(query);
  if (table.status().code() == common::StatusCode::kResourceExhausted ||
      table.status().code() == common::StatusCode::kDeadlineExceeded) {
    return ErrorReply(r.ctx, 422, "too_expensive", table.status().message());
  }
  RETURN_IF_ERROR(table.status());
  ASSIGN_OR_RETURN(FinishedJson finished,
                   FinishJson(*table, federation::Coverage::kEveryone, asked.presentation));
  const json& result = finished.shown;
  RETURN_IF_ERROR(
      s.audit->Record(r.ctx.trace_id, {.actor = who.name,
                                       .operation = "local.query.raw",
                                       .decision = "answered",
                                       .detail = federation::QueryToJson(query).substr(0, 2000),
                                       .dataset = query.dataset}));
  return JsonReply(json{{"state", "done"},
                        {"status", "complete"},
                        {"local", true},
                        {"raw", true},
                        {"result", result},
                        {"protection", table->protection}}
                       .dump());
}

Result<HttpReply> StartQuery(const QueryServices& s, const ApiRequest& r) {
  if (r.body.value("raw", false)) return RawQuery(s, r);
  federation::Presentation presentation;
  ASSIGN_OR_RETURN(federation::RunRequest request,
                   RunRequestOf(s, r.body, r.ctx.trace_id, &presentation));
  bool want_receipt = r.body.value("receipt", false);
  std::string id = federation::NewOperationId() + federation::NewOperationId();
  auto state = s.runs->Start(id, r.caller.name, s.clock->NowMillis());
  // Runs in the background past this request, so it holds copies, not references.
  auto work = [s, state, request, presentation, want_receipt, actor = r.caller.name] {
    federation::RunResult run = s.coordinator->Run(request, &state->progress);
    json response = RunResponse(s, request, presentation, run, want_receipt, actor);
    response["id"] = state->id;
    std::lock_guard<std::mutex> lock(state->mu);
    state->response = std::move(response);
    state->done = true;
  };
  if (r.body.value("async", false)) {
    s.runs->BackgroundStarted();
    std::thread([runs = s.runs, work] {
      work();
      runs->BackgroundFinished();
    }).detach();
    return JsonReply(json{{"id", id}, {"state", "running"}, {"poll", "/v1/queries/" + id}}.dump(),
                     202);
  }
  work();
  std::lock_guard<std::mutex> lock(state->mu);
  if (!state->response.contains("query_id") || state->response["query_id"] == "") {
    // Nothing was sent: the request itself names what cannot be asked.
    return common::InvalidArgument(state->response.value("error", "nothing to ask"));
  }
  return JsonReply(state->response.dump());
}

Result<HttpReply> PollQuery(const QueryServices& s, const ApiRequest& r) {
  auto state = s.runs->Find(r.capture(1));
  if (!state ||
      (!RoleAllows(r.caller.role, Role::kAdmin) && state->requested_by != r.caller.name)) {
    return common::NotFound("no query run " + r.capture(1));
  }
  std::lock_guard<std::mutex> lock(state->mu);
  if (state->done) return JsonReply(state->response.dump());
  return JsonReply(json{{"id", state->id},
                        {"state", "running"},
                        {"coverage", CoverageJson(state->progress.Snapshot())}}
                       .dump());
}

}  // namespace

void RegisterQueryRoutes(const QueryServices& s, Endpoints& api) {
  api.Add("POST", "/v1/queries", Role::kAnalyst, BodyUse::kJson,
          [s](const ApiRequest& r) { return StartQuery(s, r); });
  api.Add("GET", R"(/v1/queries/([0-9a-f]{32}))", Role::kAnalyst, BodyUse::kNone,
          [s](const ApiRequest& r) { return PollQuery(s, r); });
}

}  // namespace verbind::node
