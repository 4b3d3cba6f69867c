#include "storage/internal/column_chunk.h"

#include <bit>
#include <cstdlib>

#include "storage/dataset_store.h"

namespace verbind::storage {

using common::Result;

static_assert(std::endian::native == std::endian::little, "chunk encodings assume little-endian");

namespace {

constexpr uint8_t kFormat = 1;
constexpr uint8_t kKindValues = 1;
constexpr uint8_t kKindIdentifiers = 2;
constexpr uint8_t kKindDeletions = 3;
constexpr size_t kValueHeader = 40;
constexpr size_t kIdentifierHeader = 24;
constexpr size_t kDeletionHeader = 16;

template <typename T>
void Put(std::string* out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out->append(b, sizeof(T));
}

template <typename T>
T Get(std::string_view in, size_t at) {
  T v;
  std::memcpy(&v, in.data() + at, sizeof(T));
  return v;
}

uint8_t WidthFor(uint64_t max_delta) {
  if (max_delta <= 0xff) return 1;
  if (max_delta <= 0xffff) return 2;
  if (max_delta <= 0xffffffffu) return 4;
  return 8;
}

template <typename T>
void Pack(const int64_t* values, const uint64_t* nulls, uint32_t rows, int64_t base, T* out) {
  for (uint32_t i = 0; i < rows; ++i) {
    bool null = nulls && ((nulls[i >> 6] >> (i & 63)) & 1);
    out[i] = null ? 0 : static_cast<T>(static_cast<uint64_t>(values[i]) - static_cast<uint64_t>(base));
  }
}

template <typename T>
uint64_t MaxDelta(const uint8_t* data, uint32_t rows) {
  const T* d = reinterpret_cast<const T*>(data);
  T m = 0;
  for (uint32_t i = 0; i < rows; ++i) m = d[i] > m ? d[i] : m;
  return m;
}

common::Status Corrupt(const char* what) {
  return common::DataLoss(std::string("chunk is corrupt: ") + what);
}

uint32_t PopCount(const RowBitmap& b) {
  uint32_t n = 0;
  for (uint64_t w : b) n += static_cast<uint32_t>(std::popcount(w));
  return n;
}

// Reads a bitmap of BitmapWords(rows) words at `at`; refuses bits past `rows`.
bool ReadBitmap(std::string_view in, size_t at, uint32_t rows, RowBitmap* out) {
  size_t words = BitmapWords(rows);
  if (in.size() < at + words * 8) return false;
  out->resize(words);
  if (words) std::memcpy(out->data(), in.data() + at, words * 8);
  if (rows % 64 && words && (out->back() >> (rows % 64)) != 0) return false;
  return true;
}

}  // namespace

AlignedBytes::AlignedBytes(size_t size) : size_(size) {
  size_t rounded = (size + 63) / 64 * 64;
  data_.reset(static_cast<uint8_t*>(std::aligned_alloc(64, rounded ? rounded : 64)));
  CHECK(data_ != nullptr);
}

void AlignedBytes::Free::operator()(uint8_t* p) const { std::free(p); }

int64_t ColumnChunk::Value(uint32_t i) const {
  uint64_t d = 0;
  switch (width) {
    case 1: d = Deltas<uint8_t>()[i]; break;
    case 2: d = Deltas<uint16_t>()[i]; break;
    case 4: d = Deltas<uint32_t>()[i]; break;
    default: d = Deltas<uint64_t>()[i]; break;
  }
  return static_cast<int64_t>(static_cast<uint64_t>(base) + d);
}

std::shared_ptr<const ColumnChunk> MakeColumnChunk(const int64_t* values, const uint64_t* nulls,
                                                   uint32_t rows, uint64_t generation) {
  auto c = std::make_shared<ColumnChunk>();
  c->rows = rows;
  c->generation = generation;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (uint32_t i = 0; i < rows; ++i) {
    if (nulls && ((nulls[i >> 6] >> (i & 63)) & 1)) {
      ++c->null_count;
      continue;
    }
    lo = std::min(lo, values[i]);
    hi = std::max(hi, values[i]);
  }
  bool any = c->null_count < rows;
  c->base = any ? lo : 0;
  c->max_delta = any ? static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) : 0;
  c->width = WidthFor(c->max_delta);
  if (c->null_count > 0) c->nulls.assign(nulls, nulls + BitmapWords(rows));
  c->deltas = AlignedBytes(static_cast<size_t>(rows) * c->width);
  uint8_t* out = c->deltas.data();
  switch (c->width) {
    case 1: Pack(values, nulls, rows, c->base, out); break;
    case 2: Pack(values, nulls, rows, c->base, reinterpret_cast<uint16_t*>(out)); break;
    case 4: Pack(values, nulls, rows, c->base, reinterpret_cast<uint32_t*>(out)); break;
    default: Pack(values, nulls, rows, c->base, reinterpret_cast<uint64_t*>(out)); break;
  }
  return c;
}

