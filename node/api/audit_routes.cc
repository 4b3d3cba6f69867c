// /v1/audit: list, verify and export the audit log (admin; docs/audit.md).
#include "common/clock.h"
#include "common/strings.h"
#include "node/api/internal/http_status.h"
#include "node/api/routes.h"

namespace verbind::node {

using common::Result;
using nlohmann::json;

namespace {

json EntryToJson(const storage::StoredAuditEntry& e) {
  json j = json::parse(storage::AuditEntryToJson(e.entry));
  j["seq"] = e.seq;
  j["hash"] = e.hash;
  j["time"] = common::FormatRfc3339(e.entry.time_ms);
  return j;
}

// Query parameters of GET /v1/audit: after (seq), since (RFC 3339), peer, limit.
struct ListParams {
  uint64_t after = 0;
  int64_t since_ms = INT64_MIN;
  std::string peer;
  size_t limit = 1000;
};

Result<ListParams> ListParamsOf(const QueryParams& q) {
  ListParams p;
  int64_t n = 0;
  if (q.Has("after")) {
    if (!common::ParseInt64(q.Get("after"), &n) || n < 0) {
      return common::InvalidArgument("after must be an entry number");
    }
    p.after = static_cast<uint64_t>(n);
  }
  if (q.Has("since") && !common::ParseRfc3339(q.Get("since"), &p.since_ms)) {
    return common::InvalidArgument("since must be RFC 3339, e.g. 2026-11-29T10:00:00Z");
  }
  p.peer = q.Get("peer");
  if (q.Has("limit")) {
    if (!common::ParseInt64(q.Get("limit"), &n) || n < 1 || n > 10000) {
      return common::InvalidArgument("limit must be 1..10000");
    }
    p.limit = static_cast<size_t>(n);
  }
  return p;
}

Result<HttpReply> List(const AuditServices& s, const ApiRequest& r) {
  ASSIGN_OR_RETURN(ListParams p, ListParamsOf(r.http.query));
  ASSIGN_OR_RETURN(auto entries, s.log->List(p.after, p.since_ms, p.peer, p.limit));
  json out = json::array();
  for (const auto& e : entries) out.push_back(EntryToJson(e));
  storage::AuditHead head = s.log->head();
  return JsonReply(
      json{{"entries", out}, {"head", {{"seq", head.seq}, {"hash", head.hash}}}}.dump());
}

Result<HttpReply> Verify(const AuditServices& s) {
  auto report = s.log->Verify([&s](std::string_view id) { return s.identity->PublicKey(id); });
  json out = {{"ok", report.ok}, {"entries", report.entries}, {"checkpoints", report.checkpoints}};
  if (!report.ok) {
    out["first_bad_seq"] = report.first_bad_seq;
    out["problem"] = report.problem;
  }
  return JsonReply(out.dump());
}

// JSON lines, one entry per line, in order, read page by page.
Result<HttpReply> Export(const AuditServices& s) {
  uint64_t after = 0;
  std::string out;
  for (;;) {
    ASSIGN_OR_RETURN(auto page, s.log->List(after, INT64_MIN, "", 5000));
    for (const auto& e : page) out += EntryToJson(e).dump() + "\n";
    if (page.size() < 5000) break;
    after = page.back().seq;
  }
  return HttpReply{.content_type = "application/x-ndjson", .body = std::move(out)};
}

}  // namespace

void RegisterAuditRoutes(const AuditServices& s, Endpoints& api) {
  api.Add("GET", "/v1/audit", Role::kAdmin, BodyUse::kNone,
          [s](const ApiRequest& r) { return List(s, r); });
  api.Add("GET", "/v1/audit/verify", Role::kAdmin, BodyUse::kNone,
          [s](const ApiRequest&) { return Verify(s); });
  api.Add("GET", "/v1/audit/export", Role::kAdmin, BodyUse::kNone,
          [s](const ApiRequest&) { return Export(s); });
}

}  // namespace verbind::node
