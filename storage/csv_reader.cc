#include "storage/csv_reader.h"

#include <array>
#include <cstring>

#include "common/check.h"
#include "common/strings.h"

namespace verbind::storage {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr size_t kMaxNullTokens = 16;
constexpr size_t kMaxNullTokenBytes = 64;

}  // namespace

common::Status ValidateCsvFormat(const CsvFormat& format) {
  if (format.delimiter == 0 || kCsvDelimiters.find(format.delimiter) == std::string_view::npos) {
    return common::InvalidArgument("the CSV delimiter must be ',', ';', tab or '|'");
  }
  if (format.decimal_comma && format.delimiter == ',') {
    return common::InvalidArgument(
        "a decimal comma needs another delimiter than ',' (for example ';')");
  }
  if (format.null_tokens.size() > kMaxNullTokens) {
    return common::InvalidArgument("at most " + std::to_string(kMaxNullTokens) + " NULL tokens");
  }
  for (const std::string& t : format.null_tokens) {
    bool plain = t.find_first_of(std::string("\"\r\n") + format.delimiter) == std::string::npos;
    if (t.empty() || t.size() > kMaxNullTokenBytes || !common::IsValidUtf8(t) || !plain) {
      return common::InvalidArgument(
          "a NULL token must be 1-64 bytes of UTF-8 without quotes, line breaks or the delimiter");
    }
  }
  return common::Status::Ok();
}

char DetectCsvDelimiter(std::string_view text) {
  std::array<size_t, kCsvDelimiters.size()> counts{};
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n') break;
    size_t k = kCsvDelimiters.find(c);
    if (k != std::string_view::npos) ++counts[k];
  }
  size_t best = 0;
  for (size_t k = 1; k < counts.size(); ++k) {
    if (counts[k] > counts[best]) best = k;
  }
  return kCsvDelimiters[best];
}

std::string DescribeCsvDelimiter(char delimiter) {
  if (delimiter == '\t') return "tab";
  return std::string("'") + delimiter + "'";
}

CsvReader::CsvReader(CsvRowSink* sink, CsvLimits limits, char delimiter)
    : sink_(sink), limits_(limits), delimiter_(delimiter) {
  CHECK(kCsvDelimiters.find(delimiter) != std::string_view::npos);
  special_[static_cast<unsigned char>(delimiter)] = true;
  special_[static_cast<unsigned char>('\n')] = true;
  special_[static_cast<unsigned char>('"')] = true;
  buf_.reserve(1024);
  ends_.reserve(64);
}

void CsvReader::Feed(std::string_view bytes) {
  if (stopped_) return;
  if (!bom_checked_) {
    size_t take = std::min(bytes.size(), kBom.size() - bom_.size());
    bom_.append(bytes.data(), take);
    bytes.remove_prefix(take);
    bool maybe_bom = kBom.substr(0, bom_.size()) == bom_;
    if (maybe_bom && bom_.size() < kBom.size()) return;
    bom_checked_ = true;
    if (!maybe_bom) Feed(bom_);
  }
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  while (p < end && !stopped_) {
    if (state_ == State::kFieldStart && ends_.empty()) {
      size_t n = FastRow(p, end);
      if (n > 0) {
        p += n;
        continue;
      }
    }
    p += Step(p, end);
  }
}

size_t CsvReader::FastRow(const char* p, const char* end) {
  // A whole line without quotes within the limits: its fields are the text between delimiters.
  const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
  if (!nl) return 0;
  size_t len = static_cast<size_t>(static_cast<const char*>(nl) - p);
  if (len > limits_.max_row_bytes || std::memchr(p, '"', len)) return 0;
  size_t content = len > 0 && p[len - 1] == '\r' ? len - 1 : len;
  size_t start = 0;
  bool too_long = false;
  for (size_t i = 0; i < content; ++i) {
    if (p[i] != delimiter_) continue;
    too_long |= i - start > limits_.max_field_bytes;
    ends_.push_back(static_cast<uint32_t>(i));
    start = i + 1;
  }
  too_long |= content - start > limits_.max_field_bytes;
  if (too_long || len + ends_.size() * 4 > limits_.max_row_bytes) {
    ends_.clear();  // the general path reports the problem
    return 0;
  }
  ends_.push_back(static_cast<uint32_t>(content));
  buf_.assign(p, content);
  separated_ = true;
  field_quoted_ = false;
  EndRow();
  return len + 1;
}

