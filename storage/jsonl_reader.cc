#include "storage/jsonl_reader.h"

#include <cstring>
#include <nlohmann/json.hpp>

namespace verbind::storage {

namespace {

using nlohmann::json;

// Collects the members of one flat object; anything else becomes the row's error.
class FlatObjectSax final : public nlohmann::json_sax<json> {
 public:
  explicit FlatObjectSax(JsonRow* row) : row_(row) {}

  bool null() override { return Scalar(JsonScalar::Kind::kNull, ""); }
  bool boolean(bool v) override { return Scalar(JsonScalar::Kind::kBool, v ? "true" : "false"); }
  bool number_integer(number_integer_t v) override {
    return Scalar(JsonScalar::Kind::kNumber, std::to_string(v));
  }
  bool number_unsigned(number_unsigned_t v) override {
    return Scalar(JsonScalar::Kind::kNumber, std::to_string(v));
  }
  bool number_float(number_float_t, const string_t& text) override {
    return Scalar(JsonScalar::Kind::kNumber, text);
  }
  bool string(string_t& v) override { return Scalar(JsonScalar::Kind::kString, std::move(v)); }
  bool binary(binary_t&) override { return Error("binary values are not allowed"); }
  bool start_object(std::size_t) override {
    if (depth_++ > 0) return Error("nested objects are not allowed");
    return true;
  }
  bool key(string_t& k) override {
    for (const auto& [name, v] : row_->members) {
      if (name == k) {
        row_->error_member = k;
        return Error("the member appears twice");
      }
    }
    key_ = std::move(k);
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth_ > 0) row_->error_member = key_;
    return Error(depth_ > 0 ? "arrays are not allowed" : "each line must be a JSON object");
  }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    std::string what = ex.what();
    size_t at = what.find("parse error at ");
    return Error("invalid JSON: " + (at == std::string::npos ? what : what.substr(at + 15)));
  }

 private:
  bool Scalar(JsonScalar::Kind kind, std::string text) {
    if (depth_ == 0) return Error("each line must be a JSON object");
    row_->members.push_back({std::move(key_), JsonScalar{kind, std::move(text)}});
    return true;
  }
  bool Error(std::string message) {
    if (row_->error.empty()) row_->error = std::move(message);
    return false;
  }
  JsonRow* row_;
  int depth_ = 0;
  std::string key_;
};

bool Blank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

JsonLinesReader::JsonLinesReader(JsonRowSink* sink, size_t max_line_bytes)
    : sink_(sink), max_line_bytes_(max_line_bytes) {}

void JsonLinesReader::Feed(std::string_view bytes) {
  while (!bytes.empty() && !stopped_) {
    const void* nl = std::memchr(bytes.data(), '\n', bytes.size());
    size_t n = nl ? static_cast<size_t>(static_cast<const char*>(nl) - bytes.data()) : bytes.size();
    std::string_view piece = bytes.substr(0, n);
    if (!overlong_ && pending_.size() + piece.size() > max_line_bytes_) {
      overlong_ = true;
      pending_.clear();
    }
    if (!nl) {
      if (!overlong_) pending_.append(piece);
      return;
    }
    if (pending_.empty() || overlong_) {
      Line(piece);
    } else {
      pending_.append(piece);
      Line(pending_);
    }
    pending_.clear();
    overlong_ = false;
    ++line_;
    bytes.remove_prefix(n + 1);
  }
}

void JsonLinesReader::Finish() {
  if (stopped_) return;
  if (!pending_.empty() || overlong_) Line(pending_);
  pending_.clear();
  overlong_ = false;
}

void JsonLinesReader::Line(std::string_view text) {
  row_.line = line_;
  row_.error.clear();
  row_.error_member.clear();
  row_.members.clear();
  if (overlong_) {
    row_.error = "line is longer than " + std::to_string(max_line_bytes_) + " bytes";
  } else {
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (Blank(text)) return;
    FlatObjectSax sax(&row_);
    json::sax_parse(text.begin(), text.end(), &sax, nlohmann::detail::input_format_t::json, true);
  }
  if (!sink_->OnRow(row_)) stopped_ = true;
}

}  // namespace verbind::storage
