#include "node/query_engine.h"

#include "federation/partial_build.h"
#include "federation/query_json.h"

namespace verbind::node {

using common::Result;

namespace {

// Everything that shapes a scan's outcome: the data (dataset, its creation and generation),
// the scan settings and the query in canonical form.
std::string ScanKey(const storage::DatasetInfo& info, const storage::ScanSpec& spec,
                    const std::string& canonical_query) {
  std::string key = info.name;
  for (int64_t v : {info.created_at_ms, static_cast<int64_t>(info.generation),
                    spec.max_rows_scanned, static_cast<int64_t>(spec.max_groups),
                    static_cast<int64_t>(spec.want_record_set), int64_t{spec.record_set_cells}}) {
    key += '\n' + std::to_string(v);
  }
  for (const auto& a : spec.aggregates) key += ' ' + std::to_string(a.track_top);
  return key + '\n' + canonical_query;
}

}  // namespace

Result<LocalRun> RunLocalQuery(NodeServices& s, const federation::Query& query,
                               const LocalScanOptions& options) {
  if (!s.datasets) return common::FailedPrecondition("this node has no dataset store");
  auto info = s.datasets->Describe(query.dataset);
  if (!info.ok()) {
    return common::InvalidArgument("dataset " + query.dataset + " does not exist on this node");
  }
  LocalRun run;
  run.schema = info->schema;
  run.generation = info->generation;
  std::string dataset = query.dataset;
  storage::DatasetStore* store = s.datasets.get();
  ASSIGN_OR_RETURN(run.bound, federation::BindQuery(query, info->schema,
                                                    [store, dataset](size_t field,
                                                                     std::string_view label) {
                                                      return store->CategoryCode(dataset, field,
                                                                                 label);
                                                    }));
  storage::ScanSpec& spec = run.bound.scan;
  const config::Limits& limits = s.config.limits;
  spec.max_rows_scanned = limits.max_rows_scanned;
  spec.max_groups = options.max_groups > 0 ? std::min(options.max_groups, limits.max_groups)
                                           : limits.max_groups;
  spec.timeout_ms = limits.query_timeout_ms;
  spec.want_record_set = options.want_record_set;
  spec.record_set_cells = options.record_set_cells;
  for (auto& a : spec.aggregates) {
    if (a.kind == storage::AggregateSpec::Kind::kSum) a.track_top = options.track_top;
  }
  if (options.before_scan) RETURN_IF_ERROR(options.before_scan(run.bound));
  run.query = query;
  run.canonical_query = federation::QueryToJson(query);
  std::string key;
  if (s.scan_cache && s.scan_cache->enabled()) {
    key = ScanKey(*info, spec, run.canonical_query);
    if (auto hit = s.scan_cache->Find(key)) {
      s.metrics.Inc("verbind_scan_cache_total", "result=\"hit\"");
      run.table = hit->table;
      run.record_set = hit->record_set;
      return run;
    }
    s.metrics.Inc("verbind_scan_cache_total", "result=\"miss\"");
  }
  ASSIGN_OR_RETURN(storage::ScanResult scan, s.datasets->Scan(dataset, spec));
  run.generation = scan.generation;
  if (scan.record_set) {
    run.record_set = std::make_shared<const storage::RecordSetSketch>(std::move(*scan.record_set));
  }
  ASSIGN_OR_RETURN(run.table,
                   federation::BuildPartialTable(run.bound, scan,
                                                 [store, dataset](size_t field, int64_t code) {
                                                   return store->CategoryLabel(dataset, field, code);
                                                 }));
  // Kept only when the scan saw the generation the query was bound to.
  if (!key.empty() && scan.generation == info->generation) {
    s.scan_cache->Put(key, std::make_shared<const CachedScan>(CachedScan{run.table, run.record_set}));
  }
  return run;
}

}  // namespace verbind::node
