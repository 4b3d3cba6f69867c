// Column chunks: the values of one column for a run of up to kChunkRows rows, as stored in
// Family::kChunks and as kept decoded in memory for scans.
//
// A value chunk holds int64 storage units frame-of-reference encoded: each value is
// `base + delta` with the deltas packed at 1, 2, 4 or 8 bytes (the narrowest that holds the
// chunk's range), plus a null bitmap. Scan kernels work on the packed deltas directly, so the
// decoded form is the stored form. An identifier chunk holds strings (offsets + bytes). A
// deletion chunk is the bitmap of erased or replaced rows. Every chunk carries the generation
// that wrote it, checked on read.
//
// Encodings are little-endian; decoders refuse any inconsistency with DataLoss. Values are
// immutable after construction; thread-safe to share.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace verbind::storage {

// Bytes with 64-byte alignment, so packed deltas can be read as uint8/16/32/64 arrays.
class AlignedBytes {
 public:
  AlignedBytes() = default;
  explicit AlignedBytes(size_t size);
  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t[], Free> data_;
  size_t size_ = 0;
};

// A bitmap of one bit per row (bit set = NULL, or = deleted), in 64-bit words.
using RowBitmap = std::vector<uint64_t>;
inline bool TestBit(const RowBitmap& b, uint32_t i) {
  return (i >> 6) < b.size() && ((b[i >> 6] >> (i & 63)) & 1);
}
inline void SetBit(RowBitmap& b, uint32_t i) { b[i >> 6] |= uint64_t{1} << (i & 63); }
inline size_t BitmapWords(uint32_t rows) { return (static_cast<size_t>(rows) + 63) / 64; }

struct ColumnChunk {
  uint32_t rows = 0;
  uint8_t width = 1;       // bytes per delta: 1, 2, 4 or 8
  int64_t base = 0;        // value = base + delta (mod 2^64)
  uint64_t max_delta = 0;  // the largest delta of a non-null row (0 when all are NULL)
  uint32_t null_count = 0;
  uint64_t generation = 0;
  RowBitmap nulls;  // empty when null_count == 0
  AlignedBytes deltas;

  template <typename T>
  const T* Deltas() const {
    return reinterpret_cast<const T*>(deltas.data());
  }
  bool IsNull(uint32_t i) const { return null_count > 0 && TestBit(nulls, i); }
  int64_t Value(uint32_t i) const;
  size_t MemoryBytes() const { return sizeof(*this) + deltas.size() + nulls.size() * 8; }
};

// A chunk of `rows` values; `nulls` may be null (no NULLs) or a bitmap of BitmapWords(rows).
std::shared_ptr<const ColumnChunk> MakeColumnChunk(const int64_t* values, const uint64_t* nulls,
                                                   uint32_t rows, uint64_t generation);
std::string EncodeColumnChunk(const ColumnChunk& c);
common::Result<std::shared_ptr<const ColumnChunk>> DecodeColumnChunk(std::string_view bytes);

// Identifier strings of one column for a run of rows.
struct IdentifierChunk {
  uint32_t rows = 0;
  uint32_t null_count = 0;
  uint64_t generation = 0;
  RowBitmap nulls;                // empty when null_count == 0
  std::vector<uint32_t> offsets;  // rows + 1
  std::string bytes;

  std::string_view Get(uint32_t i) const {
    return std::string_view(bytes).substr(offsets[i], offsets[i + 1] - offsets[i]);
  }
  bool IsNull(uint32_t i) const { return null_count > 0 && TestBit(nulls, i); }
  size_t MemoryBytes() const {
    return sizeof(*this) + bytes.capacity() + offsets.capacity() * 4 + nulls.size() * 8;
  }
};

std::string EncodeIdentifierChunk(const IdentifierChunk& c);
common::Result<std::shared_ptr<const IdentifierChunk>> DecodeIdentifierChunk(
    std::string_view bytes);

// The deletion bitmap of one chunk (always kChunkRows bits in memory).
struct DeletionChunk {
  uint64_t generation = 0;
  RowBitmap deleted;
};
std::string EncodeDeletionChunk(const RowBitmap& deleted, uint64_t generation);
common::Result<DeletionChunk> DecodeDeletionChunk(std::string_view bytes);

}  // namespace verbind::storage
