#include "storage/internal/key_index.h"

#include <cstring>

#include "common/check.h"

namespace verbind::storage {

uint64_t HashKey(std::string_view key) {
  // 8 bytes at a time with a multiply-rotate step, then a full avalanche (splitmix64).
  uint64_t h = 0x243f6a8885a308d3ULL ^ (key.size() * 0x9e3779b97f4a7c15ULL);
  size_t i = 0;
  for (; i + 8 <= key.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, key.data() + i, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h = (h << 31) | (h >> 33);
  }
  uint64_t tail = 0;
  std::memcpy(&tail, key.data() + i, key.size() - i);
  h = (h ^ tail) * 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

KeyIndex::KeyIndex(size_t expected) {
  if (expected > 0) Rehash(expected * 5 / 4 + 16);
}

void KeyIndex::Rehash(size_t capacity) {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(capacity, Slot{});
  size_ = used_ = 0;
  for (const Slot& s : old) {
    if (s.row1 != 0 && s.row1 != kTombstone) {
      Place((uint64_t{s.hi} << 32) | s.lo, s.row1 - 1);
    }
  }
}

void KeyIndex::Reserve(size_t extra) {
  if (used_ + extra <= Limit()) return;
  // 70% full with what is needed now, and at least half again as large (amortised growth).
  size_t needed = size_ + extra;
  Rehash(std::max(needed * 10 / 7, slots_.size() * 3 / 2) + 16);
}

void KeyIndex::Place(uint64_t hash, uint32_t row) {
  for (size_t i = Home(hash);; i = Next(i)) {
    Slot& s = slots_[i];
    if (s.row1 == 0 || s.row1 == kTombstone) {
      if (s.row1 == 0) ++used_;
      s = Slot{row + 1, static_cast<uint32_t>(hash), static_cast<uint32_t>(hash >> 32)};
      ++size_;
      return;
    }
  }
}

void KeyIndex::Insert(uint64_t hash, uint32_t row) {
  CHECK(row <= kMaxRow);
  Reserve(1);
  Place(hash, row);
}

KeyIndex::Slot* KeyIndex::FindSlot(uint64_t hash, uint32_t row) {
  if (slots_.empty()) return nullptr;
  auto lo = static_cast<uint32_t>(hash), hi = static_cast<uint32_t>(hash >> 32);
  for (size_t i = Home(hash);; i = Next(i)) {
    Slot& s = slots_[i];
    if (s.row1 == 0) return nullptr;
    if (s.row1 == row + 1 && s.lo == lo && s.hi == hi) return &s;
  }
}

bool KeyIndex::Replace(uint64_t hash, uint32_t old_row, uint32_t new_row) {
  Slot* s = FindSlot(hash, old_row);
  if (!s) return false;
  s->row1 = new_row + 1;
  return true;
}

bool KeyIndex::Remove(uint64_t hash, uint32_t row) {
  Slot* s = FindSlot(hash, row);
  if (!s) return false;
  s->row1 = kTombstone;
  --size_;
  return true;
}

}  // namespace verbind::storage
