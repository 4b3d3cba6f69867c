// How one version of a dataset's schema differs from another, field by field, and what each
// difference means for the records (docs/datasets.md, "Versions"): compatible when every record
// valid under the old schema is valid, with the same meaning, under the new one; in place when a
// stored dataset can move to the new schema without reloading its records. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "config/schema.h"

namespace verbind::config {

struct SchemaChange {
  std::string field;  // empty for the dataset as a whole (its key, its description)
  std::string what;   // e.g. "categories added: \"zw\"", "scale 1 -> 2"
  bool compatible = false;
  bool in_place = false;
};

// The differences from `from` to `to`, in field order; empty when they are equal.
std::vector<SchemaChange> CompareSchemas(const Schema& from, const Schema& to);
bool AllCompatible(const std::vector<SchemaChange>& changes);
bool AllInPlace(const std::vector<SchemaChange>& changes);
// "field: what; field: what" (at most `max` changes, then "and N more").
std::string DescribeChanges(const std::vector<SchemaChange>& changes, size_t max = 8);

}  // namespace verbind::config
