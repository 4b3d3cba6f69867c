// MetricsSink: where the listeners count what they do (requests by status, refusals, handshake
// failures, latency). The node's Prometheus registry (node/api/metrics.h) implements it, so the
// network layer names its metrics without depending on the API layer. Implementations are
// thread-safe.
#pragma once

#include <string_view>

namespace verbind::node {

class MetricsSink {
 public:
  virtual ~MetricsSink() = default;
  // Adds `by` to the counter `name` with pre-rendered labels, e.g. `listener="peer",code="200"`.
  virtual void Inc(std::string_view name, std::string_view labels, double by) = 0;
  // Records a duration in the histogram `name`.
  virtual void Observe(std::string_view name, std::string_view labels, double seconds) = 0;
};

}  // namespace verbind::node
