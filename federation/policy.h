// Policy evaluation (docs/policies.md): deny by default; a query is allowed when one policy in
// force covers all of it: the dataset, the requester (directly or through a group), the
// validity window, the purpose and the legal basis, every group-by and filter field, and every
// aggregate with every field it reads. A refusal names the missing permission of the policy
// that came closest. Explain() reports every policy's verdict. Thread-safe (pure functions;
// RateLimiter is internally locked).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "federation/query.h"
#include "storage/policy_store.h"

namespace verbind::federation {

// An empty purpose or legal basis is not checked (for explaining a query before it is sent;
// signed queries always carry both).
struct PolicyRequest {
  std::string requester;
  std::vector<std::string> requester_groups;
  std::string dataset;
  std::string purpose;
  std::string legal_basis;
  QueryFootprint footprint;
  int64_t now_ms = 0;
};

// One policy's verdict on a request.
struct PolicyVerdict {
  std::string policy_id;
  int64_t version = 0;
  bool allows = false;
  int stage = 0;       // how far the checks got (higher is closer to allowing)
  std::string detail;  // what matched, or what is missing
};

struct PolicyDecision {
  bool allowed = false;
  std::optional<storage::StoredPolicy> policy;  // the policy that allows (when allowed)
  std::string reason;                           // the missing permission (when denied)
  std::vector<PolicyVerdict> verdicts;          // one per policy in force
};

// Evaluates the request against the policies in force. When several allow it, the strictest
// applies (largest minimum cell size, then the smallest epsilon per answer, then by id).
PolicyDecision EvaluatePolicies(const std::vector<storage::StoredPolicy>& policies,
                                const PolicyRequest& request);

// Human-readable explanation lines (for `verbind policy explain`).
std::vector<std::string> ExplainDecision(const PolicyDecision& decision,
                                         const PolicyRequest& request);

// Per (policy, requester) hourly limits from rate_limit_per_hour (token buckets; in memory,
// so they restart empty with the node).
class PolicyRateLimiter {
 public:
  // True when one more query is allowed now (and counts it).
  bool Allow(const storage::StoredPolicy& policy, const std::string& requester, int64_t now_ms);

 private:
  std::mutex mu_;
  std::map<std::string, std::pair<double, int64_t>> buckets_;
};

}  // namespace verbind::federation
