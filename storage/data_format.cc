#include "storage/data_format.h"

#include "common/strings.h"

namespace verbind::storage {

namespace {

constexpr std::string_view kFormatKey = "format";

common::Status Record(Database& db, int64_t format) {
  WriteBatch batch;
  batch.Put(Family::kMeta, kFormatKey, std::to_string(format));
  return db.Write(batch, /*sync=*/true);
}

}  // namespace

const std::vector<FormatMigration>& FormatMigrations() {
  static const std::vector<FormatMigration> kSteps = {
      {2, "dataset definitions: the definitions column family (created when the folder opens)",
       [](Database&) { return common::Status::Ok(); }},
  };
  return kSteps;
}

common::Result<FormatCheck> UpgradeDataFormat(Database& db, int64_t target,
                                              const std::vector<FormatMigration>& steps) {
  FormatCheck out;
  ASSIGN_OR_RETURN(auto stored, db.Get(Family::kMeta, kFormatKey));
  if (!stored) {
    if (db.IsEmpty()) {
      RETURN_IF_ERROR(Record(db, target));
      out.now = target;
      return out;
    }
    out.found = 1;
  } else if (!common::ParseInt64(*stored, &out.found) || out.found < 1) {
    return common::DataLoss("the data folder's format record is corrupt");
  }
  if (out.found > target) {
    return common::FailedPrecondition(
        "the data folder is format " + std::to_string(out.found) +
        ", written by a newer verbind; this release reads formats up to " +
        std::to_string(target) + ": run the newer release, or restore a backup made for this one");
  }
  int64_t format = out.found;
  for (const FormatMigration& step : steps) {
    if (step.to <= format || step.to > target) continue;
    if (step.to != format + 1) {
      return common::Internal("no migration from data format " + std::to_string(format));
    }
    common::Status applied = step.apply(db);
    if (!applied.ok()) {
      return applied.WithContext("migrating the data folder from format " +
                                 std::to_string(format) + " to " + std::to_string(step.to));
    }
    RETURN_IF_ERROR(Record(db, step.to));
    out.applied.push_back(std::to_string(format) + " -> " + std::to_string(step.to) + ": " +
                          step.what);
    format = step.to;
  }
  if (format != target) {
    return common::Internal("no migration from data format " + std::to_string(format) + " to " +
                            std::to_string(target));
  }
  if (!stored || out.found != format) RETURN_IF_ERROR(Record(db, format));
  out.now = format;
  return out;
}

}  // namespace verbind::storage
