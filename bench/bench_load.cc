#include "bench/bench_load.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "bench/bench_node.h"

namespace verbind::bench {

namespace {

using Clock = std::chrono::steady_clock;

// What one connection's thread saw inside the measured window.
struct ThreadTally {
  uint64_t ok = 0;
  std::vector<double> ok_ms;
  std::vector<double> refused_ms;
  std::map<std::string, uint64_t> others;
  uint64_t refused = 0;
  uint64_t failed = 0;
};

// Shared by every connection's thread.
struct RunState {
  Clock::time_point window_start;
  Clock::time_point window_end;
  uint64_t max_requests = 0;
  std::atomic<uint64_t> sent{0};
  std::atomic<bool> stop{false};
  std::atomic<int64_t> stopped_at_ns{0};  // when max_requests ended the run early
};

void Count(const Reply& r, double ms, ThreadTally* tally) {
  if (r.ok) {
    ++tally->ok;
    tally->ok_ms.push_back(ms);
    return;
  }
  if (r.status >= 400) {
    ++tally->refused;
    tally->refused_ms.push_back(ms);
  } else {
    ++tally->failed;
  }
  std::string key =
      (r.status > 0 ? std::to_string(r.status) + " " : "no answer: ") + r.code.substr(0, 120);
  ++tally->others[key];
}

void Drive(const RequestFn& send, std::atomic<uint64_t>* progress, RunState* run,
           ThreadTally* tally) {
  while (!run->stop.load(std::memory_order_relaxed)) {
    if (run->max_requests > 0 && run->sent.fetch_add(1) >= run->max_requests) {
      if (!run->stop.exchange(true)) {
        run->stopped_at_ns = Clock::now().time_since_epoch().count();
      }
      break;
    }
    auto t0 = Clock::now();
    Reply r = send();
    auto t1 = Clock::now();
    if (r.ok && progress) ++*progress;
    // Without an HTTP answer a dead connection fails at once; do not spin.
    if (!r.ok && r.status == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (t1 < run->window_start || t1 > run->window_end) continue;
    Count(r, std::chrono::duration<double, std::milli>(t1 - t0).count(), tally);
  }
}

ClassResult Merge(const ClientClass& c, const std::vector<ThreadTally>& tallies, double window_s) {
  ClassResult r;
  r.name = c.name;
  r.window_s = window_s;
  for (const auto& t : tallies) {
    r.ok += t.ok;
    r.refused += t.refused;
    r.failed += t.failed;
    r.ok_latency_ms.insert(r.ok_latency_ms.end(), t.ok_ms.begin(), t.ok_ms.end());
    r.refused_latency_ms.insert(r.refused_latency_ms.end(), t.refused_ms.begin(),
                                t.refused_ms.end());
    for (const auto& [k, n] : t.others) r.others[k] += n;
  }
  std::sort(r.ok_latency_ms.begin(), r.ok_latency_ms.end());
  std::sort(r.refused_latency_ms.begin(), r.refused_latency_ms.end());
  return r;
}

}  // namespace

std::vector<ClassResult> RunLoad(const std::vector<ClientClass>& classes,
                                 const LoadOptions& options, const std::function<void(int)>& tick) {
  std::vector<std::vector<RequestFn>> fns(classes.size());
  std::vector<std::vector<ThreadTally>> tallies(classes.size());
  for (size_t c = 0; c < classes.size(); ++c) {
    for (int i = 0; i < classes[c].connections; ++i) fns[c].push_back(classes[c].make(i));
    tallies[c].resize(fns[c].size());
  }
  auto seconds = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  RunState run;
  run.window_start = Clock::now() + seconds(options.warmup_s);
  run.window_end = run.window_start + seconds(options.duration_s);
  run.max_requests = options.max_requests;
  std::vector<std::thread> threads;
  for (size_t c = 0; c < classes.size(); ++c) {
    for (size_t i = 0; i < fns[c].size(); ++i) {
      threads.emplace_back(Drive, std::cref(fns[c][i]), classes[c].progress, &run, &tallies[c][i]);
    }
  }
  for (int second = -static_cast<int>(options.warmup_s); !run.stop; ++second) {
    auto at = run.window_start + std::chrono::seconds(second);
    if (at > run.window_end) break;
    std::this_thread::sleep_until(at);
    if (tick && !run.stop) tick(second);
  }
  while (!run.stop && Clock::now() < run.window_end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  run.stop = true;
  for (auto& t : threads) t.join();
  double window_s = options.duration_s;
  if (run.stopped_at_ns.load() != 0) {
    Clock::time_point stopped{Clock::duration(run.stopped_at_ns.load())};
    window_s = std::max(0.001, std::chrono::duration<double>(stopped - run.window_start).count());
  }
  std::vector<ClassResult> out;
  for (size_t c = 0; c < classes.size(); ++c)
    out.push_back(Merge(classes[c], tallies[c], window_s));
  return out;
}

void PrintClassResult(const ClassResult& r) {
  const auto& l = r.ok_latency_ms;
  std::printf("%s: %llu answered in %.1f s = %.0f/s\n", r.name.c_str(),
              static_cast<unsigned long long>(r.ok), r.window_s,
              static_cast<double>(r.ok) / r.window_s);
  std::printf("  latency ms (answered): p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
              Percentile(l, 50), Percentile(l, 90), Percentile(l, 99), l.empty() ? 0 : l.back());
  std::printf("  refused with an HTTP status: %llu (%.0f/s)",
              static_cast<unsigned long long>(r.refused),
              static_cast<double>(r.refused) / r.window_s);
  if (!r.refused_latency_ms.empty()) {
    std::printf(", latency ms p50 %.2f p99 %.2f", Percentile(r.refused_latency_ms, 50),
                Percentile(r.refused_latency_ms, 99));
  }
  std::printf("\n  errors (no HTTP answer, or not the answer asked for): %llu\n",
              static_cast<unsigned long long>(r.failed));
  for (const auto& [k, n] : r.others) {
    std::printf("    %8llu  %s\n", static_cast<unsigned long long>(n), k.c_str());
  }
}

}  // namespace verbind::bench
