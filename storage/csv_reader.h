// CsvReader: a streaming RFC 4180 reader. Bytes arrive in pieces of any size; each complete
// row is handed to a sink with its fields and the physical line where it starts. Fields are
// separated by one delimiter byte (a comma unless told otherwise: ';', tab or '|'). Quoted fields
// may hold the delimiter, doubled quotes and line breaks; records end with LF or CRLF; a UTF-8 byte
// order mark at the start is skipped; empty lines are skipped. Syntax problems (a quote inside
// an unquoted field, text after a closing quote, an unterminated quote, a field or row over the
// size limits) are reported on the row they occur in, and reading resumes at the next line, so
// a sink sees every row exactly once. Memory stays within the row limit whatever the input.
// Thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace verbind::storage {

struct CsvLimits {
  size_t max_field_bytes = 64u << 10;
  size_t max_row_bytes = 1u << 20;
};

// The delimiters a CSV file may use, in the order detection prefers them on a tie.
constexpr std::string_view kCsvDelimiters = ",;\t|";

// How a CSV file writes its records and values (Dutch exports often use ';' and decimal
// commas, and words such as NA for a missing value). The reader uses only the delimiter; ingest
// uses the rest when it converts fields.
struct CsvFormat {
  char delimiter = ',';
  bool decimal_comma = false;            // decimals read "1234,56"; the delimiter is not ','
  std::vector<std::string> null_tokens;  // field values read as NULL besides the empty field
};

// OK when `format` can be read: a delimiter from kCsvDelimiters, not ',' with a decimal comma,
// at most 16 NULL tokens of 1-64 bytes of UTF-8 without the delimiter, quotes or line breaks.
common::Status ValidateCsvFormat(const CsvFormat& format);
// The delimiter of a CSV text from its first line (outside quotes): the most frequent of
// ',', ';', tab and '|'; ',' when there is none.
char DetectCsvDelimiter(std::string_view text);
// The delimiter for messages: "','", "';'", "'|'" or "tab".
std::string DescribeCsvDelimiter(char delimiter);

// One row: views valid only during the sink call.
struct CsvRow {
  int64_t line = 0;        // physical line (1-based) where the row starts
  std::string_view error;  // a syntax problem with the row; empty when fine
  int error_field = -1;    // 0-based field where the problem is, or -1

  size_t size() const { return ends_->size(); }
  std::string_view field(size_t i) const {
    uint32_t start = i == 0 ? 0 : (*ends_)[i - 1] + (separated_ ? 1 : 0);
    return std::string_view(*buf_).substr(start, (*ends_)[i] - start);
  }

 private:
  friend class CsvReader;
  const std::string* buf_ = nullptr;
  const std::vector<uint32_t>* ends_ = nullptr;
  bool separated_ = false;  // fields in buf_ are separated by one byte (the delimiter)
};

class CsvRowSink {
 public:
  virtual ~CsvRowSink() = default;
  // Returns false to stop reading (the reader then ignores further input).
  virtual bool OnRow(const CsvRow& row) = 0;
};

class CsvReader {
 public:
  // Reads fields separated by `delimiter` (one of kCsvDelimiters; anything else aborts).
  explicit CsvReader(CsvRowSink* sink, CsvLimits limits = {}, char delimiter = ',');
  // Reads `bytes`; rows they complete go to the sink.
  void Feed(std::string_view bytes);
  // Ends the input: a last row without a line break is delivered, an open quote is reported.
  void Finish();
  int64_t lines() const { return line_; }

 private:
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted, kAfterQuote, kSkipLine };
  size_t FastRow(const char* p, const char* end);
  size_t Step(const char* p, const char* end);
  size_t ScanUnquoted(const char* p, const char* end);
  size_t ScanQuoted(const char* p, const char* end);
  void Append(const char* p, size_t n);
  void EndField();
  void EndRow();
  void Fail(std::string_view reason, bool skip_line);

  CsvRowSink* sink_;
  CsvLimits limits_;
  char delimiter_;
  std::array<bool, 256> special_{};  // bytes that end a run of unquoted field text
  State state_ = State::kFieldStart;
  std::string buf_;
  std::vector<uint32_t> ends_;
  size_t field_start_ = 0;
  bool field_quoted_ = false;
  bool separated_ = false;  // the row came from FastRow: buf_ holds the line with its commas
  bool oversized_ = false;
  int64_t line_ = 1;
  int64_t row_line_ = 1;
  std::string error_;
  int error_field_ = -1;
  bool stopped_ = false;
  std::string bom_;  // the first bytes, until the byte order mark is ruled out
  bool bom_checked_ = false;
};

}  // namespace verbind::storage
