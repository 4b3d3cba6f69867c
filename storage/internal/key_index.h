// KeyIndex: record key -> row, in memory, for upsert and erase without a RocksDB read or write
// per row. An open-addressing table (linear probing) of 12-byte slots holding the key's 64-bit
// hash and its row; it grows by rehashing in memory. The index never holds keys: a candidate
// row is confirmed by the caller comparing the stored key (`match`), so a hash collision can
// never merge two records. Thread-compatible: the dataset's writer lock guards it.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace verbind::storage {

// A 64-bit hash of a record key (not stable across versions; in memory only).
uint64_t HashKey(std::string_view key);

class KeyIndex {
 public:
  // An index with room for `expected` keys.
  explicit KeyIndex(size_t expected = 0);

  // The row of a key with `hash` for which match(row) is true, or -1.
  template <typename Match>
  int64_t Find(uint64_t hash, Match&& match) const {
    if (slots_.empty()) return -1;
    auto lo = static_cast<uint32_t>(hash), hi = static_cast<uint32_t>(hash >> 32);
    for (size_t i = Home(hash);; i = Next(i)) {
      const Slot& s = slots_[i];
      if (s.row1 == 0) return -1;
      if (s.row1 != kTombstone && s.lo == lo && s.hi == hi && match(s.row1 - 1)) {
        return s.row1 - 1;
      }
    }
  }
  // Makes room for `extra` more keys, growing (by half again) when needed.
  void Reserve(size_t extra);
  // Adds a key known to be absent (growing when full).
  void Insert(uint64_t hash, uint32_t row);
  // Points the entry (hash, old_row) at new_row; false when absent.
  bool Replace(uint64_t hash, uint32_t old_row, uint32_t new_row);
  // Removes the entry (hash, row); false when absent.
  bool Remove(uint64_t hash, uint32_t row);

  size_t size() const { return size_; }
  size_t MemoryBytes() const { return slots_.capacity() * sizeof(Slot); }
  // The largest row number an index can hold.
  static constexpr uint32_t kMaxRow = 0xfffffffdu;

 private:
  struct Slot {
    uint32_t row1 = 0;  // row + 1; 0: empty; kTombstone: removed
    uint32_t lo = 0;    // the hash
    uint32_t hi = 0;
  };
  static constexpr uint32_t kTombstone = 0xffffffffu;
  size_t Home(uint64_t hash) const {
    return static_cast<size_t>((static_cast<unsigned __int128>(hash) * slots_.size()) >> 64);
  }
  size_t Next(size_t i) const { return i + 1 == slots_.size() ? 0 : i + 1; }
  size_t Limit() const { return slots_.size() * 4 / 5; }
  void Rehash(size_t capacity);
  Slot* FindSlot(uint64_t hash, uint32_t row);
  void Place(uint64_t hash, uint32_t row);

  std::vector<Slot> slots_;
  size_t size_ = 0;
  size_t used_ = 0;  // live entries plus tombstones
};

}  // namespace verbind::storage
