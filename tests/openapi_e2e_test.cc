// docs/openapi.yaml stays honest: every operation it documents is routed by a real node, every
// route the node serves is documented, and the node's real answers (status, content type and
// JSON body) match the document's response schemas.
//
// Reading the document: it keeps one layout on purpose (its header says so), so a few lines of
// C++ read it without a YAML library. Under the top-level "paths:" line, a path is a line of
// exactly two spaces, the path and a colon ("  /v1/peers/{org_id}:"); its operations are lines
// of exactly four spaces, a lower-case HTTP method and a colon ("    get:"); a path served by the
// peer listener also has a "    servers:" line and starts with /v1/peer/. The section ends at
// the next line that starts at column 0.
//
// When python3 with PyYAML (Debian python3-yaml) is present, the document is also parsed as
// YAML and checked as OpenAPI 3.0.3 by tests/openapi_check.py (structure, $refs, path
// parameters, unique operation ids, and every example against its schema), and the answers
// recorded by AnswersMatchTheDocument are validated against the documented schemas. Without it
// those parts are skipped.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cctype>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/files.h"
#include "common/strings.h"
#include "node/net/http_client.h"
#include "tests/node_harness.h"

namespace verbind::testing {
namespace {

using nlohmann::json;

const std::string kDocument = std::string(VERBIND_SOURCE_DIR) + "/docs/openapi.yaml";

// OpenAPI 3.0 checks and a schema validator for the subset the document uses (exit status 0:
// fine; 1: problems, printed; 77: PyYAML is missing).
const std::string kCheckScript = std::string(VERBIND_SOURCE_DIR) + "/tests/openapi_check.py";

struct Operation {
  std::string method;  // upper case
  std::string path;    // template, e.g. /v1/peers/{org_id}
  bool peer = false;   // served by the peer listener
};

struct Document {
  std::vector<Operation> operations;
  std::map<std::string, bool> has_servers;  // per path
};

Document ReadDocument() {
  Document d;
  auto text = common::ReadFile(kDocument, 16 << 20);
  EXPECT_TRUE(text.ok()) << kDocument;
  if (!text.ok()) return d;
  static const std::regex kPath(R"(^  (/[^ :]*):\s*$)");
  static const std::regex kMethod(R"(^    (get|put|post|delete|patch|head|options|trace):\s*$)");
  bool in_paths = false;
  std::string path;
  for (auto line_view : common::Split(*text, '\n')) {
    std::string line(line_view);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] != ' ' && line[0] != '#') in_paths = line == "paths:";
    if (!in_paths) continue;
    std::smatch m;
    if (std::regex_match(line, m, kPath)) {
      path = m[1];
      d.has_servers[path] = false;
    } else if (!path.empty() && line == "    servers:") {
      d.has_servers[path] = true;
    } else if (!path.empty() && std::regex_match(line, m, kMethod)) {
      std::string method = m[1];
      for (char& ch : method) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      d.operations.push_back({method, path, common::StartsWith(path, "/v1/peer/")});
    }
  }
  return d;
}

// A concrete path for a template: {run_id} gets 32 hex digits, other parameters a valid name.
std::string Concrete(const std::string& path) {
  static const std::regex kParam(R"(\{([a-z_]+)\})");
  std::string out;
  auto begin = std::sregex_iterator(path.begin(), path.end(), kParam);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out += path.substr(last, it->position() - last);
    out += (*it)[1] == "run_id"    ? "0123456789abcdef0123456789abcdef"
           : (*it)[1] == "version" ? "1"
           : (*it)[1] == "month"   ? "2026-11"
                                   : "openapi-probe";
    last = it->position() + it->length();
  }
  return out + path.substr(last);
}

// True when the document has `method` on a template matching the concrete `path`.
bool Documented(const Document& d, const std::string& method, const std::string& path) {
  for (const auto& op : d.operations) {
    if (op.method != method) continue;
    std::string pattern = std::regex_replace(op.path, std::regex(R"(\{[a-z_]+\})"), "[^/]+");
    if (std::regex_match(path, std::regex(pattern))) return true;
  }
  return false;
}

struct Answer {
  int status = -1;
  std::string content_type;
  std::string body;
};

