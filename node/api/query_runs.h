// Federated query runs started through the API: synchronous ones return when done; long ones
// run in the background and are polled (GET /v1/queries/ID) with every node's status while
// they run. Finished runs are kept for an hour (at most 1000). Thread-safe.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "federation/coordinator.h"

namespace verbind::node {

struct QueryRunState {
  std::string id;
  std::string requested_by;
  int64_t started_ms = 0;
  federation::RunProgress progress;
  std::mutex mu;
  bool done = false;
  nlohmann::json response;  // when done
};

class QueryRuns {
 public:
  std::shared_ptr<QueryRunState> Start(const std::string& id, const std::string& who,
                                       int64_t now_ms);
  std::shared_ptr<QueryRunState> Find(const std::string& id) const;
  // Background runs: counted so that shutdown can wait for them (WaitForBackground).
  void BackgroundStarted();
  void BackgroundFinished();
  void WaitForBackground();

 private:
  void Prune(int64_t now_ms);
  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
  int background_ = 0;
  std::map<std::string, std::shared_ptr<QueryRunState>> runs_;
};

}  // namespace verbind::node
