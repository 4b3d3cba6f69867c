#include "storage/key_index.h"

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
  if (expected == 0) return;
  size_t cap = 16;
  while (cap * 7 / 10 < expected) cap *= 2;
  slots_.assign(cap, 0);
  mask_ = cap - 1;
}

bool KeyIndex::HasRoomFor(size_t extra) const {
  return used_ + extra <= slots_.size() * 7 / 10;
}

void KeyIndex::Insert(uint64_t hash, uint32_t row) {
  CHECK(HasRoomFor(1) && row <= kMaxRow);
  uint64_t entry = (hash >> 32 << 32) | (row + 1);
  for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
    if (slots_[i] == 0) {
      slots_[i] = entry;
      ++used_;
      ++size_;
      return;
    }
    // A tombstone can take the entry; it is already counted in used_.
    if (static_cast<uint32_t>(slots_[i]) == kTombstone) {
      slots_[i] = entry;
      ++size_;
      return;
    }
  }
}

uint64_t* KeyIndex::FindSlot(uint64_t hash, uint32_t row) {
  if (slots_.empty()) return nullptr;
  uint64_t entry = (hash >> 32 << 32) | (row + 1);
  for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
    if (slots_[i] == 0) return nullptr;
    if (slots_[i] == entry) return &slots_[i];
  }
}

bool KeyIndex::Replace(uint64_t hash, uint32_t old_row, uint32_t new_row) {
  uint64_t* s = FindSlot(hash, old_row);
  if (!s) return false;
  *s = (hash >> 32 << 32) | (new_row + 1);
  return true;
}

bool KeyIndex::Remove(uint64_t hash, uint32_t row) {
  uint64_t* s = FindSlot(hash, row);
  if (!s) return false;
  *s = (hash >> 32 << 32) | kTombstone;
  --size_;
  return true;
}

}  // namespace verbind::storage
