#include "bench/bench_peer.h"

#include <thread>

#include "bench/bench_records.h"
#include "common/clock.h"
#include "common/files.h"
#include "crypto/system_random.h"
#include "federation/envelope.h"
#include "federation/messages.h"
#include "node/net/http_client.h"

namespace verbind::bench {

using common::Result;
using common::Status;
using nlohmann::json;

Result<QueryKind> ParseQueryKind(std::string_view name) {
  if (name == "filtered") return QueryKind::kFiltered;
  if (name == "grouped") return QueryKind::kGrouped;
  if (name == "count") return QueryKind::kCount;
  return common::InvalidArgument("query must be filtered, grouped or count");
}

json QueryJson(QueryKind kind, int year) {
  json q = {{"dataset", kBenchDataset}, {"select", json::array()}};
  if (kind == QueryKind::kGrouped) q["select"].push_back({{"field", "benefit_type"}});
  q["select"].push_back({{"agg", "count"}});
  if (kind != QueryKind::kCount) {
    for (const char* agg : {"sum", "avg", "var"}) {
      q["select"].push_back({{"agg", agg}, {"field", "monthly_amount"}});
    }
    q["where"] = {{"op", "<"}, {"field", "birth_year"}, {"value", year}};
  }
  if (kind == QueryKind::kGrouped) q["group_by"] = json::array({"benefit_type"});
  return q;
}

std::string QuerySql(QueryKind kind, int year) {
  const std::string where = " FROM benefits WHERE birth_year < " + std::to_string(year);
  switch (kind) {
    case QueryKind::kCount:
      return "SELECT count(*) FROM benefits";
    case QueryKind::kGrouped:
      return "SELECT benefit_type, count(*), sum(monthly_amount), avg(monthly_amount), "
             "var(monthly_amount)" +
             where + " GROUP BY benefit_type";
    case QueryKind::kFiltered:
      break;
  }
  return "SELECT count(*), sum(monthly_amount), avg(monthly_amount), var(monthly_amount)" + where;
}

std::string BenchPolicy(const std::vector<std::string>& grantees) {
  std::string list;
  for (const auto& g : grantees) list += (list.empty() ? "\"" : ", \"") + g + "\"";
  return "id = \"bench-benefits\"\n"
         "dataset = \"benefits\"\n"
         "grantees = [" +
         list +
         "]\n"
         "purposes = [\"" +
         std::string(kBenchPurpose) +
         "\"]\n"
         "legal_bases = [\"" +
         std::string(kBenchLegalBasis) +
         "\"]\n"
         "group_by = [\"benefit_type\", \"region\"]\n"
         "filter_fields = [\"birth_year\"]\n"
         "epsilon_per_query = 0.1\n"
         "[[allow]]\naggregates = [\"count\"]\n"
         "[[allow]]\naggregates = [\"sum\", \"avg\", \"var\", \"stddev\"]\n"
         "fields = [\"monthly_amount\"]\n";
}

namespace {

// Creates the benefits dataset on `node` and ingests `rows` generated records through the CLI.
Status LoadDataset(const BenchNode& node, const std::string& root, uint64_t rows) {
  std::string schema = root + "/benefits.schema.toml";
  RETURN_IF_ERROR(common::WriteFileAtomic(schema, kSchemaToml, 0644));
  std::string csv = kHeader;
  AppendRecords(20240601, 0, rows, &csv);
  std::string csv_path = root + "/benefits.csv";
  RETURN_IF_ERROR(common::WriteFileAtomic(csv_path, csv, 0644));
  RETURN_IF_ERROR(node.Cli({"dataset", "create", kBenchDataset, "--schema", schema}));
  RETURN_IF_ERROR(node.Cli({"dataset", "ingest", kBenchDataset, csv_path}));
  // A budget for thousands of distinct queries: the benchmarks measure speed, and every answer
  // is still protected, charged and audited (a repeat of a query is free, as always).
  return node.Cli({"dataset", "privacy", kBenchDataset, "--epsilon", "1000", "--requester-share",
                   "1", "--accept-higher-loss"});
}

}  // namespace

Result<AnsweringSetup> SetUpAnsweringNode(const AnsweringOptions& options) {
  AnsweringSetup s;
  ASSIGN_OR_RETURN(s.root, MakeTempDir("verbind-bench"));
  ASSIGN_OR_RETURN(s.server, BenchNode::Init(s.root, "answering-node"));
  RETURN_IF_ERROR(s.server->Start(options.env, options.prefix, options.prefix.empty() ? 30 : 300));
  std::vector<std::string> grantees = {s.server->org()};
  for (int i = 1; i <= options.peers; ++i) {
    ASSIGN_OR_RETURN(auto peer, BenchNode::Init(s.root, "bench-peer-" + std::to_string(i)));
    RETURN_IF_ERROR(s.server->Pin(*peer));
    grantees.push_back(peer->org());
    s.peers.push_back(std::move(peer));
  }
  RETURN_IF_ERROR(LoadDataset(*s.server, s.root, options.rows));
  std::string policy = s.root + "/policy.toml";
  RETURN_IF_ERROR(common::WriteFileAtomic(policy, BenchPolicy(grantees), 0644));
  RETURN_IF_ERROR(s.server->Cli({"policy", "apply", policy}));
  return s;
}

EnvelopeSource::EnvelopeSource(const BenchNode& peer, std::string server_org, QueryKind kind,
                               bool vary)
    : peer_(peer), server_org_(std::move(server_org)), kind_(kind), vary_(vary) {}

Status EnvelopeSource::Init() {
  ASSIGN_OR_RETURN(key_, peer_.SigningKey());
  return Status::Ok();
}

std::string EnvelopeSource::Sign(size_t n) const {
  auto& rng = crypto::SystemRandom::Get();
  federation::QueryPayload q;
  q.query_id = federation::NewQueryId(rng);
  q.requester = peer_.org();
  q.dataset = kBenchDataset;
  q.query = QueryJson(kind_, vary_ ? 1930 + static_cast<int>(n % 70) : 1960);
  q.purpose = kBenchPurpose;
  q.legal_basis = kBenchLegalBasis;
  q.participants = {peer_.org(), server_org_};
  q.issued_at = common::RealClock::Get().NowSeconds();
  q.expires_at = q.issued_at + 300;
  q.nonce = federation::NewNonce(rng);
  return federation::EncodeEnvelope(federation::SealEnvelope(federation::kTypeQuery, peer_.org(),
                                                             *key_, federation::EncodeQuery(q)));
}

void EnvelopeSource::Presign(size_t count, int threads) {
  pool_.assign(count, std::string());
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([this, t, threads, count] {
      for (size_t i = static_cast<size_t>(t); i < count; i += static_cast<size_t>(threads)) {
        pool_[i] = Sign(i);
      }
    });
  }
  for (auto& w : workers) w.join();
}

