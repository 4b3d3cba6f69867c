// Metrics in the Prometheus text exposition format (version 0.0.4): counters, gauges read at
// scrape time, and latency histograms. Label sets are passed pre-rendered, e.g.
// `listener="peer",code="200"`. The listeners count through it (node/net/metrics_sink.h).
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "node/net/metrics_sink.h"

namespace verbind::node {

class Metrics final : public MetricsSink {
 public:
  Metrics();
  void Inc(std::string_view name, std::string_view labels = "", double by = 1) override;
  void Observe(std::string_view name, std::string_view labels, double seconds) override;
  // A gauge whose value is read when /metrics is scraped.
  void Gauge(std::string_view name, std::string_view help, std::function<double()> read);
  std::string Render() const;
  // The current value of a counter (for tests), 0 when absent.
  double CounterValue(std::string_view name, std::string_view labels = "") const;

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;
    uint64_t count = 0;
    double sum = 0;
  };
  struct GaugeFn {
    std::string help;
    std::function<double()> read;
  };
  mutable std::mutex mu_;
  template <typename V>
  using ByLabels = std::map<std::string, V, std::less<>>;  // found without a copy of the key
  std::map<std::string, ByLabels<double>, std::less<>> counters_;
  std::map<std::string, ByLabels<Histogram>, std::less<>> histograms_;
  std::map<std::string, GaugeFn, std::less<>> gauges_;
};

// Resident set size of this process in bytes (from /proc/self/statm).
double ResidentBytes();

}  // namespace verbind::node
