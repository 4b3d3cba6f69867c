// peer_bench: the peer protocol end to end on loopback. Starts one real answering node
// (`verbind serve` in a temporary folder) with a small generated dataset and a sharing policy
// granting pinned benchmark peers (--peers, default 1), then sends their freshly signed query
// envelopes (new query id and nonce each; signed before the run unless --sign-live) to POST
// /v1/peer/query over kept-alive mutual-TLS connections (spread over the peers), one closed
// loop per connection, for a warm-up and a measured window. Every query is the same unless
// --vary cycles its filter through 70 values. Prints answered queries per second, latency
// percentiles, every refusal or error, and the node's CPU use and resident memory. The node
// and its folder are removed at the end (unless --keep). bench/peer_profile.sh runs it with
// the node under callgrind.
//
//   peer_bench [--duration S] [--warmup S] [--connections N] [--peers N] [--rows N]
//              [--query filtered|grouped|count] [--vary] [--presign-rate N | --sign-live]
//              [--env K=V]... [--node-prefix "CMD ARGS"] [--keep]
//
// The node runs with limits.peer_rate_per_minute raised (the default of 6000 a minute per
// peer would answer 429 beyond 100 queries a second); --env adds or overrides settings.
#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench_flags.h"
#include "bench/bench_load.h"
#include "bench/bench_node.h"
#include "bench/bench_peer.h"
#include "common/strings.h"

