// How this node answers an authorised query: the sharing-policy Authorizer and the dataset
// Executor that PeerService calls (for peers and for this node's own part of a federated
// query). Thread-safe.
#pragma once

#include "federation/peer_service.h"
#include "federation/policy.h"
#include "node/services.h"

namespace verbind::node {

// Deny by default: evaluates the policies in force (docs/policies.md) and their rate limits.
class PolicyAuthorizer final : public federation::Authorizer {
 public:
  explicit PolicyAuthorizer(NodeServices* s) : s_(s) {}
  std::variant<federation::Grant, federation::Refusal> Authorize(
      const federation::VerifiedQuery& query) override;

 private:
  NodeServices* s_;
  federation::PolicyRateLimiter limiter_;
};

// Scans the dataset and applies the granted policy's protections (differencing defence,
// differential privacy, disclosure control) before anything leaves the node.
class DatasetExecutor final : public federation::Executor {
 public:
  explicit DatasetExecutor(NodeServices* s) : s_(s) {}
  std::variant<nlohmann::json, federation::Refusal> Execute(
      const federation::VerifiedQuery& query, const federation::Grant& grant) override;

 private:
  NodeServices* s_;
};

}  // namespace verbind::node
