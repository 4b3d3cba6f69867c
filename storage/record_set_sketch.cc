#include "storage/record_set_sketch.h"

#include <cstdlib>
#include <cstring>

namespace verbind::storage {

namespace {

uint64_t Mix(uint64_t x, uint64_t seed) {
  x += seed + 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Writes `v` little-endian at `out` and returns the position after it.
char* PutU64(char* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) *out++ = static_cast<char>(v >> (8 * i));
  return out;
}

uint64_t GetU64(std::string_view in, size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(in[at + i]);
  return v;
}

}  // namespace

namespace {

int RoundedCells(int cells) {
  int n = std::max(3, cells);
  return n + (3 - n % 3) % 3;
}

}  // namespace

RecordSetSketch::RecordSetSketch(int cells)
    : part_(static_cast<uint64_t>(RoundedCells(cells) / 3)),
      part_div_(part_),
      cells_(static_cast<size_t>(RoundedCells(cells))) {}

void RecordSetSketch::Toggle(uint64_t id, int64_t sign) {
  // Called for every record of every answer: the cell index is x % part_, computed with a
  // multiplication (libdivide) because a 64-bit division costs tens of cycles.
  uint64_t check = Mix(id, 0x5bd1e995);
  for (uint64_t k = 0; k < 3; ++k) {
    uint64_t x = Mix(id, k + 1);
    Cell& c = cells_[k * part_ + (x - (x / part_div_) * part_)];
    c.count += sign;
    c.id_xor ^= id;
    c.hash_xor ^= check;
  }
}

void RecordSetSketch::Add(uint64_t id) {
  Toggle(id, 1);
  ++count_;
}

std::optional<int64_t> RecordSetSketch::SymmetricDifference(const RecordSetSketch& other,
                                                            int64_t limit) const {
  if (other.cells_.size() != cells_.size()) return std::nullopt;
  int64_t size_gap = std::llabs(count_ - other.count_);
  if (size_gap > limit) return std::nullopt;
  RecordSetSketch diff(static_cast<int>(cells_.size()));
  for (size_t i = 0; i < cells_.size(); ++i) {
    diff.cells_[i].count = cells_[i].count - other.cells_[i].count;
    diff.cells_[i].id_xor = cells_[i].id_xor ^ other.cells_[i].id_xor;
    diff.cells_[i].hash_xor = cells_[i].hash_xor ^ other.cells_[i].hash_xor;
  }
  int64_t found = 0;
  bool progress = true;
  while (progress) {
    progress = false;
    for (auto& c : diff.cells_) {
      if ((c.count == 1 || c.count == -1) && c.hash_xor == Mix(c.id_xor, 0x5bd1e995)) {
        diff.Toggle(c.id_xor, -c.count);
        if (++found > limit) return std::nullopt;
        progress = true;
      }
    }
  }
  for (const auto& c : diff.cells_) {
    if (c.count != 0 || c.id_xor != 0 || c.hash_xor != 0) return std::nullopt;
  }
  return found;
}

std::string RecordSetSketch::Encode() const {
  // Sized once and filled in place: a sketch is tens of kilobytes and is encoded for every
  // answer the node gives. On a little-endian machine the cells are already in their stored
  // form (three 8-byte little-endian fields each), so they are copied in one piece.
  std::string out(16 + cells_.size() * 24, '\0');
  char* p = PutU64(out.data(), cells_.size());
  p = PutU64(p, static_cast<uint64_t>(count_));
  if constexpr (kCellsAreStoredForm) {
    std::memcpy(p, cells_.data(), cells_.size() * sizeof(Cell));
  } else {
    for (const auto& c : cells_) {
      p = PutU64(p, static_cast<uint64_t>(c.count));
      p = PutU64(p, c.id_xor);
      p = PutU64(p, c.hash_xor);
    }
  }
  return out;
}

bool RecordSetSketch::EncodesTo(std::string_view bytes) const {
  if (bytes.size() != 16 + cells_.size() * 24 || GetU64(bytes, 0) != cells_.size() ||
      GetU64(bytes, 8) != static_cast<uint64_t>(count_)) {
    return false;
  }
  if constexpr (kCellsAreStoredForm) {
    return std::memcmp(bytes.data() + 16, cells_.data(), cells_.size() * sizeof(Cell)) == 0;
  } else {
    return bytes == Encode();
  }
}

common::Result<RecordSetSketch> RecordSetSketch::Decode(std::string_view in) {
  if (in.size() < 16) return common::DataLoss("record-set sketch too short");
  uint64_t n = GetU64(in, 0);
  if (n == 0 || n % 3 != 0 || n > 100000 || in.size() != 16 + n * 24) {
    return common::DataLoss("record-set sketch has a bad size");
  }
  RecordSetSketch s(static_cast<int>(n));
  s.count_ = static_cast<int64_t>(GetU64(in, 8));
  if constexpr (kCellsAreStoredForm) {
    std::memcpy(s.cells_.data(), in.data() + 16, n * sizeof(Cell));
  } else {
    for (size_t i = 0; i < n; ++i) {
      s.cells_[i].count = static_cast<int64_t>(GetU64(in, 16 + i * 24));
      s.cells_[i].id_xor = GetU64(in, 24 + i * 24);
      s.cells_[i].hash_xor = GetU64(in, 32 + i * 24);
    }
  }
  return s;
}

uint64_t RecordIdOfKey(std::string_view key) {
  // FNV-1a, then mixed: stable across versions (stored sketches depend on it).
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : key) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return Mix(h, 0);
}

}  // namespace verbind::storage