std::string EncodeColumnChunk(const ColumnChunk& c) {
  std::string out;
  out.reserve(kValueHeader + c.nulls.size() * 8 + c.deltas.size());
  Put<uint8_t>(&out, kFormat);
  Put<uint8_t>(&out, kKindValues);
  Put<uint8_t>(&out, c.width);
  Put<uint8_t>(&out, 0);
  Put<uint32_t>(&out, c.rows);
  Put<uint64_t>(&out, c.generation);
  Put<int64_t>(&out, c.base);
  Put<uint64_t>(&out, c.max_delta);
  Put<uint32_t>(&out, c.null_count);
  Put<uint32_t>(&out, 0);
  if (c.null_count > 0) out.append(reinterpret_cast<const char*>(c.nulls.data()), c.nulls.size() * 8);
  out.append(reinterpret_cast<const char*>(c.deltas.data()), c.deltas.size());
  return out;
}

Result<std::shared_ptr<const ColumnChunk>> DecodeColumnChunk(std::string_view in) {
  if (in.size() < kValueHeader || Get<uint8_t>(in, 0) != kFormat ||
      Get<uint8_t>(in, 1) != kKindValues) {
    return Corrupt("bad value chunk header");
  }
  auto c = std::make_shared<ColumnChunk>();
  c->width = Get<uint8_t>(in, 2);
  c->rows = Get<uint32_t>(in, 4);
  c->generation = Get<uint64_t>(in, 8);
  c->base = Get<int64_t>(in, 16);
  c->max_delta = Get<uint64_t>(in, 24);
  c->null_count = Get<uint32_t>(in, 32);
  if ((c->width != 1 && c->width != 2 && c->width != 4 && c->width != 8) ||
      c->rows > kChunkRows || c->null_count > c->rows || WidthFor(c->max_delta) != c->width) {
    return Corrupt("bad value chunk header");
  }
  size_t at = kValueHeader;
  if (c->null_count > 0) {
    if (!ReadBitmap(in, at, c->rows, &c->nulls) || PopCount(c->nulls) != c->null_count) {
      return Corrupt("bad null bitmap");
    }
    at += c->nulls.size() * 8;
  }
  size_t bytes = static_cast<size_t>(c->rows) * c->width;
  if (in.size() != at + bytes) return Corrupt("value chunk has the wrong size");
  c->deltas = AlignedBytes(bytes);
  std::memcpy(c->deltas.data(), in.data() + at, bytes);
  uint64_t seen = 0;
  switch (c->width) {
    case 1: seen = MaxDelta<uint8_t>(c->deltas.data(), c->rows); break;
    case 2: seen = MaxDelta<uint16_t>(c->deltas.data(), c->rows); break;
    case 4: seen = MaxDelta<uint32_t>(c->deltas.data(), c->rows); break;
    default: seen = MaxDelta<uint64_t>(c->deltas.data(), c->rows); break;
  }
  if (seen > c->max_delta) return Corrupt("delta beyond the chunk's range");
  return std::shared_ptr<const ColumnChunk>(std::move(c));
}

