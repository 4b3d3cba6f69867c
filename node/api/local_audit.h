// LocalAudit: records what administrators and analysts do through the local API in the audit
// log (direction "local"), under the trace id of the request that did it. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "storage/audit_log.h"

namespace verbind::node {

class LocalAudit {
 public:
  struct Entry {
    std::string actor;      // the token's name
    std::string operation;  // e.g. "peer.add"
    std::string decision;   // e.g. "applied"
    std::string detail;
    std::string foreign_org;  // the peer concerned, if any
    std::string dataset;      // the dataset concerned, if any
  };

  // `log` and `clock` must outlive this object.
  LocalAudit(storage::AuditLog* log, const common::Clock* clock) : log_(log), clock_(clock) {}

  // Appends `entry`; the error when the log cannot be written (callers then refuse what they
  // were about to do: fail-closed).
  common::Status Record(std::string_view trace_id, const Entry& entry) const;

 private:
  storage::AuditLog* log_;
  const common::Clock* clock_;
};

}  // namespace verbind::node
