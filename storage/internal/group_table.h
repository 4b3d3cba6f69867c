// GroupTable: the groups of a grouped scan. For each chunk it gives every selected row a group
// number (1, 2, ...; 0 for rows not selected), creating groups as new key combinations appear
// and stopping with ResourceExhausted past the limit. When the group columns' ranges in a chunk
// are small (categoricals, booleans, narrow integers) a row's group comes from a lookup table
// indexed by its packed deltas; otherwise from a hash map. NULL is a group key of its own.
// Thread-compatible: one per scan.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "common/dates.h"
#include "common/status.h"
#include "storage/dataset_store.h"
#include "storage/internal/scan_kernels.h"

namespace verbind::storage {

class GroupTable {
 public:
  // `parts`: per column, the part of a date to group by (empty: none).
  // `bands`: per column, CASE bands to group by (empty: none).
  GroupTable(std::vector<int> columns, std::vector<common::DatePart> parts,
             std::vector<KeyBands> bands, int max_groups);

  // groups[i] for i < view.rows: the group of row i when sel[i], else 0.
  common::Status Assign(const ChunkView& view, const uint8_t* sel, uint32_t* groups);
  // The number of groups so far; group numbers run from 1 to size().
  size_t size() const { return keys_.size(); }
  const GroupKey& key(uint32_t group) const { return keys_[group - 1]; }

 private:
  struct KeyHash {
    size_t operator()(const GroupKey& k) const;
  };
  common::Result<uint32_t> GroupOf(const GroupKey& key);
  common::Status AssignDense(const ChunkView& view, const uint8_t* sel, uint32_t* groups,
                             uint64_t domain);
  template <typename T>
  common::Status LookUp(const T* local, const ChunkView& view, const uint8_t* sel,
                        uint32_t* groups);
  common::Status AssignSparse(const ChunkView& view, const uint8_t* sel, uint32_t* groups);
  GroupKey KeyOfRow(const ChunkView& view, uint32_t row) const;

  std::vector<int> columns_;
  std::vector<common::DatePart> parts_;  // one per column
  std::vector<KeyBands> bands_;          // one per column
  int max_groups_;
  std::vector<GroupKey> keys_;
  std::unordered_map<GroupKey, uint32_t, KeyHash> index_;
  // Whether column j groups by a part or bands of its value rather than the value.
  bool Transformed(size_t j) const;
  // For a transformed column with a small range in this chunk: the symbol of each delta, one
  // per distinct key (rows with one symbol have one key), and NULL's symbol last.
  void MapSymbols(size_t j, const ColumnChunk& c);

  std::vector<std::vector<uint32_t>> mapped_;  // per column; empty: the deltas are symbols
  std::vector<uint32_t> local_;   // dense: local key of each row
  std::vector<uint32_t> table_;   // dense: local key -> group
};

}  // namespace verbind::storage
