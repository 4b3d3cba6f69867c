// PolicyStore: the sharing policies in force, with every earlier version kept. Applying a
// policy file creates version n + 1 of its id; removing creates a version marked removed.
// Readers get an immutable snapshot of the current policies, swapped atomically on change, so
// evaluation never blocks on writers and a change applies to the next query. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "config/policy.h"
#include "storage/database.h"

namespace verbind::storage {

struct StoredPolicy {
  config::Policy policy;
  int64_t version = 0;
  bool removed = false;
  int64_t applied_at_ms = 0;
  std::string applied_by;
  std::string source;  // the policy file as applied
};

class PolicyStore {
 public:
  static common::Result<std::unique_ptr<PolicyStore>> Load(Database* db,
                                                           const common::Clock* clock);
  // Stores a new version of `policy` (its id names it). Returns the stored version.
  common::Result<StoredPolicy> Apply(const config::Policy& policy, const std::string& source,
                                     const std::string& actor);
  // Marks the policy removed (a new version). NotFound when there is no such policy.
  common::Result<StoredPolicy> Remove(const std::string& id, const std::string& actor);
  // The policies in force (not removed), ordered by id.
  std::shared_ptr<const std::vector<StoredPolicy>> Current() const;
  // Every version of one policy, oldest first.
  common::Result<std::vector<StoredPolicy>> History(const std::string& id) const;

 private:
  PolicyStore(Database* db, const common::Clock* clock) : db_(db), clock_(clock) {}
  common::Result<StoredPolicy> Store(StoredPolicy p);
  void Publish(std::vector<StoredPolicy> current);

  Database* db_;
  const common::Clock* clock_;
  std::mutex write_mu_;
  mutable std::mutex snap_mu_;
  std::shared_ptr<const std::vector<StoredPolicy>> current_;
};

}  // namespace verbind::storage
