// The on-disk format of a node's data folder (docs/configuration.md, "Upgrades"): a number kept
// in the database (Family::kMeta, key "format"), checked when the node opens the folder. A
// folder of a newer format is refused; an older one is migrated one step at a time, each step
// idempotent and its completion recorded by a synced write of the new number, so a crash during
// a migration leaves the folder at the last completed step and the next start goes on from
// there. Folders written before the number existed are format 1. Thread-compatible: run once,
// before anything else uses the database.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/database.h"

namespace verbind::storage {

// Format 1: folders before the format number. Format 2: the dataset-definitions column family
// and datasets that record the definition they conform to.
inline constexpr int64_t kDataFormat = 2;

struct FormatMigration {
  int64_t to = 0;    // the format this step produces (from to - 1)
  std::string what;  // one line for the log
  std::function<common::Status(Database&)> apply;  // idempotent
};

// This release's migrations, in order.
const std::vector<FormatMigration>& FormatMigrations();

struct FormatCheck {
  int64_t found = 0;  // the folder's format before (0: a new folder)
  int64_t now = 0;
  std::vector<std::string> applied;  // "1 -> 2: what", one per step
};

// Brings the folder to `target` (a new folder is written as `target` at once). A newer format
// is FailedPrecondition saying so; a failed step is its error, with the format left at the last
// completed step.
common::Result<FormatCheck> UpgradeDataFormat(
    Database& db, int64_t target = kDataFormat,
    const std::vector<FormatMigration>& steps = FormatMigrations());

}  // namespace verbind::storage