std::string EnvelopeSource::Next() {
  size_t i = next_.fetch_add(1);
  if (i < pool_.size()) return std::move(pool_[i]);
  ++signed_live_;
  return Sign(live_n_.fetch_add(1));
}

namespace {

std::string CodeOf(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("code") && j["code"].is_string()) return j["code"];
  return body.substr(0, 80);
}

}  // namespace

Result<RequestFn> PeerQueryRequest(const BenchNode& server, const BenchNode& peer,
                                   std::shared_ptr<EnvelopeSource> source) {
  ASSIGN_OR_RETURN(auto tls, peer.ClientTls());
  ASSIGN_OR_RETURN(std::string pin, server.TlsFingerprint());
  auto client = std::make_shared<node::HttpClient>(
      node::Endpoint{true, "127.0.0.1", server.peer_port()}, tls, std::vector<std::string>{pin});
  return RequestFn([client, source] {
    std::string body = source->Next();
    auto r = client->Request("POST", "/v1/peer/query", {{"Content-Type", "application/json"}}, body,
                             node::After(30000));
    if (!r.ok()) {
      client->Reset();
      return Reply{false, 0, r.status().message()};
    }
    if (r->status == 200) return Reply{true, 200, ""};
    return Reply{false, r->status, CodeOf(r->body)};
  });
}

RequestFn AnalystQueryRequest(const BenchNode& node, const std::vector<std::string>& sqls,
                              const std::vector<std::string>& peers) {
  auto client = std::make_shared<node::HttpClient>(
      node::Endpoint{false, "127.0.0.1", node.api_port()}, nullptr, std::vector<std::string>{});
  auto bodies = std::make_shared<std::vector<std::string>>();
  for (const auto& sql : sqls) {
    json body = {{"query", sql}, {"purpose", kBenchPurpose}, {"legal_basis", kBenchLegalBasis}};
    if (!peers.empty()) body["peers"] = peers;
    bodies->push_back(body.dump());
  }
  node::Headers headers = {{"Authorization", "Bearer " + node.analyst_token()},
                           {"Content-Type", "application/json"}};
  auto turn = std::make_shared<size_t>(0);
  return [client, bodies, turn, headers] {
    const std::string& text = (*bodies)[(*turn)++ % bodies->size()];
    auto r = client->Request("POST", "/v1/queries", headers, text, node::After(30000));
    if (!r.ok()) {
      client->Reset();
      return Reply{false, 0, r.status().message()};
    }
    if (r->status != 200) return Reply{false, r->status, CodeOf(r->body)};
    json j = json::parse(r->body, nullptr, false);
    std::string status = j.is_object() ? j.value("status", "") : "";
    if (status == "complete") return Reply{true, 200, ""};
    return Reply{false, 200, "run " + status + ": " + r->body.substr(0, 200)};
  };
}

}  // namespace verbind::bench
