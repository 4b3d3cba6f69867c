// AnswerService: the one place where this node decides what it answers and protects it, for
// peers and for its own analysts alike (docs/privacy.md):
//
//   policy (deny by default, rate limits)  -> Authorize
//   plan (public keys, sensitivities, every refusal; no data read)
//   scan (or the scan cache)
//   protection: differential privacy for datasets about persons (the budget reserved, then
//   noise seeded by the node's secret, the canonical query and the data version), thresholds
//   for datasets marked non-personal                                       -> Answer
//
// The caller writes the answer's audit entry together with the budget reservation in one
// synced batch (fail closed) and signs the result. Everything a refusal says is a function of
// the query, the policy, the public schema and the budget state. Thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "common/clock.h"
#include "config/node_config.h"
#include "config/policy.h"
#include "crypto/secret.h"
#include "federation/answer/plan.h"
#include "federation/answer/scan_cache.h"
#include "federation/partial.h"
#include "federation/policy.h"
#include "federation/query.h"
#include "federation/verifier.h"
#include "storage/dataset_store.h"
#include "storage/policy_store.h"
#include "storage/privacy_ledger.h"

namespace verbind::federation {

// What a sharing policy allows for one query, handed from Authorize to Answer: the query as
// parsed and checked (Answer computes exactly this) and the policy that allowed it.
struct Grant {
  std::string policy_id;
  int64_t policy_version = 0;
  Query query;
  std::shared_ptr<const config::Policy> policy;
  // The definition the requester expects the dataset to conform to (from the query payload).
  std::optional<config::DefinitionRef> expected_definition;
};

// A protected answer ready to be audited and signed.
struct ProtectedAnswer {
  nlohmann::json result;  // the partial's "result" object (docs/protocol.md, section 5)
  // The budget charge (empty unless differential privacy charged it): write its batch with
  // the audit entry, then Commit(); dropping it gives the amount back.
  storage::BudgetReservation reservation;
  // The definition this node's dataset conforms to, named in the partial.
  std::optional<config::DefinitionRef> definition;
};

// The stores and settings an AnswerService reads; pointers must outlive it.
struct AnswerDependencies {
  storage::DatasetStore* datasets = nullptr;
  const storage::PolicyStore* policies = nullptr;
  storage::PrivacyLedger* ledger = nullptr;
  ScanCache* scan_cache = nullptr;  // may be null
  const common::Clock* clock = nullptr;
  crypto::SecretBytes noise_secret;  // 32 random bytes, kept secret by the node
  config::Limits limits;             // rows, groups and time one scan may take
};

class AnswerService {
 public:
  explicit AnswerService(AnswerDependencies deps);

  // The sharing policies in force (deny by default) and their rate limits, for a verified
  // query: `denied`, `rate_limited` or `invalid_query` (a query that does not parse).
  std::variant<Grant, Refusal> Authorize(const VerifiedQuery& query);

  // The protected answer to an authorised query for `requester`: `invalid_query` (the query
  // does not fit the dataset), `denied` (the protection cannot release it: the message says
  // why), `too_expensive` (scan bounds), `budget_exhausted`, `unavailable` or `internal`.
  std::variant<ProtectedAnswer, Refusal> Answer(const Grant& grant, std::string_view requester);

  // The owner's raw answer: exact values of every aggregate, no policy and no protection.
  // Never sent to another node; the caller audits it. InvalidArgument, ResourceExhausted or
  // DeadlineExceeded as a scan.
  common::Result<PartialTable> AnswerRaw(const Query& query);

  // Whether `query` fits this node's copy of its dataset: known fields of the right types,
  // literals that fit them, declared labels. InvalidArgument "path: message" (the path into the
  // JSON form, as FindQueryIssue gives it) when it does not; Ok when it fits or this node does
  // not hold the dataset. Depends on the schema only, never on the records.
  common::Status CheckFits(const Query& query) const;

 private:
  common::Result<storage::ScanResult> Scan(const storage::DatasetInfo& info,
                                           const AnswerPlan& plan, const std::string& canonical);
  common::Result<AnswerPlan> Plan(const Query& query, const storage::DatasetInfo& info,
                                  Protection protection, const config::Policy* policy) const;

  AnswerDependencies deps_;
  PolicyRateLimiter limiter_;
};

}  // namespace verbind::federation
