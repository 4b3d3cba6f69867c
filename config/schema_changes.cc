#include "config/schema_changes.h"

#include <algorithm>

namespace verbind::config {

namespace {

SchemaChange Compatible(const Field& f, std::string what, bool in_place = true) {
  return {f.name, std::move(what), true, in_place};
}
SchemaChange Incompatible(const Field& f, std::string what) {
  return {f.name, std::move(what), false, false};
}

std::string List(const std::vector<std::string>& labels, size_t from) {
  std::string out;
  for (size_t i = from; i < labels.size(); ++i) {
    if (i - from == 5) return out + ", ... (" + std::to_string(labels.size() - from) + ")";
    out += (i > from ? ", \"" : "\"") + labels[i] + "\"";
  }
  return out;
}

// A bound of `from` in the units of `to` (scales may differ), or nullopt on overflow.
std::optional<int64_t> Rescaled(int64_t v, int from_scale, int to_scale) {
  for (int s = from_scale; s < to_scale; ++s) {
    if (v > INT64_MAX / 10 || v < INT64_MIN / 10) return std::nullopt;
    v *= 10;
  }
  return v;
}

void CompareBound(const Field& a, const Field& b, const char* name, bool lower,
                  std::vector<SchemaChange>& out) {
  const auto& from = lower ? a.min : a.max;
  const auto& to = lower ? b.min : b.max;
  if (!from && !to) return;
  std::string what = std::string(name);
  if (!to) {
    out.push_back(Compatible(b, what + " removed"));
    return;
  }
  if (!from) {
    out.push_back(Incompatible(b, what + " added: stored values may fall outside it"));
    return;
  }
  auto old_value = Rescaled(*from, a.scale, b.scale);
  if (old_value && *old_value == *to) return;
  bool wider = old_value && (lower ? *to < *old_value : *to > *old_value);
  std::string text = what + (wider ? (lower ? " lowered" : " raised") : " narrowed");
  out.push_back(wider ? Compatible(b, text) : Incompatible(b, text));
}

void CompareCategories(const Field& a, const Field& b, std::vector<SchemaChange>& out) {
  if (a.categories == b.categories) {
  } else if (a.categories.empty()) {
    out.push_back(Incompatible(b, "now a closed set: stored labels may fall outside it"));
  } else if (b.categories.empty()) {
    out.push_back(Compatible(b, "now an open set"));
  } else if (b.categories.size() > a.categories.size() &&
             std::equal(a.categories.begin(), a.categories.end(), b.categories.begin())) {
    out.push_back(Compatible(b, "categories added: " + List(b.categories, a.categories.size())));
  } else {
    out.push_back(Incompatible(b, "categories removed or reordered (only additions at the end "
                                  "are compatible)"));
  }
  if (b.max_categories < a.max_categories) {
    out.push_back(Incompatible(b, "max_categories lowered"));
  } else if (b.max_categories > a.max_categories) {
    out.push_back(Compatible(b, "max_categories raised"));
  }
}

void CompareField(const Field& a, size_t a_index, const Field& b, size_t b_index,
                  std::vector<SchemaChange>& out) {
  if (a.type != b.type) {
    out.push_back(Incompatible(b, "type " + std::string(FieldTypeName(a.type)) + " -> " +
                                      std::string(FieldTypeName(b.type))));
    return;
  }
  if (a_index != b_index) {
    out.push_back(Compatible(b, "moved from position " + std::to_string(a_index + 1) + " to " +
                                    std::to_string(b_index + 1), false));
  }
  if (a.nullable != b.nullable) {
    out.push_back(b.nullable ? Compatible(b, "now nullable")
                             : Incompatible(b, "no longer nullable"));
  }
  if (a.scale != b.scale) {
    std::string what = "scale " + std::to_string(a.scale) + " -> " + std::to_string(b.scale);
    out.push_back(b.scale > a.scale ? Compatible(b, what + " (stored values are rescaled)", false)
                                    : Incompatible(b, what));
  }
  if (a.type == FieldType::kCategorical) CompareCategories(a, b, out);
  CompareBound(a, b, "min", true, out);
  CompareBound(a, b, "max", false, out);
  if (a.grid != b.grid) out.push_back(Compatible(b, "grid changed"));
  if (a.unit != b.unit) {
    out.push_back(a.unit.empty() ? Compatible(b, "unit \"" + b.unit + "\" declared")
                                 : Incompatible(b, "unit \"" + a.unit + "\" -> \"" + b.unit +
                                                       "\""));
  }
  if (a.description != b.description) out.push_back(Compatible(b, "description changed"));
}

}  // namespace

std::vector<SchemaChange> CompareSchemas(const Schema& from, const Schema& to) {
  std::vector<SchemaChange> out;
  auto key_name = [](const Schema& s) { return s.key ? s.fields[*s.key].name : std::string(); };
  if (key_name(from) != key_name(to)) {
    out.push_back({"", "record key " + (key_name(from).empty() ? "(none)" : key_name(from)) +
                           " -> " + (key_name(to).empty() ? "(none)" : key_name(to)),
                   false, false});
  }
  if (from.description != to.description) out.push_back({"", "description changed", true, true});
  // NULL tokens say how future CSV uploads are read; stored records keep their meaning.
  if (from.null_tokens != to.null_tokens) out.push_back({"", "null_tokens changed", true, true});
  for (size_t i = 0; i < from.fields.size(); ++i) {
    auto j = to.FieldIndex(from.fields[i].name);
    if (!j) {
      out.push_back(Incompatible(from.fields[i], "removed"));
      continue;
    }
    CompareField(from.fields[i], i, to.fields[*j], *j, out);
  }
  for (const Field& f : to.fields) {
    if (from.FieldIndex(f.name)) continue;
    out.push_back(f.nullable ? Compatible(f, "added (nullable; stored records hold NULL)", false)
                             : Incompatible(f, "added, not nullable"));
  }
  return out;
}

bool AllCompatible(const std::vector<SchemaChange>& changes) {
  return std::all_of(changes.begin(), changes.end(), [](const auto& c) { return c.compatible; });
}

bool AllInPlace(const std::vector<SchemaChange>& changes) {
  return std::all_of(changes.begin(), changes.end(), [](const auto& c) { return c.in_place; });
}

std::string DescribeChanges(const std::vector<SchemaChange>& changes, size_t max) {
  std::string out;
  for (size_t i = 0; i < changes.size() && i < max; ++i) {
    if (i > 0) out += "; ";
    out += (changes[i].field.empty() ? "" : "field " + changes[i].field + ": ") + changes[i].what;
  }
  if (changes.size() > max) out += "; and " + std::to_string(changes.size() - max) + " more";
  return out;
}

}  // namespace verbind::config
