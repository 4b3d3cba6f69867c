// The schema as JSON (how it is stored and sent over the API), with strict parsing: unknown
// keys and wrong types are refused, bounds are in the field's text form.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "config/internal/schema_file.h"
#include "config/schema.h"

namespace verbind::config {

using common::Result;
using common::Status;
using nlohmann::json;

namespace {

const std::set<std::string> kTopKeys = {"description", "key", "null_tokens", "fields"};
const std::set<std::string> kFieldKeys = {"name",  "type",       "nullable",       "description",
                                          "scale", "categories", "max_categories", "min",
                                          "max", "grid", "unit"};

json FieldToJson(const Field& f) {
  json j = {{"name", f.name}, {"type", FieldTypeName(f.type)}, {"nullable", f.nullable}};
  if (f.type == FieldType::kDecimal) j["scale"] = f.scale;
  if (f.type == FieldType::kCategorical) {
    j["categories"] = f.categories;
    j["max_categories"] = f.max_categories;
  }
  auto bound = [&](const char* name, const std::optional<int64_t>& v) {
    if (!v) return;
    if (f.type == FieldType::kInteger) {
      j[name] = *v;
    } else {
      j[name] = FormatBound(f, *v);
    }
  };
  bound("min", f.min);
  bound("max", f.max);
  if (f.grid) {
    j["grid"] = f.type == FieldType::kDecimal ? json(FormatDecimal(*f.grid, f.scale)) : json(*f.grid);
  }
  if (!f.unit.empty()) j["unit"] = f.unit;
  if (!f.description.empty()) j["description"] = f.description;
  return j;
}

Status Bad(const std::string& where, const std::string& what) {
  return common::InvalidArgument(where + what);
}

Result<int64_t> BoundFromJson(const json& v, const Field& f, const std::string& where) {
  int64_t out = 0;
  if (v.is_number_integer() && f.type != FieldType::kDate) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX) return Bad(where, "too large");
    std::string text = std::to_string(v.get<int64_t>());
    if (!ParseBoundText(f, text, &out)) return Bad(where, "is out of range");
    return out;
  }
  if (!v.is_string() || !ParseBoundText(f, v.get<std::string>(), &out)) {
    return Bad(where, "must be a " + std::string(FieldTypeName(f.type)) +
                          (f.type == FieldType::kInteger ? "" : " in text form"));
  }
  return out;
}

Status FieldOptionsFromJson(const json& j, const std::string& where, Field* f) {
  if (j.contains("nullable")) {
    if (!j["nullable"].is_boolean()) return Bad(where, "nullable must be true or false");
    f->nullable = j["nullable"].get<bool>();
  }
  if (j.contains("description")) {
    if (!j["description"].is_string()) return Bad(where, "description must be a string");
    f->description = j["description"].get<std::string>();
  }
  if (j.contains("unit")) {
    if (!j["unit"].is_string()) return Bad(where, "unit must be a string");
    f->unit = j["unit"].get<std::string>();
  }
  for (const char* key : {"scale", "max_categories"}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_number_integer() || j[key].get<int64_t>() < 0 ||
        j[key].get<int64_t>() > kMaxCategories) {
      return Bad(where, std::string(key) + " must be a small non-negative integer");
    }
    (std::string(key) == "scale" ? f->scale : f->max_categories) = j[key].get<int>();
  }
  if (j.contains("categories")) {
    if (!j["categories"].is_array()) return Bad(where, "categories must be an array of strings");
    for (const auto& c : j["categories"]) {
      if (!c.is_string()) return Bad(where, "categories must be an array of strings");
      f->categories.push_back(c.get<std::string>());
    }
    if (!j.contains("max_categories")) {
      f->max_categories = std::max<int>(f->max_categories, static_cast<int>(f->categories.size()));
    }
  }
  for (const char* key : {"min", "max"}) {
    if (!j.contains(key)) continue;
    ASSIGN_OR_RETURN(int64_t b, BoundFromJson(j[key], *f, where + key + " "));
    (std::string(key) == "min" ? f->min : f->max) = b;
  }
  if (j.contains("grid")) {
    if (f->type == FieldType::kDecimal) {
      ASSIGN_OR_RETURN(f->grid, BoundFromJson(j["grid"], *f, where + "grid "));
    } else if (j["grid"].is_number_integer() && !j["grid"].is_number_unsigned()) {
      f->grid = j["grid"].get<int64_t>();
    } else if (j["grid"].is_number_unsigned() && j["grid"].get<uint64_t>() <= INT64_MAX) {
      f->grid = static_cast<int64_t>(j["grid"].get<uint64_t>());
    } else {
      return Bad(where, "grid must be an integer");
    }
  }
  return Status::Ok();
}

