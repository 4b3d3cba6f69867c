// ScanExecutor: runs one ScanSpec over one dataset snapshot, chunk by chunk: load the columns
// the scan reads (from the chunk cache, else RocksDB), evaluate the filter into a selection,
// drop deleted rows, assign groups, fold each aggregate's kernel, and add matching record ids
// to the record-set sketch. It stops with ResourceExhausted past max_rows_scanned or
// max_groups and DeadlineExceeded past timeout_ms. Thread-compatible: one per scan; many scans
// run concurrently on one snapshot.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "storage/internal/chunk_store.h"
#include "storage/internal/dataset_state.h"
#include "storage/scan.h"

namespace verbind::storage {

// Refuses specs that name missing columns, filter or group on identifiers, or exceed limits.
common::Status ValidateScanSpec(const ScanSpec& spec, const config::Schema& schema);

// Runs `spec` over snapshot `s`. An empty optional means a chunk was rewritten after the
// snapshot was taken: run again on a fresh snapshot.
common::Result<std::optional<ScanResult>> ExecuteScan(const ChunkStore& store,
                                                      const DatasetState& s,
                                                      const ScanSpec& spec,
                                                      const common::Clock& clock);

}  // namespace verbind::storage
