// Receipts (docs/federation.md, "Receipts"): everything needed to check a federated result offline.
// The coordinator signs (as a "receipt" envelope) a body holding the signed query envelope, every
// participant's outcome with its signed partial or refusal, the combined table and the finished
// result. VerifyReceipt checks every signature against identity documents, every answer's
// binding to the query, recomputes the combination from the signed partials, and refuses a
// file in which any byte was changed. Thread-safe (pure functions).
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "federation/coordinator.h"
#include "federation/identity.h"
#include "federation/partial.h"
#include "federation/result.h"

namespace verbind::federation {

// The receipt file text for a finished run. `combined` is the combination of the signed
// partials (CombineAnswers), `result` the finished result JSON.
std::string BuildReceipt(const RunResult& run, const PartialTable& combined,
                         const nlohmann::json& result, const NodeSigner& signer, int64_t now_s);

struct ReceiptCheck {
  bool ok = false;
  std::vector<std::string> lines;  // what was checked, in order
  std::string error;               // the first failure
};

// Verifies a receipt file. `identities` maps organisation ids to their identity documents
// (several per organisation after key rotations). `finish` turns a combined table into the
// result JSON (as the coordinator did), told whether every participant answered.
ReceiptCheck VerifyReceipt(
    std::string_view file, const std::map<std::string, std::vector<IdentityDocument>>& identities,
    const std::function<common::Result<nlohmann::json>(const PartialTable&, Coverage)>& finish);

}  // namespace verbind::federation