Result<Field> FieldFromJson(const json& j, size_t index) {
  std::string where = "fields[" + std::to_string(index) + "]: ";
  if (!j.is_object()) return Bad(where, "must be an object");
  for (const auto& [k, v] : j.items()) {
    if (!kFieldKeys.count(k)) return Bad(where, "unknown key " + k);
  }
  Field f;
  if (!j.contains("name") || !j["name"].is_string()) return Bad(where, "needs a name");
  f.name = j["name"].get<std::string>();
  where = "field " + f.name + ": ";
  if (!j.contains("type") || !j["type"].is_string() ||
      !ParseFieldType(j["type"].get<std::string>(), &f.type)) {
    return Bad(where, "needs a type: integer, decimal, categorical, date, boolean or identifier");
  }
  RETURN_IF_ERROR(FieldOptionsFromJson(j, where, &f));
  return f;
}

Result<Schema> SchemaFromObject(const json& j) {
  if (!j.is_object()) return common::InvalidArgument("the schema must be a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (!kTopKeys.count(k)) return common::InvalidArgument("schema: unknown key " + k);
  }
  Schema s;
  if (j.contains("description")) {
    if (!j["description"].is_string()) return common::InvalidArgument("description: string");
    s.description = j["description"].get<std::string>();
  }
  if (j.contains("null_tokens")) {
    const json& tokens = j["null_tokens"];
    bool strings = tokens.is_array() && std::all_of(tokens.begin(), tokens.end(),
                                                    [](const json& t) { return t.is_string(); });
    if (!strings) return common::InvalidArgument("null_tokens must be an array of strings");
    s.null_tokens = tokens.get<std::vector<std::string>>();
  }
  if (!j.contains("fields") || !j["fields"].is_array()) {
    return common::InvalidArgument("schema: fields must be an array");
  }
  std::vector<bool> nullable_set;
  for (size_t i = 0; i < j["fields"].size(); ++i) {
    ASSIGN_OR_RETURN(Field f, FieldFromJson(j["fields"][i], i));
    s.fields.push_back(std::move(f));
    nullable_set.push_back(j["fields"][i].contains("nullable"));
  }
  if (j.contains("key") && !j["key"].is_null()) {
    if (!j["key"].is_string()) return common::InvalidArgument("key must be a field name");
    s.key = s.FieldIndex(j["key"].get<std::string>());
    if (!s.key) return common::InvalidArgument("key names no field: " + j["key"].get<std::string>());
    if (!nullable_set[*s.key]) s.fields[*s.key].nullable = false;
  }
  RETURN_IF_ERROR(ValidateSchema(s));
  return s;
}

}  // namespace

std::string SchemaToJson(const Schema& schema) {
  json fields = json::array();
  for (const auto& f : schema.fields) fields.push_back(FieldToJson(f));
  json j = {{"fields", fields}};
  if (!schema.description.empty()) j["description"] = schema.description;
  j["key"] = schema.key ? json(schema.fields[*schema.key].name) : json(nullptr);
  // Only when set, so that the JSON (and the hash of a signed definition) of a schema without
  // them is what it was before they existed.
  if (!schema.null_tokens.empty()) j["null_tokens"] = schema.null_tokens;
  return j.dump();
}

Result<Schema> SchemaFromJson(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return common::InvalidArgument("the schema is not valid JSON");
  return SchemaFromObject(j);
}

}  // namespace verbind::config
