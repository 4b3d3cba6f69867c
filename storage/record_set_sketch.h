// RecordSetSketch: a compact, fixed-size summary of a set of record ids (an invertible Bloom
// lookup table, Goodrich and Mitzenmacher 2011) from which the size of the symmetric difference
// of two sets can be recovered exactly when it is small. The node keeps one per answer it gave
// and refuses a query whose record set differs from an earlier one by fewer than the minimum
// cell size (the differencing defence, docs/privacy.md). Values; thread-compatible.
#pragma once

#include <libdivide.h>

#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/status.h"

namespace verbind::storage {

class RecordSetSketch {
 public:
  static constexpr int kDefaultCells = 96;
  // `cells` is rounded up to a multiple of 3 (one partition per hash function).
  explicit RecordSetSketch(int cells = kDefaultCells);

  void Add(uint64_t id);
  int64_t count() const { return count_; }
  int cells() const { return static_cast<int>(cells_.size()); }

  // The number of ids in exactly one of the two sets when it is at most `limit` and the
  // difference decodes; nullopt when the sets differ by more, or when decoding fails. Failure
  // for a small difference is rare only when the sketch is large enough for it: the default
  // size decodes a few records' difference with a probability of failure around 1e-4; size
  // sketches with storage::HistorySketchCells for a failure rate around 1e-6.
  std::optional<int64_t> SymmetricDifference(const RecordSetSketch& other, int64_t limit) const;

  std::string Encode() const;
  // Whether Encode() would give exactly `bytes` (without building it).
  bool EncodesTo(std::string_view bytes) const;
  static common::Result<RecordSetSketch> Decode(std::string_view bytes);

 private:
  struct Cell {
    int64_t count = 0;
    uint64_t id_xor = 0;
    uint64_t hash_xor = 0;
  };
  // True when a Cell's bytes in memory are its encoded form (24 bytes, little-endian fields).
  static constexpr bool kCellsAreStoredForm = std::endian::native == std::endian::little &&
                                              sizeof(Cell) == 24 &&
                                              std::is_trivially_copyable_v<Cell>;
  void Toggle(uint64_t id, int64_t sign);
  uint64_t part_;                          // cells per hash function
  libdivide::divider<uint64_t> part_div_;  // x % part_ without a division instruction
  std::vector<Cell> cells_;
  int64_t count_ = 0;
};

// A 64-bit id for a record key (stable across upserts).
uint64_t RecordIdOfKey(std::string_view key);

}  // namespace verbind::storage
