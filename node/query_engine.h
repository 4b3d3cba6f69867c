// Running a query over this node's own dataset: parse, bind to the schema, scan within the
// configured bounds, and turn the cells into a PartialTable. Shared by local queries, peer
// answers and this node's own part of federated queries. Thread-safe.
#pragma once

#include <functional>
#include <optional>

#include "federation/bind.h"
#include "federation/partial.h"
#include "federation/query.h"
#include "node/scan_cache.h"
#include "node/services.h"

namespace verbind::node {

struct LocalScanOptions {
  // Called with the bound query before anything is read (for checks that must not touch data).
  std::function<common::Status(const federation::BoundQuery&)> before_scan;
  bool want_record_set = false;
  int record_set_cells = 0;
  int track_top = 0;
  int max_groups = 0;  // 0: the node's limit
};

struct LocalRun {
  std::optional<federation::Query> query;
  std::string canonical_query;  // federation::QueryToJson(*query)
  federation::BoundQuery bound;
  config::Schema schema;
  federation::PartialTable table;
  std::shared_ptr<const storage::RecordSetSketch> record_set;  // shared with the scan cache
  uint64_t generation = 0;
};

// InvalidArgument for queries that do not fit the dataset (unknown dataset, fields, types);
// ResourceExhausted / DeadlineExceeded when the scan passes its bounds.
common::Result<LocalRun> RunLocalQuery(NodeServices& s, const federation::Query& query,
                                       const LocalScanOptions& options);

}  // namespace verbind::node
