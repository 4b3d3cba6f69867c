#include "storage/internal/group_table.h"

#include <cstring>

namespace verbind::storage {

using common::Result;
using common::Status;

namespace {

// Local symbols per column: the delta, or max_delta + 1 for NULL.
constexpr uint64_t kDenseLimit = 1 << 16;

template <typename T>
void AddSymbols(const T* d, const ColumnChunk& c, uint32_t n, uint32_t stride, uint32_t* local) {
  for (uint32_t i = 0; i < n; ++i) local[i] += stride * static_cast<uint32_t>(d[i]);
  if (c.null_count == 0) return;
  uint32_t null_symbol = static_cast<uint32_t>(c.max_delta + 1);
  for (uint32_t i = 0; i < n; ++i) {
    // A NULL row's delta is 0; replace its symbol.
    if (TestBit(c.nulls, i)) local[i] += stride * null_symbol;
  }
}

// local[i] += stride * the mapped symbol of row i (NULL rows: `mapped` last).
template <typename T>
void AddMappedSymbols(const T* d, const ColumnChunk& c, const std::vector<uint32_t>& mapped,
                      uint32_t n, uint32_t stride, uint32_t* local) {
  for (uint32_t i = 0; i < n; ++i) local[i] += stride * mapped[d[i]];
  if (c.null_count == 0) return;
  for (uint32_t i = 0; i < n; ++i) {
    if (TestBit(c.nulls, i)) local[i] += stride * (mapped.back() - mapped[d[i]]);
  }
}

}  // namespace

bool GroupTable::Transformed(size_t j) const {
  return parts_[j] != common::DatePart::kNone || !bands_[j].empty();
}

void GroupTable::MapSymbols(size_t j, const ColumnChunk& c) {
  std::vector<uint32_t>& mapped = mapped_[j];
  mapped.resize(c.max_delta + 2);
  const KeyBands& bands = bands_[j];
  const common::DatePart part = parts_[j];
  // Truncations and years only grow with the day: a new key is a new symbol.
  const bool monotonic = bands.empty() && (common::IsTruncation(part) ||
                                           part == common::DatePart::kYear);
  std::unordered_map<int64_t, uint32_t> ids;
  uint32_t next = 0;
  int64_t last = 0;
  for (uint64_t t = 0; t <= c.max_delta; ++t) {
    const auto value = static_cast<int64_t>(static_cast<uint64_t>(c.base) + t);
    int64_t key = 0;
    if (bands.empty()) {
      key = common::ApplyDatePart(part, value);
    } else {
      size_t band = 0;
      while (band < bands.when.size() && !HoldsForValue(bands.when[band], value)) ++band;
      key = static_cast<int64_t>(band);
    }
    if (monotonic) {
      if (t == 0 || key != last) ++next;
      last = key;
      mapped[t] = next - 1;
    } else {
      mapped[t] = ids.emplace(key, next).first->second;
      if (mapped[t] == next) ++next;
    }
  }
  mapped.back() = next;  // NULL
}

GroupTable::GroupTable(std::vector<int> columns, std::vector<common::DatePart> parts,
                       std::vector<KeyBands> bands, int max_groups)
    : columns_(std::move(columns)),
      parts_(std::move(parts)),
      bands_(std::move(bands)),
      max_groups_(max_groups) {
  parts_.resize(columns_.size(), common::DatePart::kNone);
  bands_.resize(columns_.size());
  mapped_.resize(columns_.size());
}

size_t GroupTable::KeyHash::operator()(const GroupKey& k) const {
  uint64_t h = k.null_mask * 0x9e3779b97f4a7c15ULL;
  for (int64_t v : k.values) {
    h = (h ^ static_cast<uint64_t>(v)) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
  }
  return static_cast<size_t>(h);
}

Result<uint32_t> GroupTable::GroupOf(const GroupKey& key) {
  auto it = index_.find(key);
  if (it != index_.end()) return it->second;
  if (keys_.size() >= static_cast<size_t>(max_groups_)) {
    return common::ResourceExhausted("the query makes more than " + std::to_string(max_groups_) +
                                     " groups; group by fewer or coarser fields");
  }
  keys_.push_back(key);
  auto group = static_cast<uint32_t>(keys_.size());
  index_.emplace(key, group);
  return group;
}

GroupKey GroupTable::KeyOfRow(const ChunkView& view, uint32_t row) const {
  GroupKey key;
  key.values.resize(columns_.size());
  for (size_t j = 0; j < columns_.size(); ++j) {
    const ColumnChunk& c = *view.columns[static_cast<size_t>(columns_[j])];
    const KeyBands& bands = bands_[j];
    if (!bands.empty()) {
      std::optional<int64_t> value;
      if (!c.IsNull(row)) value = c.Value(row);
      size_t band = 0;
      while (band < bands.when.size() && !HoldsForValue(bands.when[band], value)) ++band;
      if (band == bands.when.size() && bands.else_null) {
        key.null_mask |= 1u << j;
      } else {
        key.values[j] = bands.keys[band];
      }
    } else if (c.IsNull(row)) {
      key.null_mask |= 1u << j;
    } else {
      key.values[j] = common::ApplyDatePart(parts_[j], c.Value(row));
    }
  }
  return key;
}

Status GroupTable::Assign(const ChunkView& view, const uint8_t* sel, uint32_t* groups) {
  uint64_t domain = 1;
  for (size_t j = 0; j < columns_.size(); ++j) {
    const ColumnChunk& c = *view.columns[static_cast<size_t>(columns_[j])];
    mapped_[j].clear();
    uint64_t symbols = c.max_delta >= kDenseLimit ? kDenseLimit + 1 : c.max_delta + 2;
    // A period of a day, a band of a value: few distinct keys, worth mapping once per chunk
    // unless few rows are selected (then each row's key is computed).
    if (Transformed(j) && c.max_delta < kDenseLimit &&
        CountSelected(sel, view.rows) > c.max_delta) {
      MapSymbols(j, c);
      symbols = mapped_[j].back() + 1;
    }
    domain *= symbols;
    if (domain > kDenseLimit) return AssignSparse(view, sel, groups);
  }
  return AssignDense(view, sel, groups, domain);
}

template <typename T>
Status GroupTable::LookUp(const T* local, const ChunkView& view, const uint8_t* sel,
                          uint32_t* groups) {
  for (uint32_t i = 0; i < view.rows; ++i) {
    uint32_t g = table_[local[i]];
    if (g == 0 && sel[i]) {  // rare: the first selected row of a key in this chunk
      ASSIGN_OR_RETURN(g, GroupOf(KeyOfRow(view, i)));
      table_[local[i]] = g;
    }
    groups[i] = g & (0u - static_cast<uint32_t>(sel[i]));
  }
  return Status::Ok();
}

Status GroupTable::AssignDense(const ChunkView& view, const uint8_t* sel, uint32_t* groups,
                               uint64_t domain) {
  uint32_t n = view.rows;
  table_.assign(domain, 0);
  const ColumnChunk& first = *view.columns[static_cast<size_t>(columns_[0])];
  if (columns_.size() == 1 && first.null_count == 0 && mapped_[0].empty()) {
    // One column without NULLs: its deltas are the local keys.
    return WithDeltas(first, [&](const auto* d) { return LookUp(d, view, sel, groups); });
  }
  local_.assign(n, 0);
  uint32_t stride = 1;
  for (size_t j = 0; j < columns_.size(); ++j) {
    const ColumnChunk& c = *view.columns[static_cast<size_t>(columns_[j])];
    if (!mapped_[j].empty()) {
      WithDeltas(c, [&](const auto* d) {
        AddMappedSymbols(d, c, mapped_[j], n, stride, local_.data());
      });
      stride *= mapped_[j].back() + 1;
      continue;
    }
    WithDeltas(c, [&](const auto* d) { AddSymbols(d, c, n, stride, local_.data()); });
    stride *= static_cast<uint32_t>(c.max_delta + 2);
  }
  return LookUp(local_.data(), view, sel, groups);
}

Status GroupTable::AssignSparse(const ChunkView& view, const uint8_t* sel, uint32_t* groups) {
  for (uint32_t i = 0; i < view.rows; ++i) {
    if (!sel[i]) {
      groups[i] = 0;
      continue;
    }
    ASSIGN_OR_RETURN(groups[i], GroupOf(KeyOfRow(view, i)));
  }
  return Status::Ok();
}

}  // namespace verbind::storage
