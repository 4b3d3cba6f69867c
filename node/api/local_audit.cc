#include "node/api/local_audit.h"

#include "federation/peer_service.h"

namespace verbind::node {

common::Status LocalAudit::Record(std::string_view trace_id, const Entry& entry) const {
  storage::AuditEntry e;
  e.time_ms = clock_->NowMillis();
  e.direction = "local";
  e.operation = entry.operation;
  e.operation_id = federation::NewOperationId();
  e.trace_id = std::string(trace_id);
  e.actor = entry.actor;
  e.decision = entry.decision;
  e.reason = entry.detail;
  e.foreign_org = entry.foreign_org;
  e.dataset = entry.dataset;
  auto seq = log_->Append(e);
  return seq.ok() ? common::Status::Ok() : seq.status();
}

}  // namespace verbind::node
