// JsonLinesReader: a streaming reader of JSON lines (one flat JSON object per line). Bytes
// arrive in pieces of any size; each line is parsed with nlohmann-json's SAX interface so that
// numbers keep their exact text (a decimal is never routed through a double). Nested objects
// and arrays, duplicate keys, non-object lines, invalid JSON (including invalid UTF-8) and
// lines over the size limit are reported on their line; reading resumes at the next line.
// Blank lines are skipped. Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace verbind::storage {

struct JsonScalar {
  enum class Kind { kNull, kString, kNumber, kBool };
  Kind kind = Kind::kNull;
  std::string text;  // strings unescaped; numbers as written; booleans "true"/"false"
};

struct JsonRow {
  int64_t line = 0;
  std::string error;         // empty when the line is a valid flat object
  std::string error_member;  // the member the error is about, if any
  std::vector<std::pair<std::string, JsonScalar>> members;
};

class JsonRowSink {
 public:
  virtual ~JsonRowSink() = default;
  // Returns false to stop reading.
  virtual bool OnRow(const JsonRow& row) = 0;
};

class JsonLinesReader {
 public:
  JsonLinesReader(JsonRowSink* sink, size_t max_line_bytes = 1u << 20);
  void Feed(std::string_view bytes);
  // Ends the input (a last line without a line break is read).
  void Finish();

 private:
  void Line(std::string_view text);
  JsonRowSink* sink_;
  size_t max_line_bytes_;
  std::string pending_;
  bool overlong_ = false;
  bool stopped_ = false;
  int64_t line_ = 1;
  JsonRow row_;
};

}  // namespace verbind::storage
