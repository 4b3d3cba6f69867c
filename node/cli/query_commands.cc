// `verbind query` and `verbind receipt verify`: local and federated queries as a client of the
// local API, and receipts checked offline (docs/query.md, docs/federation.md).
#include <dirent.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "common/files.h"
#include "common/strings.h"
#include "federation/receipt.h"
#include "federation/result.h"
#include "node/cli/internal/commands.h"

namespace verbind::node {

using common::Status;
using nlohmann::json;

namespace {

struct QueryArgs {
  std::string query;
  std::string purpose;
  std::string legal_basis;
  std::string peers = "all";
  std::string format = "table";
  std::string receipt;
  std::string coverage_file;
  int min_answers = 0;
  int deadline_ms = 0;
  bool local = false;
  bool raw = false;
  bool no_self = false;
  bool async = false;
  bool require_complete = false;
};

// Exit status of a query whose result is printed but does not cover every organisation asked
// (docs/query.md, "Exit status").
constexpr int kExitPartial = 3;

// A ResultTable rebuilt from the API's result JSON for text and CSV rendering.
federation::ResultTable TableOf(const json& result) {
  federation::ResultTable t;
  for (const auto& c : result["columns"]) {
    t.columns.push_back({c.value("name", ""),
                         c.value("role", "") == "group"
                             ? federation::ResultColumn::Role::kGroup
                             : federation::ResultColumn::Role::kAggregate,
                         c.value("function", "")});
  }
  for (const auto& r : result["rows"]) {
    federation::ResultRow row;
    row.key = r["key"].get<std::vector<json>>();
    for (size_t i = 0; i < r["values"].size(); ++i) {
      federation::ResultValue v;
      v.value = r["values"][i];
      std::string status = r["value_status"][i].get<std::string>();
      if (status == "withheld") v.status = federation::ValueStatus::kWithheld;
      if (status == "incomplete") v.status = federation::ValueStatus::kIncomplete;
      row.values.push_back(v);
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

void PrintCoverage(const json& r) {
  std::fprintf(stdout, "\ncoverage: %s\n", r.value("status", "").c_str());
  for (const auto& c : r.value("coverage", json::array())) {
    std::string detail = c.value("code", "");
    if (c.contains("message"))
      detail += (detail.empty() ? "" : ": ") + c["message"].get<std::string>();
    std::fprintf(stdout, "  %-24s %-15s %7.1f ms  %s\n", c.value("org_id", "").c_str(),
                 c.value("status", "").c_str(), c.value("latency_ms", 0.0),
                 detail.substr(0, 160).c_str());
  }
  if (r.contains("error"))
    std::fprintf(stdout, "error: %s\n", r["error"].get<std::string>().c_str());
}

// The coverage as CSV rows: org_id,status,code,message,latency_ms (RFC 4180 quoting).
std::string CoverageCsv(const json& r) {
  auto field = [](std::string text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  };
  std::string out = "org_id,status,code,message,latency_ms\r\n";
  for (const auto& c : r.value("coverage", json::array())) {
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f", c.value("latency_ms", 0.0));
    out += field(c.value("org_id", "")) + "," + field(c.value("status", "")) + "," +
           field(c.value("code", "")) + "," + field(c.value("message", "")) + "," + ms + "\r\n";
  }
  return out;
}

// The run's status and coverage as comment lines after a CSV result ("# " before each line).
std::string CoverageComment(const json& r) {
  std::string out = "# run: " + r.value("status", std::string()) + "\r\n";
  const std::string rows = CoverageCsv(r);
  for (const auto& line : common::Split(rows, '\n')) {
    std::string_view text = common::Trim(line);
    if (!text.empty()) out += "# " + std::string(text) + "\r\n";
  }
  return out;
}

// The organisations whose part is missing, as "org (status)" joined by ", ".
std::string Missing(const json& r) {
  std::string out;
  for (const auto& c : r.value("coverage", json::array())) {
    if (c.value("status", "") == "answered") continue;
    out += (out.empty() ? "" : ", ") + c.value("org_id", std::string()) + " (" +
           c.value("status", std::string()) + ")";
  }
  return out;
}

// Prints the response in the chosen format; `*exit_code` becomes kExitPartial when a result
// was printed that does not cover every organisation asked.
Status PrintResult(const json& r, const QueryArgs& a, int* exit_code) {
  const std::string status = r.value("status", "");
  if (status == "failed") {
    if (a.format == "table") PrintCoverage(r);
    return common::Unavailable("the query failed: " + r.value("error", std::string("no result")));
  }
  const bool partial = status == "partial";
  if (partial && a.require_complete) {
    if (a.format == "table") PrintCoverage(r);
    return common::Unavailable("the result is partial and --require-complete was given: no "
                               "answer from " + Missing(r));
  }
  if (a.format == "json") {
    json copy = r;
    copy.erase("receipt");
    std::printf("%s\n", copy.dump(2).c_str());
  } else if (r.contains("result")) {
    federation::ResultTable t = TableOf(r["result"]);
    std::printf("%s", a.format == "csv" ? federation::RenderCsv(t).c_str()
                                        : federation::RenderTextTable(t).c_str());
  }
  if (a.format == "table" && !r.value("local", false)) PrintCoverage(r);
  if (a.format == "csv" && a.coverage_file.empty()) std::printf("%s", CoverageComment(r).c_str());
  if (!a.coverage_file.empty()) {
    RETURN_IF_ERROR(common::WriteFileAtomic(a.coverage_file, CoverageCsv(r), 0644));
  }
  if (!a.receipt.empty() && r.contains("receipt")) {
    RETURN_IF_ERROR(common::WriteFileAtomic(a.receipt, r["receipt"].get<std::string>(), 0644));
    std::fprintf(stderr, "receipt written to %s\n", a.receipt.c_str());
  }
  if (partial) {
    std::fprintf(stderr, "verbind: PARTIAL result: no answer from %s (exit status %d)\n",
                 Missing(r).c_str(), kExitPartial);
    *exit_code = kExitPartial;
  }
  return Status::Ok();
}

json Body(const QueryArgs& a) {
  json q;
  if (auto file = common::ReadFile(a.query, 1 << 20); file.ok()) {
    json j = json::parse(*file, nullptr, false);
    q = j.is_object() ? j : json(*file);
  } else {
    q = a.query;
  }
  json body = {{"query", q},      {"local", a.local},           {"receipt", !a.receipt.empty()},
               {"raw", a.raw},    {"include_self", !a.no_self}, {"min_answers", a.min_answers},
               {"async", a.async}};
  if (!a.purpose.empty()) body["purpose"] = a.purpose;
  if (!a.legal_basis.empty()) body["legal_basis"] = a.legal_basis;
  if (a.deadline_ms > 0) body["deadline_ms"] = a.deadline_ms;
  if (a.peers == "all") {
    body["peers"] = "all";
  } else {
    json list = json::array();
    for (auto p : common::Split(a.peers, ',')) list.push_back(std::string(common::Trim(p)));
    body["peers"] = list;
  }
  return body;
}

Status RunQuery(ApiCaller& api, const QueryArgs& a, int* exit_code) {
  json body = Body(a);
  ASSIGN_OR_RETURN(json r, api.Call("POST", "/v1/queries", &body));
  while (r.value("state", "done") == "running") {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::string id = r.value("id", "");
    ASSIGN_OR_RETURN(r, api.Call("GET", "/v1/queries/" + id));
    if (r.value("state", "") == "running") {
      int answered = 0;
      for (const auto& c : r["coverage"]) answered += c["status"] != "pending";
      std::fprintf(stderr, "\r%d of %zu nodes done", answered, r["coverage"].size());
    }
  }
  return PrintResult(r, a, exit_code);
}

// Identity documents from files and folders (every *.json in a folder).
common::Result<std::map<std::string, std::vector<federation::IdentityDocument>>> LoadIdentities(
    const std::vector<std::string>& paths) {
  std::map<std::string, std::vector<federation::IdentityDocument>> out;
  std::vector<std::string> files;
  for (const auto& p : paths) {
    struct stat st;
    if (::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      if (DIR* d = ::opendir(p.c_str())) {
        while (dirent* e = ::readdir(d)) {
          std::string name = e->d_name;
          if (name.size() > 5 && name.substr(name.size() - 5) == ".json")
            files.push_back(p + "/" + name);
        }
        ::closedir(d);
      }
    } else {
      files.push_back(p);
    }
  }
  for (const auto& f : files) {
    ASSIGN_OR_RETURN(std::string text, common::ReadFile(f, 1 << 20));
    auto doc = federation::ParseIdentityDocument(text);
    if (!doc.ok()) return doc.status().WithContext(f);
    std::string org = doc->org_id;
    out[org].push_back(std::move(doc).value());
  }
  return out;
}

}  // namespace

void AddQueryCommands(CLI::App& app, GlobalsPtr g, CliAction* action) {
  auto a = std::make_shared<QueryArgs>();
  auto* q = app.add_subcommand("query", "Ask a federated (or --local) aggregate query");
  q->add_option("QUERY", a->query, "SQL (docs/query.md), or a file with SQL or the JSON form")
      ->required();
  q->add_option("--purpose", a->purpose, "Processing activity id the query serves");
  q->add_option("--legal-basis", a->legal_basis, "Legal basis of the processing");
  q->add_option("--peers", a->peers, "all, or a comma-separated list of organisation ids")
      ->capture_default_str();
  q->add_option("--format", a->format, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  q->add_option("--receipt", a->receipt, "Write a verifiable receipt to FILE");
  q->add_option("--min-answers", a->min_answers, "Fail unless this many organisations answer");
  q->add_flag("--require-complete", a->require_complete,
              "Fail (exit status 1, no result) unless every organisation asked answers");
  q->add_option("--coverage", a->coverage_file,
                "Write the run's coverage to FILE as CSV (with --format csv: instead of the "
                "trailing comment block)");
  q->add_option("--deadline-ms", a->deadline_ms, "Deadline of the run (default from the config)");
  q->add_flag("--local", a->local,
              "Only this node's own data, protected as a peer's answer would be (its own "
              "sharing policies must grant this organisation)");
  q->add_flag("--raw", a->raw,
              "With --local and an owner token: exact values without protection (audited)");
  q->add_flag("--no-self", a->no_self, "Do not include this node's own data");
  q->add_flag("--async", a->async, "Submit and poll, showing the nodes' progress");
  q->callback([=] {
    *action = [=] {
      if (a->raw && !a->local) {
        std::fprintf(stderr,
                     "verbind: --raw answers from this node's own data only: add --local\n");
        return 2;
      }
      if (!a->raw && (a->purpose.empty() || a->legal_basis.empty())) {
        std::fprintf(stderr,
                     "verbind: a query needs --purpose and --legal-basis (the processing "
                     "it serves is checked against the sharing policies)\n");
        return 2;
      }
      int partial = 0;
      int code = WithApi(*g, [&](ApiCaller& api) { return RunQuery(api, *a, &partial); });
      return code != 0 ? code : partial;
    };
  });
  auto* receipt = app.add_subcommand("receipt", "Check receipts offline")->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto ids = std::make_shared<std::vector<std::string>>();
  auto* verify = receipt->add_subcommand(
      "verify", "Check every signature in a receipt and recompute its combination");
  verify->add_option("FILE", *file, "Receipt file")->required();
  verify->add_option("--identities", *ids, "Identity documents: files or folders of *.json")
      ->required();
  verify->callback([=] {
    *action = [=] {
      auto text = common::ReadFile(*file, 256u << 20);
      if (!text.ok()) return Report(text.status());
      auto identities = LoadIdentities(*ids);
      if (!identities.ok()) return Report(identities.status());
      auto check = federation::VerifyReceipt(
          *text, *identities,
          [](const federation::PartialTable& t,
             federation::Coverage coverage) -> common::Result<json> {
            ASSIGN_OR_RETURN(federation::ResultTable r, federation::FinishTable(t, coverage));
            return federation::ResultToJson(r);
          });
      for (const auto& line : check.lines) std::printf("  %s\n", line.c_str());
      if (!check.ok) {
        std::fprintf(stderr, "verbind: receipt INVALID: %s\n", check.error.c_str());
        return 1;
      }
      std::printf("receipt valid\n");
      return 0;
    };
  });
}

}  // namespace verbind::node
