#include "node/api/metrics.h"

#include <gtest/gtest.h>

namespace verbind::node {
namespace {

TEST(Metrics, RendersPrometheusText) {
  Metrics m;
  m.Inc("verbind_http_requests_total", "listener=\"api\",code=\"200\"");
  m.Inc("verbind_http_requests_total", "listener=\"api\",code=\"200\"");
  m.Observe("verbind_http_request_seconds", "listener=\"api\"", 0.003);
  m.Gauge("verbind_peers", "Peers", [] { return 3.0; });
  std::string text = m.Render();
  EXPECT_NE(text.find("# TYPE verbind_http_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("verbind_http_requests_total{listener=\"api\",code=\"200\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("verbind_http_request_seconds_bucket{listener=\"api\",le=\"0.005\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("verbind_http_request_seconds_bucket{listener=\"api\",le=\"0.0025\"} 0"),
            std::string::npos);
  EXPECT_NE(text.find("verbind_peers 3"), std::string::npos);
  EXPECT_EQ(m.CounterValue("verbind_http_requests_total", "listener=\"api\",code=\"200\""), 2);
  EXPECT_GT(ResidentBytes(), 0);
}

}  // namespace
}  // namespace verbind::node