// Did the node route the request to a handler? The router answers anything else with
// 404 {"code":"not_found","message":"no such endpoint",...}.
bool Routed(const Answer& a) {
  return !(a.status == 404 && a.body.find("\"no such endpoint") != std::string::npos);
}

// Every route the node registers (node/api/*_routes.cc), as concrete requests.
const std::vector<std::pair<std::string, std::string>> kKnownApiRoutes = {
    {"GET", "/healthz"},
    {"GET", "/readyz"},
    {"GET", "/metrics"},
    {"GET", "/v1/identity"},
    {"POST", "/v1/keys/rotate"},
    {"GET", "/v1/tokens"},
    {"POST", "/v1/tokens"},
    {"DELETE", "/v1/tokens/probe"},
    {"GET", "/v1/peers"},
    {"POST", "/v1/peers"},
    {"GET", "/v1/peers/probe"},
    {"PUT", "/v1/peers/probe"},
    {"DELETE", "/v1/peers/probe"},
    {"POST", "/v1/peers/probe/suspend"},
    {"POST", "/v1/peers/probe/resume"},
    {"POST", "/v1/peers/probe/revoke"},
    {"POST", "/v1/peers/probe/check"},
    {"GET", "/v1/audit"},
    {"GET", "/v1/audit/verify"},
    {"GET", "/v1/audit/export"},
    {"GET", "/v1/policies"},
    {"POST", "/v1/policies"},
    {"POST", "/v1/policies/explain"},
    {"GET", "/v1/policies/probe"},
    {"DELETE", "/v1/policies/probe"},
    {"POST", "/v1/queries"},
    {"GET", "/v1/queries/00000000000000000000000000000000"},
    {"GET", "/v1/datasets"},
    {"POST", "/v1/datasets"},
    {"GET", "/v1/datasets/probe"},
    {"DELETE", "/v1/datasets/probe"},
    {"POST", "/v1/datasets/probe/records"},
    {"POST", "/v1/datasets/probe/erase"},
    {"GET", "/v1/datasets/probe/privacy"},
    {"PUT", "/v1/datasets/probe/privacy"},
    {"GET", "/v1/definitions"},
    {"POST", "/v1/definitions"},
    {"POST", "/v1/definitions/adopt"},
    {"GET", "/v1/definitions/probe/probe/1"},
    {"GET", "/v1/definitions/probe/probe/latest"},
    {"GET", "/v1/transparency/2026-11"},
    {"POST", "/v1/backup/checkpoint"},
    {"GET", "/public/v1/transparency/2026-11"},
};
const std::vector<std::pair<std::string, std::string>> kKnownPeerRoutes = {
    {"GET", "/v1/peer/identity"},
    {"POST", "/v1/peer/query"},
    {"POST", "/v1/peer/announce"},
    {"GET", "/v1/peer/definitions/probe"},
    {"GET", "/v1/peer/definitions/probe/1"},
};

