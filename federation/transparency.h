// The transparency register (docs/transparency.md): what a node exchanged in one month, derived
// from its audit log, for publication. Per direction, other organisation, purpose, legal basis,
// dataset and kind of aggregates: how many queries were answered, refused by policy, or failed.
// Never a value, a filter constant or anything about a person: only what the audit entries
// say about the exchange itself. The published file is signed by the node (an envelope of type
// "transparency-register") and checked offline against the node's identity document.
// Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "federation/identity.h"
#include "federation/peer_service.h"
#include "storage/audit_log.h"

namespace verbind::federation {

// The first millisecond of month "YYYY-MM" (UTC) and of the next; InvalidArgument otherwise.
common::Result<std::pair<int64_t, int64_t>> MonthRange(std::string_view month);

// The aggregate functions a query's JSON form asks (sorted, distinct, e.g. "avg,count").
std::string AggregatesOf(const nlohmann::json& query);

// The register of `org` for `month` from the audit entries of that month (others are ignored).
// `head` is the audit log's head when the register was made.
nlohmann::json BuildRegister(const std::vector<storage::StoredAuditEntry>& entries,
                             const std::string& org, const std::string& month,
                             const storage::AuditHead& head, int64_t generated_at_ms);
// The register's rows as CSV for spreadsheets: `;` separated, one row per line.
std::string RegisterToCsv(const nlohmann::json& reg);

// The publication file: the register signed by the node, and the register as readable JSON.
std::string SealRegister(const nlohmann::json& reg, const NodeSigner& signer);
// Checks a publication file against the publishing organisation's identity document: the
// signature, the signer, and that the readable register is the signed one. The register.
common::Result<nlohmann::json> VerifyRegister(std::string_view file,
                                              const IdentityDocument& identity);

}  // namespace verbind::federation
