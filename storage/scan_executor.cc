#include "storage/internal/scan_executor.h"

#include <algorithm>
#include <set>

#include "storage/internal/aggregate_kernels.h"
#include "storage/internal/group_table.h"
#include "storage/internal/scan_kernels.h"

namespace verbind::storage {

using common::Result;
using common::Status;
using Op = Predicate::Op;

namespace {

constexpr int kMaxFilterDepth = 64;
constexpr size_t kMaxFilterNodes = 10000;

// A comparison of two columns: a second column with values, an operator that compares, no
// part of a date, positive multipliers.
Status CheckColumnComparison(const Predicate& p, const config::Schema& schema) {
  if (static_cast<size_t>(p.column2) >= schema.fields.size()) {
    return common::InvalidArgument("the filter names a column the dataset does not have");
  }
  const config::Field& f = schema.fields[static_cast<size_t>(p.column2)];
  if (f.type == config::FieldType::kIdentifier) {
    return common::InvalidArgument("field " + f.name + " is an identifier; identifiers cannot "
                                   "be filtered on");
  }
  bool compares = p.op == Op::kEq || p.op == Op::kNe || p.op == Op::kLt || p.op == Op::kLe ||
                  p.op == Op::kGt || p.op == Op::kGe;
  if (!compares || p.part != common::DatePart::kNone) {
    return common::InvalidArgument("two columns are compared only with =, !=, <, <=, > or >=");
  }
  if (p.multiplier < 1 || p.multiplier2 < 1) {
    return common::InvalidArgument("a comparison of two columns needs positive multipliers");
  }
  return Status::Ok();
}

Status CheckFilter(const Predicate& p, const config::Schema& schema, int depth, size_t* nodes) {
  if (depth > kMaxFilterDepth || ++*nodes > kMaxFilterNodes) {
    return common::InvalidArgument("the filter is too large");
  }
  if (p.op == Op::kTrue || p.op == Op::kFalse) return Status::Ok();
  if (p.op == Op::kAnd || p.op == Op::kOr) {
    for (const auto& c : p.children) RETURN_IF_ERROR(CheckFilter(c, schema, depth + 1, nodes));
    return Status::Ok();
  }
  if (p.column < 0 || static_cast<size_t>(p.column) >= schema.fields.size()) {
    return common::InvalidArgument("the filter names a column the dataset does not have");
  }
  const config::Field& f = schema.fields[static_cast<size_t>(p.column)];
  if (f.type == config::FieldType::kIdentifier) {
    return common::InvalidArgument("field " + f.name + " is an identifier; identifiers cannot "
                                   "be filtered on");
  }
  if (p.part != common::DatePart::kNone && f.type != config::FieldType::kDate) {
    return common::InvalidArgument("a part of a date is asked of " + f.name + ", not a date");
  }
  size_t need = (p.op == Op::kBetween || p.op == Op::kNotBetween) ? 2
                : (p.op == Op::kIsNull || p.op == Op::kIsNotNull || p.op == Op::kIn ||
                   p.op == Op::kNotIn)
                    ? 0
                    : 1;
  if (p.column2 >= 0) return CheckColumnComparison(p, schema);
  if (p.values.size() < need) return common::InvalidArgument("a filter comparison lacks values");
  return Status::Ok();
}

void FilterColumns(const Predicate& p, std::set<int>* out) {
  if (p.op == Op::kAnd || p.op == Op::kOr) {
    for (const auto& c : p.children) FilterColumns(c, out);
  } else if (p.op != Op::kTrue && p.op != Op::kFalse) {
    out->insert(p.column);
    if (p.column2 >= 0) out->insert(p.column2);
  }
}

// The state of one scan while it runs.
class Scan {
 public:
  Scan(const ChunkStore& store, const DatasetState& s, const ScanSpec& spec,
       const common::Clock& clock);
  Result<std::optional<ScanResult>> Run();

 private:
  Result<bool> LoadChunk(uint32_t chunk);  // false: rewritten since the snapshot
  Status FoldChunk(uint32_t chunk);
  void GrowStates();
  ScanResult Assemble();