namespace verbind::bench {
namespace {

struct Flags {
  double duration_s = 10;
  double warmup_s = 2;
  int connections = 16;
  int peers = 1;  // connections are spread over this many pinned peers
  uint64_t rows = 10000;
  std::string query = "filtered";
  size_t presign_rate = 12000;  // envelopes signed ahead per second of the run
  bool sign_live = false;
  bool vary = false;
  std::vector<std::string> env;
  std::vector<std::string> prefix;
  bool keep = false;
};

// The flags, or the status to exit with (0 after --help, 2 after a bad flag or value).
std::optional<int> ParseFlags(int argc, char** argv, Flags* f) {
  CLI::App app{
      "peer_bench: signed peer queries over mutual TLS to one real answering node on loopback "
      "(docs/performance.md)"};
  KeepLastValue(app);
  app.add_option("--duration", f->duration_s, "Seconds measured")
      ->check(NumberFrom(0, true))
      ->capture_default_str();
  app.add_option("--warmup", f->warmup_s, "Seconds of warm-up before")
      ->check(NumberFrom(0))
      ->capture_default_str();
  app.add_option("--connections", f->connections, "Kept-alive mutual-TLS connections")
      ->check(NumberFrom(1))
      ->capture_default_str();
  app.add_option("--peers", f->peers, "Pinned peers the connections are spread over")
      ->check(NumberFrom(1))
      ->capture_default_str();
  app.add_option("--rows", f->rows, "Generated records in the node's dataset")
      ->check(NumberFrom(0))
      ->capture_default_str();
  app.add_option("--query", f->query, "The query sent")
      ->check(CLI::IsMember({"filtered", "grouped", "count"}))
      ->capture_default_str();
  app.add_flag("--vary", f->vary, "Cycle the query's filter through 70 values");
  app.add_option("--presign-rate", f->presign_rate, "Envelopes signed ahead per second of the run")
      ->check(NumberFrom(0))
      ->capture_default_str();
  app.add_flag("--sign-live", f->sign_live, "Sign every envelope during the run instead");
  app.add_option("--env", f->env, "A node setting K=V, added or overriding (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  std::string prefix;
  app.add_option(
      "--node-prefix", prefix,
      "A command the node runs under, split at spaces (e.g. \"valgrind --tool=callgrind\")");
  app.add_flag("--keep", f->keep, "Keep the node's folder");
  if (std::optional<int> done = ParseCommandLine(app, argc, argv)) {
    return done;
  }
  for (auto part : common::Split(prefix, ' ')) {
    if (!part.empty()) {
      f->prefix.emplace_back(part);
    }
  }
  return std::nullopt;
}

int Run(const Flags& f) {
  auto kind = ParseQueryKind(f.query);
  if (!kind.ok()) {
    std::fprintf(stderr, "peer_bench: %s\n", kind.status().ToString().c_str());
    return 2;
  }
  AnsweringOptions options;
  options.rows = f.rows;
  options.prefix = f.prefix;
  options.peers = f.peers;
  options.env = {"VERBIND_LIMITS_PEER_RATE_PER_MINUTE=100000000"};
  options.env.insert(options.env.end(), f.env.begin(), f.env.end());
  std::printf("peer_bench: setting up one node with %llu records\n",
              static_cast<unsigned long long>(f.rows));
  std::fflush(stdout);
  auto setup = SetUpAnsweringNode(options);
  if (!setup.ok()) {
    std::fprintf(stderr, "peer_bench: %s\n", setup.status().ToString().c_str());
    return 1;
  }
  const BenchNode& server = *setup->server;
  std::vector<std::shared_ptr<EnvelopeSource>> sources;
  size_t total =
      f.sign_live
          ? 0
          : static_cast<size_t>(static_cast<double>(f.presign_rate) * (f.duration_s + f.warmup_s));
  for (const auto& peer : setup->peers) {
    auto source = std::make_shared<EnvelopeSource>(*peer, server.org(), *kind, f.vary);
    if (auto st = source->Init(); !st.ok()) {
      std::fprintf(stderr, "peer_bench: %s\n", st.ToString().c_str());
      return 1;
    }
    source->Presign(total / setup->peers.size(), 2);
    // One query from each peer first: it must be answered.
    auto probe = PeerQueryRequest(server, *peer, source);
    Reply first = probe.ok() ? (*probe)() : Reply{false, 0, probe.status().ToString()};
    if (!first.ok) {
      std::fprintf(stderr, "peer_bench: the first query was not answered: %d %s\n", first.status,
                   first.code.c_str());
      return 1;
    }
    sources.push_back(source);
  }
  if (total > 0) {
    std::printf("peer_bench: %zu envelopes signed ahead (each with its own query id and nonce)\n",
                total);
  }
  ClientClass peers{"peer queries (POST /v1/peer/query, mutual TLS)", f.connections, [&](int i) {
                      size_t p = static_cast<size_t>(i) % sources.size();
                      auto fn = PeerQueryRequest(server, *setup->peers[p], sources[p]);
                      return fn.ok() ? *fn : RequestFn([] { return Reply{false, 0, "setup"}; });
                    }};
  std::printf(
      "peer_bench: %s query%s, %d kept-alive connections from %d peer(s), %.0f s warm-up, "
      "%.0f s measured; node pid %d\n",
      f.query.c_str(), f.vary ? " (70 filter values)" : " (always the same)", f.connections,
      f.peers, f.warmup_s, f.duration_s, static_cast<int>(server.pid()));
  std::fflush(stdout);
  double rss_start = ProcessMemoryMib(server.pid()), rss_max = rss_start;
  double cpu_start = 0;
  rusage self_start{};
  LoadOptions load;
  load.warmup_s = f.warmup_s;
  load.duration_s = f.duration_s;
  auto results = RunLoad({peers}, load, [&](int second) {
    rss_max = std::max(rss_max, ProcessMemoryMib(server.pid()));
    if (second == 0) {
      cpu_start = ProcessCpuSeconds(server.pid());
      getrusage(RUSAGE_SELF, &self_start);
    }
  });
  double node_cpu = ProcessCpuSeconds(server.pid()) - cpu_start;
  rusage self_end{};
  getrusage(RUSAGE_SELF, &self_end);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  double bench_cpu = secs(self_end.ru_utime) + secs(self_end.ru_stime) - secs(self_start.ru_utime) -
                     secs(self_start.ru_stime);
  PrintClassResult(results[0]);
  double per_query_us = results[0].ok ? node_cpu / static_cast<double>(results[0].ok) * 1e6 : 0;
  std::printf(
      "node CPU: %.2f cores (%.0f us per answered query); benchmark process CPU: %.2f cores\n",
      node_cpu / f.duration_s, per_query_us, bench_cpu / f.duration_s);
  std::printf(
      "node resident memory MiB: %.1f at start, %.1f peak sampled, %.1f at end (VmHWM %.1f)\n",
      rss_start, rss_max, ProcessMemoryMib(server.pid()), ProcessMemoryMib(server.pid(), "VmHWM"));
  uint64_t live = 0;
  for (const auto& s : sources) live += s->signed_live();
  std::printf("envelopes signed during the run: %llu\n", static_cast<unsigned long long>(live));
  setup->server->Stop();
  if (f.keep) {
    std::printf("peer_bench: kept %s\n", setup->root.c_str());
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
