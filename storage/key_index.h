// KeyIndex: record key -> row, in memory, for upsert and erase without a RocksDB read or write
// per row. An open-addressing table of 8-byte slots: 32 bits of the key's hash and the row.
// The index never holds keys: a candidate row is confirmed by the caller comparing the stored
// key (`match`), so hash collisions never merge two records. It cannot grow in place (the
// slots do not keep the whole hash); owners rebuild a larger one from the keys.
// Thread-compatible: the dataset's writer lock guards it.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace verbind::storage {

// A 64-bit hash of a record key (not stable across versions; in memory only).
uint64_t HashKey(std::string_view key);

class KeyIndex {
 public:
  // An index for up to `expected` keys (capacity: a power of two, at most 70% full).
  explicit KeyIndex(size_t expected = 0);

  // The row of a key with `hash` for which match(row) is true, or -1.
  template <typename Match>
  int64_t Find(uint64_t hash, Match&& match) const {
    if (slots_.empty()) return -1;
    uint32_t tag = static_cast<uint32_t>(hash >> 32);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      uint64_t s = slots_[i];
      if (s == 0) return -1;
      uint32_t row1 = static_cast<uint32_t>(s);
      if (row1 != kTombstone && static_cast<uint32_t>(s >> 32) == tag && match(row1 - 1)) {
        return row1 - 1;
      }
    }
  }
  // True when `extra` more keys fit without passing the load limit.
  bool HasRoomFor(size_t extra) const;
  // Adds a key known to be absent. Requires HasRoomFor(1).
  void Insert(uint64_t hash, uint32_t row);
  // Points the entry (hash, old_row) at new_row; false when absent.
  bool Replace(uint64_t hash, uint32_t old_row, uint32_t new_row);
  // Removes the entry (hash, row); false when absent.
  bool Remove(uint64_t hash, uint32_t row);

  size_t size() const { return size_; }
  size_t MemoryBytes() const { return slots_.size() * sizeof(uint64_t); }
  // The largest row number an index can hold.
  static constexpr uint32_t kMaxRow = 0xfffffffdu;

 private:
  static constexpr uint32_t kTombstone = 0xffffffffu;
  uint64_t* FindSlot(uint64_t hash, uint32_t row);
  std::vector<uint64_t> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
  size_t used_ = 0;  // live entries plus tombstones
};

}  // namespace verbind::storage