  const ChunkStore& store_;
  const DatasetState& s_;
  const ScanSpec& spec_;
  const common::Clock& clock_;
  std::vector<int> columns_;  // fields read
  std::vector<std::shared_ptr<const ColumnChunk>> held_;
  ChunkView view_;
  FilterScratch scratch_;
  std::vector<uint8_t> sel_;
  std::vector<uint32_t> groups_;
  std::unique_ptr<GroupTable> table_;
  std::vector<std::unique_ptr<AggregateKernel>> kernels_;
  std::vector<std::vector<AggregateState>> states_;  // [aggregate][group]
  std::vector<int64_t> rows_;                        // [group]
  std::vector<int64_t> chunk_rows_;                  // [group], this chunk
  ScanResult result_;
};

Scan::Scan(const ChunkStore& store, const DatasetState& s, const ScanSpec& spec,
           const common::Clock& clock)
    : store_(store), s_(s), spec_(spec), clock_(clock) {
  std::set<int> cols;
  FilterColumns(spec.filter, &cols);
  cols.insert(spec.group_by.begin(), spec.group_by.end());
  for (const auto& a : spec.aggregates) cols.insert(a.columns.begin(), a.columns.end());
  columns_.assign(cols.begin(), cols.end());
  view_.columns.assign(s.schema->fields.size(), nullptr);
  held_.resize(s.schema->fields.size());
  sel_.resize(kChunkRows);
  for (const auto& a : spec.aggregates) kernels_.push_back(MakeAggregateKernel(a));
  states_.resize(spec.aggregates.size());
  if (!spec.group_by.empty()) {
    table_ = std::make_unique<GroupTable>(spec.group_by, spec.group_parts, spec.group_bands,
                                          spec.max_groups);
    groups_.resize(kChunkRows);
  }
  GrowStates();
}

void Scan::GrowStates() {
  size_t groups = table_ ? table_->size() : 1;
  for (size_t a = 0; a < states_.size(); ++a) {
    while (states_[a].size() < groups + 1) states_[a].push_back(InitialState(spec_.aggregates[a]));
  }
  rows_.resize(groups + 1, 0);
}

Result<bool> Scan::LoadChunk(uint32_t chunk) {
  view_.chunk = chunk;
  view_.rows = s_.chunks[chunk].rows;
  for (int col : columns_) {
    ASSIGN_OR_RETURN(held_[col], store_.Values(s_, static_cast<uint32_t>(col), chunk));
    if (!held_[col]) return false;
    view_.columns[col] = held_[col].get();
  }
  return true;
}

Status Scan::FoldChunk(uint32_t chunk) {
  const ChunkInfo& info = s_.chunks[chunk];
  uint32_t n = view_.rows;
  EvaluateFilter(spec_.filter, view_, sel_.data(), &scratch_);
  if (info.deletions) ClearRows(*info.deletions, n, sel_.data());
  uint32_t matched = CountSelected(sel_.data(), n);
  result_.rows_matched += matched;
  if (matched == 0) return Status::Ok();
  ChunkSelection rows;
  rows.sel = sel_.data();
  if (table_) {
    RETURN_IF_ERROR(table_->Assign(view_, sel_.data(), groups_.data()));
    GrowStates();
    rows.groups = groups_.data();
    rows.group_count = table_->size();
    chunk_rows_.assign(rows.group_count + 1, 0);
    CountGroups(sel_.data(), rows.groups, n, rows.group_count, chunk_rows_.data());
  } else {
    chunk_rows_.assign(2, 0);
    chunk_rows_[1] = matched;
  }
  rows.group_rows = chunk_rows_.data();
  for (size_t g = 1; g < chunk_rows_.size(); ++g) rows_[g] += chunk_rows_[g];
  for (size_t a = 0; a < kernels_.size(); ++a) kernels_[a]->Add(view_, rows, states_[a]);
  return Status::Ok();
}

Result<std::optional<ScanResult>> Scan::Run() {
  auto deadline = clock_.Monotonic() + std::chrono::milliseconds(spec_.timeout_ms);
  for (uint32_t chunk = 0; chunk < s_.chunks.size(); ++chunk) {
    if (clock_.Monotonic() > deadline) {
      return common::DeadlineExceeded("the scan took longer than " +
                                      std::to_string(spec_.timeout_ms) + " ms");
    }
    const ChunkInfo& info = s_.chunks[chunk];
    result_.rows_scanned += info.rows - info.deleted;
    if (result_.rows_scanned > spec_.max_rows_scanned) {
      return common::ResourceExhausted("the scan passed its limit of " +
                                       std::to_string(spec_.max_rows_scanned) + " rows");
    }
    if (info.rows == info.deleted) continue;
    ASSIGN_OR_RETURN(bool loaded, LoadChunk(chunk));
    if (!loaded) return std::optional<ScanResult>();
    RETURN_IF_ERROR(FoldChunk(chunk));
  }
  for (size_t a = 0; a < kernels_.size(); ++a) kernels_[a]->Finish(states_[a]);
  return std::optional<ScanResult>(Assemble());
}

ScanResult Scan::Assemble() {
  size_t groups = table_ ? table_->size() : 1;
  for (uint32_t g = 1; g <= groups; ++g) {
    CellResult cell;
    if (table_) cell.key = table_->key(g);
    cell.rows = rows_[g];
    for (size_t a = 0; a < states_.size(); ++a) cell.aggregates.push_back(std::move(states_[a][g]));
    result_.cells.push_back(std::move(cell));
  }
  std::sort(result_.cells.begin(), result_.cells.end(),
            [](const CellResult& a, const CellResult& b) { return a.key < b.key; });
  result_.generation = s_.generation();
  return std::move(result_);
}

}  // namespace

Status ValidateScanSpec(const ScanSpec& spec, const config::Schema& schema) {
  size_t nodes = 0;
  RETURN_IF_ERROR(CheckFilter(spec.filter, schema, 0, &nodes));
  if (spec.group_by.size() > static_cast<size_t>(kMaxGroupBy)) {
    return common::InvalidArgument("at most " + std::to_string(kMaxGroupBy) +
                                   " group-by fields");
  }
  if (!spec.group_parts.empty() && spec.group_parts.size() != spec.group_by.size()) {
    return common::InvalidArgument("group-by parts do not match the group-by columns");
  }
  if (!spec.group_bands.empty() && spec.group_bands.size() != spec.group_by.size()) {
    return common::InvalidArgument("group-by bands do not match the group-by columns");
  }
  for (size_t i = 0; i < spec.group_bands.size(); ++i) {
    const KeyBands& b = spec.group_bands[i];
    if (b.empty()) continue;
    if (b.keys.size() != b.when.size() + 1) {
      return common::InvalidArgument("group-by bands need one key per band and one for ELSE");
    }
    for (const Predicate& p : b.when) {
      size_t nodes = 0;
      RETURN_IF_ERROR(CheckFilter(p, schema, 0, &nodes));
      std::set<int> read;
      FilterColumns(p, &read);
      if (!read.empty() && (read.size() > 1 || *read.begin() != spec.group_by[i])) {
        return common::InvalidArgument("a group-by band tests another column");
      }
    }
  }
  for (size_t i = 0; i < spec.group_by.size(); ++i) {
    int c = spec.group_by[i];
    if (c < 0 || static_cast<size_t>(c) >= schema.fields.size()) {
      return common::InvalidArgument("group-by names a column the dataset does not have");
    }
    if (!spec.group_parts.empty() && spec.group_parts[i] != common::DatePart::kNone &&
        schema.fields[static_cast<size_t>(c)].type != config::FieldType::kDate) {
      return common::InvalidArgument("a group-by part of a date names a column that is no date");
    }
    if (schema.fields[static_cast<size_t>(c)].type == config::FieldType::kIdentifier) {
      return common::InvalidArgument("identifiers cannot be grouped by");
    }
  }
  for (const auto& a : spec.aggregates) RETURN_IF_ERROR(ValidateAggregate(a, schema));
  if (spec.max_groups < 1 || spec.timeout_ms < 1 || spec.max_rows_scanned < 0) {
    return common::InvalidArgument("scan limits must be positive");
  }
  return Status::Ok();
}

Result<std::optional<ScanResult>> ExecuteScan(const ChunkStore& store, const DatasetState& s,
                                              const ScanSpec& spec, const common::Clock& clock) {
  Scan scan(store, s, spec, clock);
  return scan.Run();
}

}  // namespace verbind::storage
