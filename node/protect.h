// What stands between a computed table and anything that leaves the node (docs/privacy.md):
// the differencing defence, differential privacy with its budget, and disclosure control on
// every answer; and the requester's final disclosure control on a combined result.
// Thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <variant>

#include "config/policy.h"
#include "federation/coordinator.h"
#include "federation/partial.h"
#include "federation/peer_service.h"
#include "node/query_engine.h"
#include "node/services.h"

namespace verbind::node {

// Protects `run` for the requester of `query` under the grant's policy, records what must be
// remembered (the record set, the budget spent) and returns the partial result JSON, or a
// refusal.
std::variant<nlohmann::json, federation::Refusal> ProtectAnswer(
    NodeServices& s, const federation::VerifiedQuery& query, const federation::Grant& grant,
    LocalRun run);

// The record-set sketch size that decodes every difference below `min_cell_size`.
int RecordSetCellsFor(int min_cell_size);

// The rules for the requester's final disclosure control over the answers received: the
// strictest minimum cell size any answering node applied (10 when none says).
nlohmann::json FinalDisclosureRules(const std::vector<federation::ParticipantOutcome>& answers);
// Applies them to a combined table (also used to re-check receipts).
common::Status ApplyFinalDisclosure(federation::PartialTable& table, const nlohmann::json& rules);

// Disclosure control for a local query by an analyst (admins see exact local results).
common::Status ApplyLocalDisclosure(federation::PartialTable& table);

}  // namespace verbind::node