std::string EncodeIdentifierChunk(const IdentifierChunk& c) {
  std::string out;
  out.reserve(kIdentifierHeader + c.nulls.size() * 8 + c.offsets.size() * 4 + c.bytes.size());
  Put<uint8_t>(&out, kFormat);
  Put<uint8_t>(&out, kKindIdentifiers);
  Put<uint16_t>(&out, 0);
  Put<uint32_t>(&out, c.rows);
  Put<uint64_t>(&out, c.generation);
  Put<uint32_t>(&out, c.null_count);
  Put<uint32_t>(&out, static_cast<uint32_t>(c.bytes.size()));
  if (c.null_count > 0) out.append(reinterpret_cast<const char*>(c.nulls.data()), c.nulls.size() * 8);
  out.append(reinterpret_cast<const char*>(c.offsets.data()), c.offsets.size() * 4);
  out.append(c.bytes);
  return out;
}

Result<std::shared_ptr<const IdentifierChunk>> DecodeIdentifierChunk(std::string_view in) {
  if (in.size() < kIdentifierHeader || Get<uint8_t>(in, 0) != kFormat ||
      Get<uint8_t>(in, 1) != kKindIdentifiers) {
    return Corrupt("bad identifier chunk header");
  }
  auto c = std::make_shared<IdentifierChunk>();
  c->rows = Get<uint32_t>(in, 4);
  c->generation = Get<uint64_t>(in, 8);
  c->null_count = Get<uint32_t>(in, 16);
  uint32_t nbytes = Get<uint32_t>(in, 20);
  if (c->rows > kChunkRows || c->null_count > c->rows) return Corrupt("bad identifier header");
  size_t at = kIdentifierHeader;
  if (c->null_count > 0) {
    if (!ReadBitmap(in, at, c->rows, &c->nulls) || PopCount(c->nulls) != c->null_count) {
      return Corrupt("bad null bitmap");
    }
    at += c->nulls.size() * 8;
  }
  size_t offsets = (static_cast<size_t>(c->rows) + 1) * 4;
  if (in.size() != at + offsets + nbytes) return Corrupt("identifier chunk has the wrong size");
  c->offsets.resize(c->rows + 1);
  std::memcpy(c->offsets.data(), in.data() + at, offsets);
  if (c->offsets[0] != 0 || c->offsets[c->rows] != nbytes) return Corrupt("bad offsets");
  for (uint32_t i = 0; i < c->rows; ++i) {
    if (c->offsets[i] > c->offsets[i + 1]) return Corrupt("bad offsets");
  }
  c->bytes.assign(in.data() + at + offsets, nbytes);
  return std::shared_ptr<const IdentifierChunk>(std::move(c));
}

std::string EncodeDeletionChunk(const RowBitmap& deleted, uint64_t generation) {
  std::string out;
  Put<uint8_t>(&out, kFormat);
  Put<uint8_t>(&out, kKindDeletions);
  Put<uint16_t>(&out, 0);
  Put<uint32_t>(&out, static_cast<uint32_t>(deleted.size()));
  Put<uint64_t>(&out, generation);
  out.append(reinterpret_cast<const char*>(deleted.data()), deleted.size() * 8);
  return out;
}

Result<DeletionChunk> DecodeDeletionChunk(std::string_view in) {
  if (in.size() < kDeletionHeader || Get<uint8_t>(in, 0) != kFormat ||
      Get<uint8_t>(in, 1) != kKindDeletions) {
    return Corrupt("bad deletion chunk header");
  }
  uint32_t words = Get<uint32_t>(in, 4);
  if (words != BitmapWords(kChunkRows) || in.size() != kDeletionHeader + words * 8) {
    return Corrupt("deletion chunk has the wrong size");
  }
  DeletionChunk d;
  d.generation = Get<uint64_t>(in, 8);
  d.deleted.resize(words);
  std::memcpy(d.deleted.data(), in.data() + kDeletionHeader, words * 8);
  return d;
}

}  // namespace verbind::storage
