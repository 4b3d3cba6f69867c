#include "storage/internal/ingest_session.h"

#include <malloc.h>

#include <algorithm>

#include "common/strings.h"

// TCMalloc's, when the program links it (the node does): declared weak, so that programs
// without it link and skip the call.
extern "C" void MallocExtension_ReleaseFreeMemory(void) __attribute__((weak));

namespace verbind::storage {

using common::Result;
using common::Status;

namespace {

constexpr int64_t kProgressEveryRows = 1 << 16;

// A header name as a field name: trimmed, lower case, other characters as '_'.
std::string NormalizeName(std::string_view s) {
  std::string out = common::ToLower(common::Trim(s));
  for (char& c : out) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return out;
}

void ReleaseFreeMemory() {
  if (MallocExtension_ReleaseFreeMemory != nullptr) MallocExtension_ReleaseFreeMemory();
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

CellKind KindOf(JsonScalar::Kind k) {
  switch (k) {
    case JsonScalar::Kind::kString: return CellKind::kText;
    case JsonScalar::Kind::kNumber: return CellKind::kNumber;
    case JsonScalar::Kind::kBool: return CellKind::kBool;
    default: return CellKind::kNull;
  }
}

// "1 row" or "2 rows".
std::string RowCount(int64_t n) { return std::to_string(n) + (n == 1 ? " row" : " rows"); }

}  // namespace

void LineMap::Add(uint64_t row, int64_t line) {
  if (runs_.empty() ||
      line - runs_.back().second != static_cast<int64_t>(row - runs_.back().first)) {
    runs_.emplace_back(row, line);
  }
}

int64_t LineMap::Line(uint64_t row) const {
  std::pair<uint64_t, int64_t> after_row{row, INT64_MAX};
  auto run = std::upper_bound(runs_.begin(), runs_.end(), after_row) - 1;
  return run->second + static_cast<int64_t>(row - run->first);
}

DatasetIngestSession::DatasetIngestSession(const ChunkStore* store,
                                           std::shared_ptr<DatasetEntry> entry,
                                           std::unique_lock<std::timed_mutex> writer,
                                           InputFormat format, IngestOptions options,
                                           const common::Clock* clock)
    : store_(store),
      entry_(std::move(entry)),
      writer_(std::move(writer)),
      base_(entry_->Snapshot()),
      format_(format),
      options_(std::move(options)),
      clock_(clock),
      converter_(*base_, format == InputFormat::kCsv && options_.csv.decimal_comma) {
  if (format_ == InputFormat::kCsv) {
    csv_ = std::make_unique<CsvReader>(this, CsvLimits{}, options_.csv.delimiter);
  } else {
    jsonl_ = std::make_unique<JsonLinesReader>(this);
  }
  batch_ = std::make_unique<BatchBuilder>(*base_, store_, entry_->index.get(), options_.mode);
  cells_.resize(base_->schema->fields.size());
}

DatasetIngestSession::~DatasetIngestSession() = default;

std::optional<size_t> DatasetIngestSession::FieldFor(std::string_view name) const {
  const config::Schema& schema = *base_->schema;
  if (auto i = schema.FieldIndex(name)) return i;
  return schema.FieldIndex(NormalizeName(name));
}

Status DatasetIngestSession::Feed(std::string_view bytes) {
  if (finished_) return common::FailedPrecondition("the ingest session is finished");
  RETURN_IF_ERROR(fatal_);
  bytes_ += bytes.size();
  if (header_failed_) return Status::Ok();
  if (csv_) {
    csv_->Feed(bytes);
  } else {
    jsonl_->Feed(bytes);
  }
  return fatal_;
}

bool DatasetIngestSession::IsNull(std::string_view text) const {
  if (text.empty()) return true;
  for (const std::string& token : options_.csv.null_tokens) {
    if (text == token) return true;
  }
  return false;
}

void DatasetIngestSession::Error(int64_t line, const std::string& column,
                                 const std::string& reason) {
  if (report_.errors.size() < options_.max_errors_reported) {
    report_.errors.push_back(RowError{options_.source_name, line, column, reason});
  } else {
    ++report_.errors_omitted;
  }
}

// The batch goes on being built after a rejected row even when it is to be refused: a row
// whose key is taken is only found at the end, and the report is to list every problem.
void DatasetIngestSession::Reject() { ++report_.rows_rejected; }

void DatasetIngestSession::HeaderError(const std::string& column, const std::string& reason) {
  header_failed_ = true;
  batch_.reset();
  Error(1, column, reason);
}

void DatasetIngestSession::ReadHeader(const CsvRow& row) {
  header_seen_ = true;
  const config::Schema& schema = *base_->schema;
  if (!row.error.empty()) {
    HeaderError("", "header row: " + std::string(row.error));
    return;
  }
  column_field_.assign(row.size(), -1);
  std::vector<int> seen(schema.fields.size(), -1);
  for (size_t c = 0; c < row.size(); ++c) {
    std::string_view name = row.field(c);
    auto f = FieldFor(name);
    if (!f) {
      HeaderError(QuoteForError(name), "unknown column (the schema has no field of that name)");
    } else if (seen[*f] >= 0) {
      HeaderError(schema.fields[*f].name, "more than one column maps to this field");
    } else {
      seen[*f] = static_cast<int>(c);
      column_field_[c] = static_cast<int>(*f);
    }
  }
  for (size_t f = 0; f < schema.fields.size(); ++f) {
    if (seen[f] < 0 && !schema.fields[f].nullable) {
      HeaderError(schema.fields[f].name, "no column for this field, which is not nullable");
    }
  }
}

bool DatasetIngestSession::OnRow(const CsvRow& row) {
  if (!header_seen_) {
    ReadHeader(row);
    return !header_failed_;
  }
  ++report_.rows_read;
  int64_t line = row.line + options_.line_offset;
  auto column_name = [&](int c) {
    return c >= 0 && static_cast<size_t>(c) < column_field_.size()
               ? base_->schema->fields[column_field_[c]].name
               : std::string();
  };
  if (!row.error.empty()) {
    Reject();
    Error(line, column_name(row.error_field), std::string(row.error));
  } else if (row.size() != column_field_.size()) {
    Reject();
    Error(line, "",
          "the row has " + std::to_string(row.size()) + " fields; the header has " +
              std::to_string(column_field_.size()));
  } else {
    for (auto& cell : cells_) cell = Cell{};
    for (size_t c = 0; c < row.size(); ++c) {
      std::string_view text = row.field(c);
      cells_[column_field_[c]] = Cell{IsNull(text) ? CellKind::kNull : CellKind::kText, text};
    }
    Accept(line);
  }
  Progress();
  return fatal_.ok();
}

bool DatasetIngestSession::OnRow(const JsonRow& row) {
  ++report_.rows_read;
  int64_t line = row.line + options_.line_offset;
  bool bad = false;
  if (!row.error.empty()) {
    bad = true;
    Error(line, row.error_member, row.error);
  }
  for (auto& cell : cells_) cell = Cell{};
  seen_.assign(cells_.size(), 0);
  for (const auto& [name, value] : row.members) {
    if (bad) break;
    auto f = FieldFor(name);
    if (!f || seen_[*f]) {
      bad = true;
      Error(line, QuoteForError(name),
            f ? "more than one member maps to this field"
              : "unknown field (the schema has no field of that name)");
      break;
    }
    seen_[*f] = 1;
    cells_[*f] = Cell{KindOf(value.kind), value.text};
  }
  if (bad) {
    Reject();
  } else {
    Accept(line);
  }
  Progress();
  return fatal_.ok();
}

void DatasetIngestSession::Accept(int64_t line) {
  field_errors_.clear();
  if (!converter_.Convert(cells_.data(), &values_, &field_errors_)) {
    Reject();
    for (const auto& e : field_errors_) {
      Error(line, base_->schema->fields[e.field].name, e.reason);
    }
    return;
  }
  if (!batch_) return;
  converter_.Commit(&values_);
  Status appended = batch_->Append(values_);
  if (!appended.ok()) {
    fatal_ = appended;
    batch_.reset();
    return;
  }
  lines_.Add(batch_->rows() - 1, line);
}

void DatasetIngestSession::Progress() {
  if (options_.progress && report_.rows_read % kProgressEveryRows == 0) {
    options_.progress(report_.rows_read, bytes_);
  }
}

std::vector<uint32_t> DatasetIngestSession::RejectTakenKeys() {
  std::vector<uint32_t> rows;
  const config::Schema& schema = *base_->schema;
  for (const KeyConflict& c : batch_->conflicts()) {
    std::string key = "key " + QuoteForError(batch_->Key(c.row));
    Reject();
    Error(lines_.Line(c.row), schema.fields[*schema.key].name,
          c.earlier < 0 ? key + " is already stored; use mode upsert to replace it"
                        : key + " repeats line " + std::to_string(lines_.Line(c.earlier)));
    rows.push_back(c.row);
  }
  return rows;
}

std::string DatasetIngestSession::Refusal() const {
  if (header_failed_) return "the CSV header is missing or does not match the schema";
  int64_t n = report_.rows_rejected;
  if (n == 0) return "";
  if (options_.on_error == OnError::kRefuseBatch) {
    return RowCount(n) + " rejected, and a batch with a bad row is refused whole";
  }
  if (options_.max_rejects && n > *options_.max_rejects) {
    return RowCount(n) + " rejected, more than the " + std::to_string(*options_.max_rejects) +
           " allowed (max_rejects)";
  }
  return "";
}

Result<IngestReport> DatasetIngestSession::Finish() {
  if (finished_) return common::FailedPrecondition("the ingest session is finished");
  finished_ = true;
  if (fatal_.ok() && !header_failed_) {
    if (csv_) csv_->Finish();
    if (jsonl_) jsonl_->Finish();
  }
  RETURN_IF_ERROR(fatal_);
  if (csv_ && !header_seen_) {
    header_failed_ = true;
    batch_.reset();
    Error(1, "", "the input is empty; CSV needs a header row naming the fields");
  }
  if (options_.progress) options_.progress(report_.rows_read, bytes_);
  report_.generation = base_->generation();
  std::vector<uint32_t> taken;
  if (batch_) {
    RETURN_IF_ERROR(batch_->Seal());
    taken = RejectTakenKeys();
  }
  std::stable_sort(report_.errors.begin(), report_.errors.end(),
                   [](const RowError& a, const RowError& b) { return a.line < b.line; });
  report_.refusal = Refusal();
  if (!report_.refusal.empty()) {
    batch_.reset();
    writer_.unlock();
    return report_;
  }
  RETURN_IF_ERROR(Commit(taken));
  return report_;
}

Status DatasetIngestSession::Commit(const std::vector<uint32_t>& taken) {
  std::vector<std::vector<std::string>> labels = converter_.new_labels();
  batch_->Remove(taken, &labels);  // rejected rows: nothing of them is written
  report_.rows_replaced = static_cast<int64_t>(batch_->replaced());
  report_.rows_inserted = static_cast<int64_t>(batch_->rows() - batch_->replaced());
  if (batch_->rows() > 0) {
    ASSIGN_OR_RETURN(auto state,
                     CommitBatch(*store_, *entry_, *base_, *batch_, labels, clock_->NowMillis()));
    report_.generation = state->generation();
  }
  report_.committed = true;
  bool large = batch_->rows() >= kChunkRows;
  batch_.reset();
  writer_.unlock();
  // A large batch frees large buffers; hand them back instead of keeping them in the heap.
  if (large) ReleaseFreeMemory();
  return Status::Ok();
}

}  // namespace verbind::storage