size_t CsvReader::Step(const char* p, const char* end) {
  char c = *p;
  switch (state_) {
    case State::kFieldStart:
      if (c == '"') {
        field_quoted_ = true;
        state_ = State::kQuoted;
        return 1;
      }
      field_quoted_ = false;
      state_ = State::kUnquoted;
      return 0;
    case State::kUnquoted: return ScanUnquoted(p, end);
    case State::kQuoted: return ScanQuoted(p, end);
    case State::kQuoteInQuoted:
      if (c == '"') {
        Append(p, 1);
        state_ = State::kQuoted;
      } else if (c == delimiter_) {
        EndField();
        state_ = State::kFieldStart;
      } else if (c == '\n') {
        EndField();
        EndRow();
      } else if (c == '\r') {
        state_ = State::kAfterQuote;
      } else {
        Fail("text after a closing quote (a quote inside a quoted field is written \"\")", true);
        return 0;
      }
      return 1;
    case State::kAfterQuote:
      if (c != '\n') {
        Fail("a carriage return after a closing quote that does not end the line", true);
        return 0;
      }
      EndField();
      EndRow();
      return 1;
    case State::kSkipLine: {
      const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
      if (!nl) return static_cast<size_t>(end - p);
      EndRow();
      return static_cast<size_t>(static_cast<const char*>(nl) - p) + 1;
    }
  }
  return 1;
}

size_t CsvReader::ScanUnquoted(const char* p, const char* end) {
  const char* q = p;
  while (q < end && !special_[static_cast<unsigned char>(*q)]) ++q;
  Append(p, static_cast<size_t>(q - p));
  if (q == end) return static_cast<size_t>(q - p);
  if (*q == delimiter_) {
    EndField();
    state_ = State::kFieldStart;
  } else if (*q == '\n') {
    // CRLF: the carriage return belongs to the line break, not the field.
    if (!oversized_ && buf_.size() > field_start_ && buf_.back() == '\r') buf_.pop_back();
    EndField();
    EndRow();
  } else {
    Fail("a quote inside an unquoted field (quote the whole field and double inner quotes)",
         true);
    return static_cast<size_t>(q - p);
  }
  return static_cast<size_t>(q - p) + 1;
}

size_t CsvReader::ScanQuoted(const char* p, const char* end) {
  const void* quote = std::memchr(p, '"', static_cast<size_t>(end - p));
  const char* q = quote ? static_cast<const char*>(quote) : end;
  for (const char* s = p; (s = static_cast<const char*>(std::memchr(s, '\n', q - s))); ++s) {
    ++line_;
  }
  Append(p, static_cast<size_t>(q - p));
  if (q == end) return static_cast<size_t>(q - p);
  state_ = State::kQuoteInQuoted;
  return static_cast<size_t>(q - p) + 1;
}

void CsvReader::Append(const char* p, size_t n) {
  if (oversized_ || n == 0) return;
  if (buf_.size() - field_start_ + n > limits_.max_field_bytes) {
    if (error_.empty()) {
      error_ = "field is longer than " + std::to_string(limits_.max_field_bytes) + " bytes";
      error_field_ = static_cast<int>(ends_.size());
    }
    oversized_ = true;
    return;
  }
  if (buf_.size() + n + ends_.size() * 4 > limits_.max_row_bytes) {
    if (error_.empty()) {
      error_ = "row is longer than " + std::to_string(limits_.max_row_bytes) + " bytes";
    }
    oversized_ = true;
    return;
  }
  buf_.append(p, n);
}

void CsvReader::EndField() {
  if (!oversized_ && (buf_.size() + ends_.size() * 4 > limits_.max_row_bytes)) {
    if (error_.empty()) {
      error_ = "row is longer than " + std::to_string(limits_.max_row_bytes) + " bytes";
    }
    oversized_ = true;
  }
  if (oversized_) return;
  ends_.push_back(static_cast<uint32_t>(buf_.size()));
  field_start_ = buf_.size();
}

void CsvReader::Fail(std::string_view reason, bool skip_line) {
  if (error_.empty()) {
    error_ = std::string(reason);
    error_field_ = static_cast<int>(ends_.size());
  }
  if (skip_line) state_ = State::kSkipLine;
}

void CsvReader::EndRow() {
  bool empty_line = error_.empty() && ends_.size() == 1 && ends_[0] == 0 && !field_quoted_;
  if (!empty_line) {
    CsvRow row;
    row.line = row_line_;
    row.error = error_;
    row.error_field = error_field_;
    row.buf_ = &buf_;
    row.ends_ = &ends_;
    row.separated_ = separated_;
    if (!sink_->OnRow(row)) stopped_ = true;
  }
  buf_.clear();
  ends_.clear();
  separated_ = false;
  field_start_ = 0;
  field_quoted_ = false;
  oversized_ = false;
  error_.clear();
  error_field_ = -1;
  state_ = State::kFieldStart;
  ++line_;
  row_line_ = line_;
}

void CsvReader::Finish() {
  if (stopped_) return;
  if (!bom_checked_) {
    bom_checked_ = true;
    if (bom_ != kBom) Feed(bom_);
  }
  switch (state_) {
    case State::kFieldStart:
      if (ends_.empty()) return;
      EndField();
      break;
    case State::kUnquoted:
      if (!oversized_ && buf_.size() > field_start_ && buf_.back() == '\r') buf_.pop_back();
      EndField();
      break;
    case State::kQuoted:
      Fail("unterminated quoted field (a quote opened and never closed)", false);
      EndField();
      break;
    case State::kQuoteInQuoted:
    case State::kAfterQuote: EndField(); break;
    case State::kSkipLine: break;
  }
  EndRow();
}

}  // namespace verbind::storage
