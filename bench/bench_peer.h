// The answering side of the peer benchmarks and what its clients send: one real node serving
// a small "benefits" dataset (bench/bench_records.h) with a sharing policy that grants the
// benchmark's peer organisations (pinned, not running: only their keys and certificates are
// used) and the node itself, and a source of freshly signed query envelopes (a new query id
// and nonce each) sent over kept-alive mutual-TLS connections.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/bench_load.h"
#include "bench/bench_node.h"
#include "common/status.h"

namespace verbind::bench {

inline constexpr char kBenchDataset[] = "benefits";
inline constexpr char kBenchPurpose[] = "pa-armoedemonitor";
inline constexpr char kBenchLegalBasis[] = "AVG art. 6(1)(e)";

// The queries: count, sum, mean and variance of monthly_amount where birth_year < `year`
// (filtered; 1960 unless varied), the same grouped by benefit_type (grouped), or count(*)
// alone (count).
enum class QueryKind { kFiltered, kGrouped, kCount };
common::Result<QueryKind> ParseQueryKind(std::string_view name);
nlohmann::json QueryJson(QueryKind kind, int year = 1960);
std::string QuerySql(QueryKind kind, int year = 1960);

// The sharing policy (TOML) granting `grantees` the queries above on the benefits dataset.
std::string BenchPolicy(const std::vector<std::string>& grantees);

struct AnsweringSetup {
  std::string root;                               // temporary folder with every node
  std::unique_ptr<BenchNode> server;              // running
  std::vector<std::unique_ptr<BenchNode>> peers;  // initialised and pinned, not running
};

struct AnsweringOptions {
  uint64_t rows = 10000;
  int peers = 1;
  std::vector<std::string> env;     // for the node, "K=V"
  std::vector<std::string> prefix;  // wrapper command for the node
};

// Creates the node, its dataset (ingested through the CLI), the peers and the policy.
common::Result<AnsweringSetup> SetUpAnsweringNode(const AnsweringOptions& options);

// Freshly signed query envelopes from one peer to the answering node. Presign() fills a pool
// before a run so that signing does not compete with the node for the CPU during it; when the
// pool is used up, Next() signs on the spot. With `vary`, successive queries cycle the filter
// through 70 birth years (1930-1999), so that the records behind them differ (by about 1/81 of
// the dataset per year); otherwise every query is the same. Thread-safe.
class EnvelopeSource {
 public:
  EnvelopeSource(const BenchNode& peer, std::string server_org, QueryKind kind, bool vary = false);
  common::Status Init();
  // Signs `count` envelopes with `threads` threads.
  void Presign(size_t count, int threads);
  std::string Next();
  uint64_t signed_live() const { return signed_live_.load(); }

 private:
  std::string Sign(size_t n) const;
  const BenchNode& peer_;
  std::string server_org_;
  QueryKind kind_;
  bool vary_;
  std::shared_ptr<const crypto::SigningKey> key_;
  std::vector<std::string> pool_;
  std::atomic<size_t> next_{0};
  std::atomic<size_t> live_n_{0};
  std::atomic<uint64_t> signed_live_{0};
};

// POST /v1/peer/query on a kept-alive mutual-TLS connection as `peer`; ok on 200.
common::Result<RequestFn> PeerQueryRequest(const BenchNode& server, const BenchNode& peer,
                                           std::shared_ptr<EnvelopeSource> source);

// POST /v1/queries on the local API with the analyst token: federated runs of the `sqls` in
// turn over `peers` (empty: every pinned peer; the node's own org id alone: only this node);
// ok on 200 with status "complete".
RequestFn AnalystQueryRequest(const BenchNode& node, const std::vector<std::string>& sqls,
                              const std::vector<std::string>& peers);

}  // namespace verbind::bench
