#include "common/clock.h"
#include "common/strings.h"
#include "node/route_util.h"
#include "node/routes.h"

namespace verbind::node {

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
bool ListParams(const httplib::Request& req, httplib::Response& res, uint64_t* after,
                int64_t* since_ms, std::string* peer, size_t* limit) {
  int64_t n = 0;
  if (req.has_param("after")) {
    if (!common::ParseInt64(req.get_param_value("after"), &n) || n < 0) {
      WriteError(res, common::InvalidArgument("after must be an entry number"));
      return false;
    }
    *after = static_cast<uint64_t>(n);
  }
  if (req.has_param("since") && !common::ParseRfc3339(req.get_param_value("since"), since_ms)) {
    WriteError(res, common::InvalidArgument("since must be RFC 3339, e.g. 2026-11-29T10:00:00Z"));
    return false;
  }
  *peer = req.get_param_value("peer");
  if (req.has_param("limit")) {
    if (!common::ParseInt64(req.get_param_value("limit"), &n) || n < 1 || n > 10000) {
      WriteError(res, common::InvalidArgument("limit must be 1..10000"));
      return false;
    }
    *limit = static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

void RegisterAuditRoutes(NodeServices& s, httplib::Server& api) {
  api.Get("/v1/audit", [&s](const httplib::Request& req, httplib::Response& res) {
    if (!Authorize(s, req, res, Role::kAdmin)) return;
    uint64_t after = 0;
    int64_t since = INT64_MIN;
    std::string peer;
    size_t limit = 1000;
    if (!ListParams(req, res, &after, &since, &peer, &limit)) return;
    auto entries = s.audit->List(after, since, peer, limit);
    if (!Check(res, entries.status())) return;
    json out = json::array();
    for (const auto& e : *entries) out.push_back(EntryToJson(e));
    storage::AuditHead head = s.audit->head();
    WriteJson(res, json{{"entries", out}, {"head", {{"seq", head.seq}, {"hash", head.hash}}}}.dump());
  });
  api.Get("/v1/audit/verify", [&s](const httplib::Request& req, httplib::Response& res) {
    if (!Authorize(s, req, res, Role::kAdmin)) return;
    auto report = s.audit->Verify([&s](std::string_view id) { return s.OwnPublicKey(id); });
    json out = {{"ok", report.ok},
                {"entries", report.entries},
                {"checkpoints", report.checkpoints}};
    if (!report.ok) {
      out["first_bad_seq"] = report.first_bad_seq;
      out["problem"] = report.problem;
    }
    WriteJson(res, out.dump());
  });
  api.Get("/v1/audit/export", [&s](const httplib::Request& req, httplib::Response& res) {
    if (!Authorize(s, req, res, Role::kAdmin)) return;
    // JSON lines, one entry per line, in order; streamed page by page.
    uint64_t after = 0;
    std::string out;
    for (;;) {
      auto page = s.audit->List(after, INT64_MIN, "", 5000);
      if (!Check(res, page.status())) return;
      for (const auto& e : *page) out += EntryToJson(e).dump() + "\n";
      if (page->size() < 5000) break;
      after = page->back().seq;
    }
    res.set_content(out, "application/x-ndjson");
  });
}

}  // namespace verbind::node
