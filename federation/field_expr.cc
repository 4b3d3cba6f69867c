// Group-by keys and filter operands as canonical text: a field, a calendar part of a date
// field, or CASE bands (federation/query.h, FieldExpr).
#include <optional>
#include <string>
#include <string_view>

#include "common/dates.h"
#include "common/strings.h"
#include "federation/query.h"
#include "federation/sql.h"

namespace verbind::federation {

std::string FieldExprText(const FieldExpr& e) {
  if (!e.bands.empty()) {
    std::string out = "case";
    for (const CaseBand& b : e.bands) {
      out += " when " + SqlFilter(b.when) + " then " + SqlLiteral(Literal{Literal::Kind::kString, false, 0, b.then});
    }
    if (e.otherwise) {
      out += " else " + SqlLiteral(Literal{Literal::Kind::kString, false, 0, *e.otherwise});
    }
    return out + " end";
  }
  if (e.part == common::DatePart::kNone) return e.field;
  std::string unit(common::DatePartUnit(e.part));
  if (common::IsTruncation(e.part)) return "date_trunc('" + unit + "', " + e.field + ")";
  return "extract(" + unit + " from " + e.field + ")";
}

std::optional<FieldExpr> ParseFieldExpr(std::string_view text) {
  auto strip = [&](std::string_view prefix) {
    if (text.substr(0, prefix.size()) != prefix) return false;
    text.remove_prefix(prefix.size());
    return true;
  };
  if (text.substr(0, 10) == "case when ") return ParseCaseText(text);
  const bool trunc = strip("date_trunc(");
  if (!trunc && !strip("extract(")) return FieldExpr{std::string(text), common::DatePart::kNone};
  if (text.empty() || text.back() != ')') return std::nullopt;
  text.remove_suffix(1);
  FieldExpr out;
  if (trunc) {
    if (!strip("'")) return std::nullopt;
    size_t end = text.find("', ");
    if (end == std::string_view::npos) return std::nullopt;
    out.part = common::TruncationOf(text.substr(0, end));
    text.remove_prefix(end + 3);
  } else {
    size_t end = text.find(" from ");
    if (end == std::string_view::npos) return std::nullopt;
    out.part = common::ExtractionOf(text.substr(0, end));
    text.remove_prefix(end + 6);
  }
  if (out.part == common::DatePart::kNone || !common::IsValidName(text)) return std::nullopt;
  out.field = std::string(text);
  return out;
}

}  // namespace verbind::federation