class OpenApi : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = FreshDir(std::string("openapi-") +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    a_ = TestNode::Create(root_, "gemeente-a");
    b_ = TestNode::Create(root_, "uwv-b");
    ASSERT_TRUE(a_ && b_);
    ASSERT_TRUE(a_->Start().ok()) << a_->Log();
    ASSERT_TRUE(b_->Start().ok()) << b_->Log();
    a_->Pin(*b_, {"uitvoering"});
    b_->Pin(*a_);
    doc_ = ReadDocument();
  }

  // A request to A's local API; `token` empty: the CLI (admin) token; "-": none.
  Answer Api(const std::string& method, const std::string& path, const std::string& body = "",
             const std::string& content_type = "application/json", std::string token = "",
             const node::Headers& extra = {}) {
    node::HttpClient c(node::Endpoint{false, "127.0.0.1", a_->api_port()}, nullptr, {});
    node::Headers h;
    if (token.empty()) {
      auto t = common::ReadFile(a_->dir() + "/run/cli.token");
      token = t.ok() ? std::string(common::Trim(*t)) : "";
    }
    if (token != "-") h.push_back({"Authorization", "Bearer " + token});
    if (!content_type.empty()) h.push_back({"Content-Type", content_type});
    h.insert(h.end(), extra.begin(), extra.end());
    return Record(method, path, c.Request(method, path, h, body, node::After(30000)));
  }

  // A request to A's peer listener over mutual TLS, as B.
  Answer Peer(const std::string& method, const std::string& path, const std::string& body = "",
              const std::string& content_type = "application/json") {
    node::HttpClient c(node::Endpoint{true, "127.0.0.1", a_->peer_port()}, b_->ClientTls(),
                       {a_->TlsFingerprint()});
    node::Headers h;
    if (!content_type.empty()) h.push_back({"Content-Type", content_type});
    return Record(method, path, c.Request(method, path, h, body, node::After(30000)));
  }

  // A request to B's local API (setting B up; not recorded).
  std::pair<int, std::string> OnB(const std::string& method, const std::string& path,
                                  const std::string& body = "") {
    return b_->Call(method, path, body);
  }

  Answer Record(const std::string& method, const std::string& path,
                const common::Result<node::HttpResponse>& r) {
    Answer a;
    if (!r.ok()) {
      a.body = r.status().ToString();
      return a;
    }
    a.status = r->status;
    if (auto ct = r->head.Header("Content-Type")) a.content_type = std::string(*ct);
    a.body = r->body;
    if (recording_) {
      samples_ += json{{"method", method},
                       {"path", path},
                       {"status", a.status},
                       {"content_type", a.content_type},
                       {"body", a.body}}
                      .dump() +
                  "\n";
    }
    return a;
  }

  std::string root_;
  std::unique_ptr<TestNode> a_, b_;
  Document doc_;
  bool recording_ = false;
  std::string samples_;
};

// Runs the check script; returns its exit status (77: skip) and output.
std::pair<int, std::string> RunCheck(const std::string& dir, const std::string& samples) {
  std::string args = "'" + kCheckScript + "' '" + kDocument + "'";
  if (!samples.empty()) {
    std::string file = dir + "/answers.jsonl";
    EXPECT_TRUE(common::WriteFileAtomic(file, samples, 0644).ok());
    args += " '" + file + "'";
  }
  if (std::system("python3 -c 'import yaml' > /dev/null 2>&1") != 0) return {77, ""};
  std::string out_file = dir + "/check.out";
  int rc = std::system(("python3 " + args + " > '" + out_file + "' 2>&1").c_str());
  auto out = common::ReadFile(out_file);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out.ok() ? *out : ""};
}

TEST(OpenApiDocument, IsWellFormedOpenApi303) {
  Document d = ReadDocument();
  // The line reader found the document's operations (both listeners).
  ASSERT_GE(d.operations.size(), 30u);
  std::set<std::string> with_operations;
  for (const auto& op : d.operations) with_operations.insert(op.path);
  for (const auto& [path, servers] : d.has_servers) {
    EXPECT_TRUE(with_operations.count(path)) << path << " has no operation";
    // Peer-listener paths name their server; local API paths use the document's default.
    EXPECT_EQ(servers, common::StartsWith(path, "/v1/peer/")) << path;
  }
  auto [rc, out] = RunCheck(FreshDir("openapi-document"), "");
  if (rc == 77) GTEST_SKIP() << "python3 with PyYAML (python3-yaml) is not installed";
  EXPECT_EQ(rc, 0) << out;
}

TEST_F(OpenApi, EveryDocumentedOperationIsRouted) {
  ASSERT_FALSE(doc_.operations.empty());
  for (const auto& op : doc_.operations) {
    std::string path = Concrete(op.path);
    std::string body = op.method == "POST" || op.method == "PUT" ? "{}" : "";
    Answer a = op.peer ? Peer(op.method, path, body) : Api(op.method, path, body);
    ASSERT_GT(a.status, 0) << op.method << " " << path << ": " << a.body;
    EXPECT_TRUE(Routed(a)) << op.method << " " << op.path << " is documented but not served on the "
                           << (op.peer ? "peer listener" : "local API");
    // ... and only on its own listener.
    Answer other = op.peer ? Api(op.method, path, body) : Peer(op.method, path, body);
    EXPECT_FALSE(Routed(other)) << op.method << " " << op.path << " is also served on the "
                                << (op.peer ? "local API" : "peer listener");
  }
}

