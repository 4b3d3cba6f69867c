// Binding group-by keys and filter operands that are more than a field: calendar parts of date
// fields and CASE bands (see federation/bind.h).
#include <algorithm>
#include <optional>
#include <string>

#include "common/dates.h"
#include "common/strings.h"
#include "federation/bind.h"
#include "federation/sql.h"

namespace verbind::federation {

using common::Result;
using config::FieldType;

Result<BoundField> ResolveFieldExpr(const config::Schema& schema, std::string_view text,
                                    const std::string& path) {
  std::optional<FieldExpr> e = ParseFieldExpr(text);
  if (!e) return common::InvalidArgument(path + ": invalid expression " + common::JsonQuote(text));
  if (!e->bands.empty()) {
    return common::InvalidArgument(path + ": CASE makes group-by keys; test the field itself");
  }
  ASSIGN_OR_RETURN(BoundField f, ResolveField(schema, e->field, path));
  if (e->part == common::DatePart::kNone) return f;
  if (f.type != FieldType::kDate) {
    return common::InvalidArgument(path + ": " + SqlFieldExpr(text) + " needs a date field; \"" +
                                   f.name + "\" is " +
                                   std::string(config::FieldTypeName(f.type)));
  }
  f.name = std::string(text);
  f.part = e->part;
  f.type = common::IsTruncation(e->part) ? FieldType::kDate : FieldType::kInteger;
  return f;
}

Result<BoundField> BindGroupKey(const config::Schema& schema, std::string_view text,
                                const CategoryCodeLookup& codes, const std::string& path,
                                storage::KeyBands* bands, const CategoryLabelsLookup& labels) {
  std::optional<FieldExpr> e = ParseFieldExpr(text);
  if (!e || e->bands.empty()) return ResolveFieldExpr(schema, text, path);
  ASSIGN_OR_RETURN(BoundField f, ResolveField(schema, e->field, path));
  f.name = std::string(text);
  f.type = FieldType::kCategorical;
  f.scale = 0;
  auto key_of = [&](const std::string& label) {
    auto at = std::find(f.band_labels.begin(), f.band_labels.end(), label);
    if (at == f.band_labels.end()) at = f.band_labels.insert(at, label);
    return static_cast<int64_t>(at - f.band_labels.begin());
  };
  *bands = storage::KeyBands{};
  for (size_t i = 0; i < e->bands.size(); ++i) {
    ASSIGN_OR_RETURN(storage::Predicate p,
                     BindFilter(e->bands[i].when, schema, codes,
                                path + ".when[" + std::to_string(i) + "]", labels));
    bands->when.push_back(std::move(p));
    bands->keys.push_back(key_of(e->bands[i].then));
  }
  f.else_null = !e->otherwise;
  bands->else_null = f.else_null;
  bands->keys.push_back(e->otherwise ? key_of(*e->otherwise) : 0);
  return f;
}

}  // namespace verbind::federation
