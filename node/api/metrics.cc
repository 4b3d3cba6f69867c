#include "node/api/metrics.h"

#include <unistd.h>

#include <cstdio>
#include <sstream>

namespace verbind::node {

namespace {

constexpr double kBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                               0.1,    0.25,  0.5,    1,     2.5,  5,     10};

// Help text for the metrics the node exports.
const std::map<std::string, std::string, std::less<>>& HelpTexts() {
  static const std::map<std::string, std::string, std::less<>> kHelp = {
      {"verbind_http_requests_total", "HTTP requests answered, by listener and status"},
      {"verbind_http_request_seconds", "Time from a complete request head to the response"},
      {"verbind_connections_refused_total", "Connections closed at once: over max_connections"},
      {"verbind_tls_handshake_failures_total", "TLS handshakes that failed or were refused"},
      {"verbind_http_early_refusals_total",
       "Requests refused by the framing layer (408, 413, 415, 431, 400, 503)"},
      {"verbind_peer_queries_total", "Peer queries by decision code"},
      {"verbind_federated_queries_total", "Federated query runs by outcome"},
      {"verbind_audit_entries_total", "Audit log entries written"},
      {"verbind_ingested_rows_total", "Rows stored by ingest"},
  };
  return kHelp;
}

std::string Join(std::string_view labels, std::string_view extra) {
  if (labels.empty()) return std::string(extra);
  if (extra.empty()) return std::string(labels);
  return std::string(labels) + "," + std::string(extra);
}

std::string Series(std::string_view name, std::string_view labels) {
  return labels.empty() ? std::string(name) : std::string(name) + "{" + std::string(labels) + "}";
}

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void Header(std::ostringstream& out, std::string_view name, std::string_view type,
            std::string_view help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

}  // namespace

Metrics::Metrics() = default;

void Metrics::Inc(std::string_view name, std::string_view labels, double by) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counters_.find(name);
  if (it == counters_.end()) it = counters_.emplace(std::string(name), ByLabels<double>()).first;
  auto c = it->second.find(labels);
  if (c == it->second.end()) c = it->second.emplace(std::string(labels), 0.0).first;
  c->second += by;
}

void Metrics::Observe(std::string_view name, std::string_view labels, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = histograms_.find(name);
  if (it == histograms_.end()) {
    it = histograms_.emplace(std::string(name), ByLabels<Histogram>()).first;
  }
  auto found = it->second.find(labels);
  if (found == it->second.end()) found = it->second.emplace(std::string(labels), Histogram()).first;
  Histogram& h = found->second;
  if (h.buckets.empty()) h.buckets.assign(std::size(kBuckets), 0);
  for (size_t i = 0; i < std::size(kBuckets); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::Gauge(std::string_view name, std::string_view help, std::function<double()> read) {
  std::lock_guard<std::mutex> lock(mu_);
  gauges_[std::string(name)] = GaugeFn{std::string(help), std::move(read)};
}

double Metrics::CounterValue(std::string_view name, std::string_view labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counters_.find(name);
  if (it == counters_.end()) return 0;
  auto jt = it->second.find(std::string(labels));
  return jt == it->second.end() ? 0 : jt->second;
}

std::string Metrics::Render() const {
  std::ostringstream out;
  std::lock_guard<std::mutex> lock(mu_);
  auto help = [](std::string_view name) {
    auto it = HelpTexts().find(name);
    return it == HelpTexts().end() ? std::string(name) : it->second;
  };
  for (const auto& [name, series] : counters_) {
    Header(out, name, "counter", help(name));
    for (const auto& [labels, v] : series) out << Series(name, labels) << " " << Num(v) << "\n";
  }
  for (const auto& [name, series] : histograms_) {
    Header(out, name, "histogram", help(name));
    for (const auto& [labels, h] : series) {
      for (size_t i = 0; i < std::size(kBuckets); ++i) {
        char le[32];
        std::snprintf(le, sizeof le, "%g", kBuckets[i]);
        out << Series(name + std::string("_bucket"), Join(labels, "le=\"" + std::string(le) + "\""))
            << " " << h.buckets[i] << "\n";
      }
      out << Series(name + std::string("_bucket"), Join(labels, "le=\"+Inf\"")) << " " << h.count
          << "\n";
      out << Series(name + std::string("_sum"), labels) << " " << Num(h.sum) << "\n";
      out << Series(name + std::string("_count"), labels) << " " << h.count << "\n";
    }
  }
  for (const auto& [name, g] : gauges_) {
    Header(out, name, "gauge", g.help);
    out << name << " " << Num(g.read()) << "\n";
  }
  return out.str();
}

double ResidentBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long size = 0, resident = 0;
  int n = std::fscanf(f, "%ld %ld", &size, &resident);
  std::fclose(f);
  return n == 2 ? static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) : 0;
}

}  // namespace verbind::node
