#include "node/api/query_runs.h"

namespace verbind::node {

std::shared_ptr<QueryRunState> QueryRuns::Start(const std::string& id, const std::string& who,
                                                int64_t now_ms) {
  auto state = std::make_shared<QueryRunState>();
  state->id = id;
  state->requested_by = who;
  state->started_ms = now_ms;
  std::lock_guard<std::mutex> lock(mu_);
  Prune(now_ms);
  runs_[id] = state;
  return state;
}

std::shared_ptr<QueryRunState> QueryRuns::Find(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = runs_.find(id);
  return it == runs_.end() ? nullptr : it->second;
}

void QueryRuns::BackgroundStarted() {
  std::lock_guard<std::mutex> lock(mu_);
  ++background_;
}

void QueryRuns::BackgroundFinished() {
  std::lock_guard<std::mutex> lock(mu_);
  --background_;
  idle_cv_.notify_all();
}

void QueryRuns::WaitForBackground() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [this] { return background_ == 0; });
}

void QueryRuns::Prune(int64_t now_ms) {
  for (auto it = runs_.begin(); it != runs_.end();) {
    bool old = now_ms - it->second->started_ms > 3'600'000;
    it = old ? runs_.erase(it) : std::next(it);
  }
  while (runs_.size() >= 1000) {
    auto oldest = std::min_element(runs_.begin(), runs_.end(), [](const auto& a, const auto& b) {
      return a.second->started_ms < b.second->started_ms;
    });
    runs_.erase(oldest);
  }
}

}  // namespace verbind::node