TEST_F(OpenApi, EveryRouteIsDocumented) {
  for (const auto& [method, path] : kKnownApiRoutes) {
    EXPECT_TRUE(Routed(Api(method, path, method == "POST" || method == "PUT" ? "{}" : "")))
        << method << " " << path << " is in this test's list but not served";
    EXPECT_TRUE(Documented(doc_, method, path)) << method << " " << path << " is not documented";
  }
  for (const auto& [method, path] : kKnownPeerRoutes) {
    EXPECT_TRUE(Routed(Peer(method, path, method == "POST" ? "{}" : "")))
        << method << " " << path << " is in this test's list but not served";
    EXPECT_TRUE(Documented(doc_, method, path)) << method << " " << path << " is not documented";
  }
  // Any other method on a documented path that the node serves must be documented too.
  std::set<std::pair<bool, std::string>> paths;
  for (const auto& op : doc_.operations) paths.insert({op.peer, Concrete(op.path)});
  for (const auto& p : std::vector<std::string>{"/", "/v1", "/v1/peer", "/v1/keys"}) {
    paths.insert({false, p});
    paths.insert({true, p});
  }
  for (const auto& [peer, path] : paths) {
    for (const char* method : {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
      std::string body = std::string(method) == "GET" ? "" : "{}";
      Answer a = peer ? Peer(method, path, body) : Api(method, path, body);
      if (Routed(a)) {
        EXPECT_TRUE(Documented(doc_, method, path))
            << method << " " << path << " is served (" << a.status << ") but not documented";
      }
    }
  }
}

TEST_F(OpenApi, AnswersMatchTheDocument) {
  std::string analyst = a_->analyst_token;
  recording_ = true;
  // System.
  Api("GET", "/healthz", "", "", "-");
  Api("GET", "/readyz", "", "", "-");
  Api("GET", "/metrics", "", "", "-");
  Api("GET", "/v1/identity");
  Api("GET", "/v1/identity", "", "", analyst);
  Api("GET", "/v1/identity", "", "", "-");
  Api("GET", "/v1/identity", "", "", "vbt_not-a-token");
  // Tokens.
  Api("GET", "/v1/tokens");
  Api("GET", "/v1/tokens", "", "", analyst);
  EXPECT_EQ(Api("POST", "/v1/tokens", R"({"name":"jan","role":"analyst"})").status, 201);
  EXPECT_EQ(Api("POST", "/v1/tokens", R"({"name":"jan","role":"analyst"})").status, 409);
  EXPECT_EQ(Api("POST", "/v1/tokens", R"({"name":"Jan","role":"analyst"})").status, 400);
  EXPECT_EQ(Api("POST", "/v1/tokens", R"({"name":"k","role":"root"})").status, 400);
  EXPECT_EQ(Api("POST", "/v1/tokens", R"({"name":"k","role":"admin"})", "text/plain").status, 415);
  EXPECT_EQ(Api("POST", "/v1/tokens", "[1]").status, 400);
  EXPECT_EQ(Api("DELETE", "/v1/tokens/jan", "", "").status, 204);
  EXPECT_EQ(Api("DELETE", "/v1/tokens/jan", "", "").status, 404);
  // Framing refusals (before any handler).
  EXPECT_EQ(Api("POST", "/v1/tokens", std::string(1100000, 'x')).status, 413);
  EXPECT_EQ(Api("POST", "/v1/tokens", "{}", "application/json", "", {{"Content-Encoding", "gzip"}})
                .status,
            415);
  EXPECT_EQ(
      Api("POST", "/v1/tokens", "{}", "application/json", "", {{"Transfer-Encoding", "chunked"}})
          .status,
      400);
  EXPECT_EQ(Api("GET", "/v1/tokens", "", "", "", {{"X-Padding", std::string(17000, 'p')}}).status,
            431);
  // Peers (B is pinned in SetUp; C is only initialised).
  std::unique_ptr<TestNode> c = TestNode::Create(root_, "cbs-c");
  ASSERT_TRUE(c);
  json add_c = {{"identity", json::parse(c->IdentityJson())}};
  EXPECT_EQ(Api("POST", "/v1/peers", add_c.dump()).status, 201);
  EXPECT_EQ(Api("POST", "/v1/peers", add_c.dump()).status, 409);
  EXPECT_EQ(Api("POST", "/v1/peers", "{}").status, 400);
  EXPECT_EQ(Api("POST", "/v1/peers", json{{"identity", a_->IdentityJson()}}.dump()).status, 400);
  Api("GET", "/v1/peers");
  Api("GET", "/v1/peers", "", "", analyst);
  EXPECT_EQ(Api("GET", "/v1/peers/uwv-b", "", "").status, 200);
  EXPECT_EQ(Api("GET", "/v1/peers/nobody", "", "").status, 404);
  EXPECT_EQ(Api("PUT", "/v1/peers/uwv-b", R"({"groups":["uitvoering","sociaal-domein"]})").status,
            200);
  EXPECT_EQ(Api("PUT", "/v1/peers/uwv-b", json{{"identity", b_->IdentityJson()}}.dump()).status,
            200);
  EXPECT_EQ(Api("PUT", "/v1/peers/uwv-b", json{{"identity", c->IdentityJson()}}.dump()).status,
            400);
  EXPECT_EQ(Api("POST", "/v1/peers/uwv-b/suspend", R"({"reason":"incident 42"})").status, 200);
  EXPECT_EQ(Api("POST", "/v1/peers/uwv-b/resume", "", "").status, 200);
  EXPECT_EQ(Api("POST", "/v1/peers/uwv-b/check", "", "").status, 200);
  EXPECT_EQ(Api("POST", "/v1/peers/cbs-c/check", "", "").status, 200);  // not running
  EXPECT_EQ(Api("POST", "/v1/peers/cbs-c/revoke", R"({"reason":"contract ended"})").status, 200);
  EXPECT_EQ(Api("POST", "/v1/peers/cbs-c/resume", "", "").status, 409);
  EXPECT_EQ(Api("POST", "/v1/peers/nobody/suspend", "", "").status, 404);
  EXPECT_EQ(Api("DELETE", "/v1/peers/cbs-c", "", "").status, 204);
  EXPECT_EQ(Api("DELETE", "/v1/peers/cbs-c", "", "").status, 404);
  // Datasets, on both nodes.
  const std::string schema =
      "description = \"Benefit recipients\"\nkey = \"person_id\"\n"
      "[[fields]]\nname = \"person_id\"\ntype = \"identifier\"\n"
      "[[fields]]\nname = \"birth_year\"\ntype = \"integer\"\nnullable = false\nmin = 1900\n"
      "max = 2030\n"
      "[[fields]]\nname = \"benefit_type\"\ntype = \"categorical\"\n"
      "categories = [\"aow\", \"ww\", \"bijstand\"]\n"
      "[[fields]]\nname = \"monthly_amount\"\ntype = \"decimal\"\nscale = 2\nmin = \"0.00\"\n"
      "max = \"10000.00\"\n";
  json create = {{"name", "benefits"}, {"schema", schema}};
  EXPECT_EQ(Api("POST", "/v1/datasets", create.dump()).status, 201);
  EXPECT_EQ(OnB("POST", "/v1/datasets", create.dump()).first, 201);
  EXPECT_EQ(Api("POST", "/v1/datasets", create.dump()).status, 409);
  EXPECT_EQ(Api("POST", "/v1/datasets", R"({"name":"x","schema":"a","schema_json":{}})").status,
            400);
  json events = {{"name", "events"},
                 {"schema_json",
                  {{"fields",
                    {{{"name", "region"}, {"type", "categorical"}},
                     {{"name", "day"}, {"type", "date"}},
                     {{"name", "ok"}, {"type", "boolean"}}}}}}};
  EXPECT_EQ(Api("POST", "/v1/datasets", events.dump()).status, 201);
  std::string csv = "person_id,birth_year,benefit_type,monthly_amount\n";
  const char* types[] = {"aow", "aow", "ww", "bijstand"};
  for (int i = 0; i < 48; ++i) {
    csv += "P" + std::to_string(100000 + i) + "," + std::to_string(1930 + i) + "," + types[i % 4] +
           "," + std::to_string(100 + 37 * i) + ".50\n";
  }
  EXPECT_EQ(
      Api("POST", "/v1/datasets/benefits/records?source=benefits.csv", csv, "text/csv").status,
      200);
  auto b_csv =
      b_->Api().Request("POST", "/v1/datasets/benefits/records",
                        {b_->Auth()[0], {"Content-Type", "text/csv"}}, csv, node::After(30000));
  ASSERT_TRUE(b_csv.ok());
  EXPECT_EQ(b_csv->status, 200) << b_csv->body;
  std::string bad =
      "person_id,birth_year,benefit_type,monthly_amount\nP9,19x0,aow,1.00\n"
      "P10,1950,aow,12.345\nP11,1950,aow,12.34\n";
  EXPECT_EQ(Api("POST", "/v1/datasets/benefits/records?source=bad.csv", bad, "text/csv").status,
            422);
  EXPECT_EQ(
      Api("POST", "/v1/datasets/benefits/records?on_error=skip", bad, "text/csv; charset=utf-8")
          .status,
      200);
  EXPECT_EQ(Api("POST", "/v1/datasets/benefits/records?mode=upsert",
                R"({"person_id":"P100001","birth_year":1931,"monthly_amount":"1200.00"})"
                "\n",
                "application/x-ndjson")
                .status,
            200);
  // A stored key in insert mode, a reject limit the bad rows exceed, a mode that is none.
  EXPECT_EQ(
      Api("POST", "/v1/datasets/benefits/records?source=new.csv",
          "person_id,birth_year,benefit_type,monthly_amount\nP100001,1931,aow,1.00\n", "text/csv")
          .status,
      422);
  EXPECT_EQ(Api("POST", "/v1/datasets/benefits/records?max_rejects=1", bad, "text/csv").status,
            422);
  EXPECT_EQ(Api("POST", "/v1/datasets/benefits/records?mode=replace", bad, "text/csv").status, 400);
  EXPECT_EQ(Api("POST", "/v1/datasets/benefits/records", "{}").status, 415);
  EXPECT_EQ(Api("POST", "/v1/datasets/benefits/records?on_error=ignore", bad, "text/csv").status,
            400);
  EXPECT_EQ(Api("POST", "/v1/datasets/nope/records", bad, "text/csv").status, 404);
  Api("GET", "/v1/datasets", "", "", analyst);
  EXPECT_EQ(Api("GET", "/v1/datasets/benefits", "", "", analyst).status, 200);
  EXPECT_EQ(Api("GET", "/v1/datasets/nope", "", "").status, 404);
  // Privacy settings and the budget.
  EXPECT_EQ(Api("GET", "/v1/datasets/benefits/privacy", "", "").status, 200);
  EXPECT_EQ(Api("GET", "/v1/datasets/benefits/privacy", "", "", analyst).status, 403);
  EXPECT_EQ(Api("GET", "/v1/datasets/nope/privacy", "", "").status, 404);
  EXPECT_EQ(Api("PUT", "/v1/datasets/benefits/privacy", R"({"epsilon":"10"})").status, 409);
  EXPECT_EQ(Api("PUT", "/v1/datasets/benefits/privacy", R"({"epsilon":"0"})").status, 400);
  EXPECT_EQ(Api("PUT", "/v1/datasets/benefits/privacy", R"({"colour":"red"})").status, 400);
  EXPECT_EQ(
      Api("PUT", "/v1/datasets/benefits/privacy", R"({"epsilon":"2","requester_share":"1"})")
          .status,
      409);  // a larger share protects less
  EXPECT_EQ(Api("PUT", "/v1/datasets/benefits/privacy",
                R"({"requester_share":"1","accept_higher_loss":true})")
                .status,
            200);
  EXPECT_EQ(Api("POST", "/v1/datasets/benefits/erase", R"({"keys":["P100005","P999999"]})").status,
            200);
  EXPECT_EQ(Api("POST", "/v1/datasets/benefits/erase", R"({"keys":[1]})").status, 400);
  EXPECT_EQ(Api("POST", "/v1/datasets/events/erase", R"({"keys":["x"]})").status, 409);
  EXPECT_EQ(Api("DELETE", "/v1/datasets/events", "", "", analyst).status, 403);
  EXPECT_EQ(Api("DELETE", "/v1/datasets/events", "", "").status, 204);
  EXPECT_EQ(Api("DELETE", "/v1/datasets/events", "", "").status, 404);
  // Policies, on both nodes.
  const std::string policy =
      "id = \"benefits-stats\"\ndataset = \"benefits\"\n"
      "grantees = [\"gemeente-a\", \"uwv-b\"]\npurposes = [\"pa-armoedemonitor\"]\n"
      "legal_bases = [\"AVG art. 6(1)(e)\"]\ngroup_by = [\"benefit_type\"]\n"
      "filter_fields = [\"birth_year\"]\nmin_cell_size = 10\n"
      "[[allow]]\naggregates = [\"count\"]\n"
      "[[allow]]\naggregates = [\"sum\", \"avg\"]\nfields = [\"monthly_amount\"]\n";
  json apply = {{"source", policy}, {"file", "benefits-stats.toml"}};
  EXPECT_EQ(Api("POST", "/v1/policies", apply.dump()).status, 201);
  EXPECT_EQ(OnB("POST", "/v1/policies", apply.dump()).first, 201);
  EXPECT_EQ(Api("POST", "/v1/policies", R"({"source":"id = \"x\"\nfoo = 1\n"})").status, 400);
  json temp = {{"source",
                "id = \"temp\"\ndataset = \"benefits\"\ngrantees = [\"cbs\"]\n"
                "purposes = [\"p\"]\nlegal_bases = [\"b\"]\n"
                "[[allow]]\naggregates = [\"count\"]\n"}};
  EXPECT_EQ(Api("POST", "/v1/policies", temp.dump()).status, 201);
  EXPECT_EQ(Api("DELETE", "/v1/policies/temp", "", "").status, 200);
  EXPECT_EQ(Api("DELETE", "/v1/policies/temp", "", "").status, 404);
  Api("GET", "/v1/policies");
  EXPECT_EQ(Api("GET", "/v1/policies/temp", "", "").status, 200);
  EXPECT_EQ(Api("GET", "/v1/policies/nope", "", "").status, 404);
  const std::string sql =
      "SELECT benefit_type, count(*), avg(monthly_amount) FROM benefits WHERE birth_year < 1970 "
      "GROUP BY benefit_type";
  EXPECT_EQ(Api("POST", "/v1/policies/explain",
                json{{"query", sql},
                     {"peer", "uwv-b"},
                     {"purpose", "pa-armoedemonitor"},
                     {"legal_basis", "AVG art. 6(1)(e)"}}
                    .dump())
                .status,
            200);
  json max_query = {{"dataset", "benefits"},
                    {"select", {{{"agg", "max"}, {"field", "monthly_amount"}}}}};
  EXPECT_EQ(Api("POST", "/v1/policies/explain", json{{"query", max_query}, {"peer", "cbs"}}.dump())
                .status,
            200);
  EXPECT_EQ(Api("POST", "/v1/policies/explain", R"({"query":"SELECT FROM"})").status, 400);
  // Queries.
  json fed = {{"query", sql},
              {"purpose", "pa-armoedemonitor"},
              {"legal_basis", "AVG art. 6(1)(e)"},
              {"receipt", true}};
  Answer run = Api("POST", "/v1/queries", fed.dump(), "application/json", analyst);
  EXPECT_EQ(run.status, 200) << run.body;
  EXPECT_NE(run.body.find("\"receipt\""), std::string::npos) << run.body;
  EXPECT_NE(run.body.find("\"complete\""), std::string::npos) << run.body;
  json json_form = {{"query",
                     {{"dataset", "benefits"},
                      {"select", {{{"field", "benefit_type"}}, {{"agg", "count"}}}},
                      {"group_by", {"benefit_type"}}}},
                    {"purpose", "other-purpose"},
                    {"legal_basis", "AVG art. 6(1)(e)"},
                    {"peers", {"uwv-b"}},
                    {"deadline_ms", 5000}};
  EXPECT_EQ(Api("POST", "/v1/queries", json_form.dump(), "application/json", analyst).status, 200);
  const std::string count = "SELECT count(*) FROM benefits";
  json unknown_peer = {
      {"query", count}, {"purpose", "p"}, {"legal_basis", "x"}, {"peers", {"nobody"}}};
  EXPECT_EQ(Api("POST", "/v1/queries", unknown_peer.dump()).status, 400);  // nothing is sent
  json async_run = {{"query", count},
                    {"purpose", "pa-armoedemonitor"},
                    {"legal_basis", "AVG art. 6(1)(e)"},
                    {"async", true}};
  Answer async = Api("POST", "/v1/queries", async_run.dump(), "application/json", analyst);
  ASSERT_EQ(async.status, 202) << async.body;
  std::string poll = json::parse(async.body)["poll"];
  for (int i = 0; i < 200; ++i) {
    Answer p = Api("GET", poll, "", "", analyst);
    if (p.body.find("\"done\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(Api("GET", "/v1/queries/0123456789abcdef0123456789abcdef", "", "").status, 404);
  json local = {{"local", true},
                {"query", "SELECT benefit_type, count(*) FROM benefits GROUP BY benefit_type"},
                {"purpose", "pa-armoedemonitor"},
                {"legal_basis", "AVG art. 6(1)(e)"}};
  EXPECT_EQ(Api("POST", "/v1/queries", local.dump(), "application/json", analyst).status, 200);
  json raw = {{"local", true},
              {"raw", true},
              {"query", "SELECT benefit_type, count(*), max(monthly_amount) FROM benefits "
                        "GROUP BY benefit_type"}};
  EXPECT_EQ(Api("POST", "/v1/queries", raw.dump()).status, 403);  // admin: not an owner
  EXPECT_EQ(Api("POST", "/v1/queries", raw.dump(), "application/json", a_->owner_token).status,
            200);
  EXPECT_EQ(Api("POST", "/v1/tokens", R"({"name":"owner2","role":"owner"})").status, 403);
  EXPECT_EQ(Api("POST", "/v1/queries",
                R"({"query":"SELECT count(*) FORM benefits","purpose":"p","legal_basis":"x"})")
                .status,
            400);
  EXPECT_EQ(Api("POST", "/v1/queries", R"({"query":"SELECT count(*) FROM benefits"})").status, 400);
  // Audit.
  EXPECT_EQ(Api("GET", "/v1/audit?limit=5", "", "").status, 200);
  EXPECT_EQ(Api("GET", "/v1/audit?peer=uwv-b&since=2020-01-01T00:00:00Z", "", "").status, 200);
  EXPECT_EQ(Api("GET", "/v1/audit?limit=0", "", "").status, 400);
  EXPECT_EQ(Api("GET", "/v1/audit/verify", "", "").status, 200);
  EXPECT_EQ(Api("GET", "/v1/audit/export", "", "").status, 200);
  // The peer listener, as B.
  EXPECT_EQ(Peer("GET", "/v1/peer/identity", "", "").status, 200);
  EXPECT_EQ(Peer("POST", "/v1/peer/query", "{}").status, 400);
  EXPECT_EQ(Peer("POST", "/v1/peer/query", "{}", "text/plain").status, 415);
  EXPECT_EQ(Peer("POST", "/v1/peer/announce", "{}").status, 400);
  // Key rotation last (it changes A's certificate).
  EXPECT_EQ(Api("POST", "/v1/keys/rotate", "", "").status, 200);
  EXPECT_EQ(Api("POST", "/v1/keys/rotate", R"({"tls":true})").status, 200);
  EXPECT_EQ(Api("POST", "/v1/keys/rotate", "", "", analyst).status, 403);
  EXPECT_EQ(Peer("GET", "/v1/peer/identity", "", "").status, 200);

  auto [rc, out] = RunCheck(root_, samples_);
  if (rc == 77) GTEST_SKIP() << "python3 with PyYAML (python3-yaml) is not installed";
  EXPECT_EQ(rc, 0) << out;
  std::cout << out;
}

}  // namespace
}  // namespace verbind::testing
