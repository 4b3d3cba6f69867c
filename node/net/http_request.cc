#include "node/net/http_request.h"

#include "common/strings.h"

namespace verbind::node {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentDecode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += plus_as_space && c == '+' ? ' ' : c;
  }
  return out;
}

QueryParams QueryParams::Parse(std::string_view query) {
  QueryParams params;
  for (std::string_view pair : common::Split(query, '&')) {
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    if (name.empty()) continue;
    std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    params.items_.emplace_back(PercentDecode(name, true), PercentDecode(value, true));
  }
  return params;
}

bool QueryParams::Has(std::string_view name) const {
  for (const auto& [k, v] : items_) {
    if (k == name) return true;
  }
  return false;
}

std::string QueryParams::Get(std::string_view name, std::string_view fallback) const {
  for (const auto& [k, v] : items_) {
    if (k == name) return v;
  }
  return std::string(fallback);
}

std::vector<std::string> QueryParams::GetAll(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : items_) {
    if (k == name) out.push_back(v);
  }
  return out;
}

void SplitTarget(std::string_view target, std::string* path, QueryParams* query) {
  target = target.substr(0, target.find('#'));
  size_t mark = target.find('?');
  *path = PercentDecode(target.substr(0, mark), false);
  *query =
      mark == std::string_view::npos ? QueryParams() : QueryParams::Parse(target.substr(mark + 1));
}

std::string ErrorBody(std::string_view code, std::string_view message, std::string_view trace_id) {
  return "{\"code\":" + common::JsonQuote(code) + ",\"message\":" + common::JsonQuote(message) +
         ",\"trace_id\":" + common::JsonQuote(trace_id) + "}";
}

}  // namespace verbind::node
