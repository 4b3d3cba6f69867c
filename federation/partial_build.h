// From a local scan to a PartialTable, and from a (combined) PartialTable to the result table
// analysts see. Pure functions; thread-safe.
#pragma once

#include "common/status.h"
#include "federation/bind.h"
#include "federation/partial.h"
#include "federation/result.h"
#include "storage/dataset_store.h"

namespace verbind::federation {

// The items of a bound query: one group item per GROUP BY field (in GROUP BY order), then one
// item per aggregate select item (in select order).
std::vector<ItemDescriptor> ItemsOf(const BoundQuery& query);

// The scan's cells as a PartialTable (group keys as values via `labels`). States keep their
// local-only parts (SumState::top) for disclosure control; EncodePartialTable drops them.
common::Result<PartialTable> BuildPartialTable(const BoundQuery& query,
                                               const storage::ScanResult& scan,
                                               const CategoryLabelLookup& labels);

// Finishes every cell: group values, aggregate values in real units, and the status of each
// cell and value (suppressed, or incomplete when a node withheld its part).
common::Result<ResultTable> FinishPartialTable(const PartialTable& table);

}  // namespace verbind::federation
