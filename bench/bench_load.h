// Closed-loop load driver for the benchmarks: classes of clients (for example peers and
// analysts), each with a number of connections; every connection is a thread that sends one
// request, waits for the answer and sends the next, for a warm-up and then a measured window.
// Only requests that complete inside the measured window count. Reports throughput, latency
// percentiles of successful requests, and every other outcome by HTTP status and code.
// Thread-safe where stated; results are read after RunLoad returns.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace verbind::bench {

// The outcome of one request: `ok` when it got the answer it asked for; otherwise `status` is
// the HTTP status (0 when no HTTP answer came) and `code` the refusal code or error text.
struct Reply {
  bool ok = false;
  int status = 0;
  std::string code;
};

// Sends one request on one connection (called from that connection's thread only).
using RequestFn = std::function<Reply()>;

struct ClientClass {
  std::string name;
  int connections = 1;
  // Makes the request function of connection `index` (called before the run starts).
  std::function<RequestFn(int index)> make;
  // Counts successful requests as they happen (warm-up included), for sampling; may be null.
  std::atomic<uint64_t>* progress = nullptr;
};

struct LoadOptions {
  double warmup_s = 2;
  double duration_s = 10;
  uint64_t max_requests = 0;  // the run stops after this many requests in all (0: no bound)
};

struct ClassResult {
  std::string name;
  double window_s = 0;
  uint64_t ok = 0;
  std::vector<double> ok_latency_ms;       // sorted
  std::vector<double> refused_latency_ms;  // sorted; answered with an HTTP error status
  std::map<std::string, uint64_t> others;  // "429 rate_limited" -> count
  uint64_t refused = 0;                    // HTTP error answers
  uint64_t failed = 0;  // errors: no HTTP answer (transport, timeout) or a 2xx without a result
};

// Runs every class at once for the warm-up and the measured window (which ends early when
// max_requests is reached). `tick(second)` is called from the calling thread about once a
// second (0 at the start of the measured window, negative during warm-up) for sampling, e.g.
// resident memory.
std::vector<ClassResult> RunLoad(const std::vector<ClientClass>& classes,
                                 const LoadOptions& options,
                                 const std::function<void(int second)>& tick);

// Prints one class's figures as aligned text.
void PrintClassResult(const ClassResult& r);

}  // namespace verbind::bench
