// Scan kernels over one chunk at a time: filters evaluate into a byte mask (1 = the row
// matches), comparing the packed frame-of-reference deltas directly with the constants moved
// into the delta domain, in loops the compiler vectorises; NULL never matches a comparison.
// Thread-compatible: a scan owns its scratch space.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "storage/internal/column_chunk.h"
#include "storage/dataset_store.h"
#include "storage/scan.h"

namespace verbind::storage {

// The columns of one chunk that a scan reads (indexed by field; null when not read).
struct ChunkView {
  uint32_t chunk = 0;
  uint32_t rows = 0;
  std::vector<const ColumnChunk*> columns;
};

// The rows of a chunk that aggregate kernels fold, and their groups.
struct ChunkSelection {
  const uint8_t* sel = nullptr;        // sel[i] = 1: row i matches
  const uint32_t* groups = nullptr;    // row i's group (0 when not selected); null: ungrouped
  const int64_t* group_rows = nullptr; // selected rows per group (index 0 unused)
  size_t group_count = 1;              // groups so far; states hold group_count + 1 entries
};

// Temporary masks for nested AND/OR, one per nesting level.
class FilterScratch {
 public:
  uint8_t* Level(size_t depth);

 private:
  std::vector<std::vector<uint8_t>> levels_;
};

// out[i] = 1 when row i of the chunk matches `p`, else 0, for i < view.rows.
void EvaluateFilter(const Predicate& p, const ChunkView& view, uint8_t* out,
                    FilterScratch* scratch, size_t depth = 0);

// Whether `p` holds for a row whose (only) tested column has the value `value` (nullopt: NULL).
bool HoldsForValue(const Predicate& p, std::optional<int64_t> value);

// Clears out[i] for rows set in `bitmap` (deleted or NULL rows).
void ClearRows(const RowBitmap& bitmap, uint32_t rows, uint8_t* out);
// valid[i] = sel[i] and row i of `c` is not NULL; returns `sel` itself when `c` has no NULLs.
const uint8_t* NonNullRows(const ColumnChunk& c, const uint8_t* sel, uint32_t rows,
                           uint8_t* valid);
// The number of set bytes in mask[0, rows).
uint32_t CountSelected(const uint8_t* mask, uint32_t rows);
// counts[g] += the rows i with valid[i] and groups[i] == g, for g in [0, group_count].
void CountGroups(const uint8_t* valid, const uint32_t* groups, uint32_t rows, size_t group_count,
                 int64_t* counts);

// Calls fn(T* deltas) with the chunk's deltas at their packed width.
template <typename Fn>
auto WithDeltas(const ColumnChunk& c, Fn&& fn) {
  switch (c.width) {
    case 1: return fn(c.Deltas<uint8_t>());
    case 2: return fn(c.Deltas<uint16_t>());
    case 4: return fn(c.Deltas<uint32_t>());
    default: return fn(c.Deltas<uint64_t>());
  }
}

}  // namespace verbind::storage
