// load_test: one real node under mixed load on loopback, bounded in time and request count.
// Analysts send federated queries to the local API (POST /v1/queries, answered by the node
// itself through the whole coordinator path: signed envelope, verification, policy, scan,
// signed partial, combination, audit) while several pinned peers send signed queries to the
// peer listener over mutual TLS, with more client connections than the node has workers.
// Peers cycle their filter through 70 birth years and analysts alternate a filtered and a
// grouped query over the same years, so that answers differ as real traffic does. Each peer
// is limited to 20 queries a second (limits.peer_rate_per_minute = 1200, after a first
// minute's worth at once) so that the excess is answered 429. Every second the node's resident
// memory (/proc/PID/status) and the answers so far are sampled; at the end it prints per
// class the throughput, p50/p99 latency, errors (requests without a proper answer: must be 0)
// and the excess traffic refused with 429 or 503.
//
//   load_test [--duration S] [--warmup S] [--rows N] [--peers N] [--peer-connections N]
//             [--analyst-connections N] [--max-requests N] [--env K=V]... [--keep]
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench_flags.h"
#include "bench/bench_load.h"
#include "bench/bench_node.h"
#include "bench/bench_peer.h"

namespace verbind::bench {
namespace {

struct Flags {
  double duration_s = 60;
  double warmup_s = 5;
  uint64_t rows = 100000;
  int peers = 3;
  int peer_connections = 8;  // per peer
  int analyst_connections = 16;
  uint64_t max_requests = 1000000;
  std::vector<std::string> env;
  bool keep = false;
};

// The flags, or the status to exit with (0 after --help, 2 after a bad flag or value).
std::optional<int> ParseFlags(int argc, char** argv, Flags* f) {
  CLI::App app{
      "load_test: one real node under mixed analyst and peer load on loopback "
      "(docs/performance.md)"};
  KeepLastValue(app);
  app.add_option("--duration", f->duration_s, "Seconds measured")
      ->check(NumberFrom(0, true))
      ->capture_default_str();
  app.add_option("--warmup", f->warmup_s, "Seconds of warm-up before")
      ->check(NumberFrom(0))
      ->capture_default_str();
  app.add_option("--rows", f->rows, "Generated records in the node's dataset")
      ->check(NumberFrom(0))
      ->capture_default_str();
  app.add_option("--peers", f->peers, "Pinned peers sending signed queries")
      ->check(NumberFrom(1))
      ->capture_default_str();
  app.add_option("--peer-connections", f->peer_connections, "Mutual-TLS connections per peer")
      ->check(NumberFrom(0))
      ->capture_default_str();
  app.add_option("--analyst-connections", f->analyst_connections,
                 "Analyst connections to the local API")
      ->check(NumberFrom(0))
      ->capture_default_str();
  app.add_option("--max-requests", f->max_requests, "Stop after this many requests")
      ->check(NumberFrom(0))
      ->capture_default_str();
  app.add_option("--env", f->env, "A node setting K=V, added or overriding (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("--keep", f->keep, "Keep the node's folder");
  return ParseCommandLine(app, argc, argv);
}

// Peer traffic: each peer's connections share its envelope source (signed as they go).
std::vector<ClientClass> PeerClasses(const AnsweringSetup& s, const Flags& f,
                                     std::vector<std::shared_ptr<EnvelopeSource>>* sources,
                                     std::atomic<uint64_t>* progress) {
  ClientClass c{"peer queries (" + std::to_string(f.peers) + " peers x " +
                    std::to_string(f.peer_connections) + " mutual-TLS connections)",
                f.peers * f.peer_connections, nullptr, progress};
  for (const auto& peer : s.peers) {
    auto source =
        std::make_shared<EnvelopeSource>(*peer, s.server->org(), QueryKind::kFiltered, true);
    if (!source->Init().ok()) return {};
    sources->push_back(source);
  }
  c.make = [&s, sources, per = f.peer_connections](int i) {
    size_t p = static_cast<size_t>(i / per);
    auto fn = PeerQueryRequest(*s.server, *s.peers[p], (*sources)[p]);
    return fn.ok() ? *fn : RequestFn([] { return Reply{false, 0, "setup"}; });
  };
  return {c};
}

int Run(const Flags& f) {
  AnsweringOptions options;
  options.rows = f.rows;
  options.peers = f.peers;
  // Each peer may send 20 queries a second (after a minute's worth at once), so that the rate
  // limit answers the excess with 429; --env overrides this and any other setting.
  options.env = {"VERBIND_LIMITS_PEER_RATE_PER_MINUTE=1200"};
  options.env.insert(options.env.end(), f.env.begin(), f.env.end());
  std::printf("load_test: setting up one node with %llu records and %d pinned peers\n",
              static_cast<unsigned long long>(f.rows), f.peers);
  std::fflush(stdout);
  auto setup = SetUpAnsweringNode(options);
  if (!setup.ok()) {
    std::fprintf(stderr, "load_test: %s\n", setup.status().ToString().c_str());
    return 1;
  }
  const BenchNode& server = *setup->server;
  std::vector<std::shared_ptr<EnvelopeSource>> sources;
  std::atomic<uint64_t> peer_ok{0}, analyst_ok{0};
  std::vector<ClientClass> classes = PeerClasses(*setup, f, &sources, &peer_ok);
  if (classes.empty()) return 1;
  ClientClass analysts;
  analysts.name = "analyst queries (POST /v1/queries, " + std::to_string(f.analyst_connections) +
                  " connections, federated runs answered by the node itself)";
  analysts.connections = f.analyst_connections;
  analysts.progress = &analyst_ok;
  analysts.make = [&](int i) {
    QueryKind kind = i % 2 == 0 ? QueryKind::kFiltered : QueryKind::kGrouped;
    std::vector<std::string> sqls;
    for (int year = 1930; year < 2000; ++year) sqls.push_back(QuerySql(kind, year));
    return AnalystQueryRequest(server, sqls, {server.org()});
  };
  classes.push_back(analysts);
  std::printf("load_test: %.0f s warm-up, %.0f s measured, at most %llu requests; node settings:",
              f.warmup_s, f.duration_s, static_cast<unsigned long long>(f.max_requests));
  for (const auto& e : options.env) std::printf(" %s", e.c_str());
  std::printf(" (otherwise defaults: 8 workers per listener, 512 connections)\n");
  std::printf("%6s %10s %12s %14s\n", "second", "RSS MiB", "peer ok/s", "analyst ok/s");
  std::fflush(stdout);
  std::vector<double> rss;
  uint64_t last_peer = 0, last_analyst = 0;
  LoadOptions load{f.warmup_s, f.duration_s, f.max_requests};
  auto results = RunLoad(classes, load, [&](int second) {
    double mib = ProcessMemoryMib(server.pid());
    uint64_t p = peer_ok.load(), a = analyst_ok.load();
    std::printf("%6d %10.1f %12llu %14llu\n", second, mib,
                static_cast<unsigned long long>(p - last_peer),
                static_cast<unsigned long long>(a - last_analyst));
    std::fflush(stdout);
    last_peer = p;
    last_analyst = a;
    if (second >= 0) rss.push_back(mib);
  });
  std::printf("\n");
  for (const auto& r : results) PrintClassResult(r);
  if (!rss.empty()) {
    auto [lo, hi] = std::minmax_element(rss.begin(), rss.end());
    std::printf(
        "node resident memory MiB over the measured window: first %.1f, min %.1f, "
        "max %.1f, last %.1f (VmHWM %.1f)\n",
        rss.front(), *lo, *hi, rss.back(), ProcessMemoryMib(server.pid(), "VmHWM"));
  }
  setup->server->Stop();
  if (f.keep) {
    std::printf("load_test: kept %s\n", setup->root.c_str());
  } else {
    RemoveTree(setup->root);
  }
  return 0;
}

}  // namespace
}  // namespace verbind::bench

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  verbind::bench::Flags flags;
  if (std::optional<int> done = verbind::bench::ParseFlags(argc, argv, &flags)) {
    return *done;
  }
  return verbind::bench::Run(flags);
}
