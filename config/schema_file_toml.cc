// The schema file in TOML: parsing with "path:line: what" errors, and rendering.
#include <toml++/toml.h>

#include <set>
#include <sstream>

#include "common/dates.h"
#include "common/strings.h"
#include "config/internal/schema_file.h"
#include "config/schema.h"

namespace verbind::config {

using common::Result;
using common::Status;

namespace {

const std::set<std::string_view> kTopKeys = {"description", "key", "null_tokens", "fields"};
const std::set<std::string_view> kFieldKeys = {"name",       "type",           "nullable",
                                               "description", "scale",          "categories",
                                               "max_categories", "min",        "max",
                                               "grid",        "unit"};

struct Ctx {
  const std::string& path;
  std::string At(const toml::node& n) const {
    return path + ":" + std::to_string(n.source().begin.line) + ": ";
  }
  Status Error(const toml::node& n, const std::string& what) const {
    return common::InvalidArgument(At(n) + what);
  }
};

Result<std::string> StringOf(const Ctx& ctx, const toml::node& n, std::string_view key) {
  auto s = n.value<std::string>();
  if (!n.is_string() || !s) return ctx.Error(n, std::string(key) + " must be a string");
  return *s;
}

Result<int64_t> BoundOf(const Ctx& ctx, const toml::node& n, const Field& f,
                        std::string_view key) {
  std::string what = "field " + f.name + ": " + std::string(key);
  if (f.type == FieldType::kDate && n.is_date()) {
    toml::date d = *n.value<toml::date>();
    int32_t days;
    std::string text = common::FormatIsoDate(common::DaysFromCivil(d.year, d.month, d.day));
    if (!common::ParseIsoDate(text, &days)) return ctx.Error(n, what + " is not a valid date");
    return int64_t{days};
  }
  if (n.is_integer() && f.type != FieldType::kDate) {
    int64_t v = n.as_integer()->get();
    if (f.type != FieldType::kDecimal) return v;
    int64_t units;
    if (!ParseDecimal(std::to_string(v), f.scale, &units)) {
      return ctx.Error(n, what + " is out of range");
    }
    return units;
  }
  if (n.is_floating_point()) {
    return ctx.Error(n, what + ": write decimals as strings, e.g. \"12.50\", so that no "
                               "precision is lost");
  }
  if (!n.is_string()) return ctx.Error(n, what + " has the wrong type");
  int64_t out;
  if (!ParseBoundText(f, *n.value<std::string>(), &out)) {
    return ctx.Error(n, what + " \"" + *n.value<std::string>() + "\" is not a valid " +
                            std::string(FieldTypeName(f.type)) +
                            (f.type == FieldType::kDecimal
                                 ? " with at most " + std::to_string(f.scale) + " decimals"
                                 : ""));
  }
  return out;
}

// A grid width: an integer (days for dates), or decimal text for decimal fields.
Result<int64_t> GridOf(const Ctx& ctx, const toml::node& n, const Field& f) {
  if (f.type == FieldType::kDecimal) return BoundOf(ctx, n, f, "grid");
  if (!n.is_integer()) {
    return ctx.Error(n, "field " + f.name + ": grid must be an integer" +
                            (f.type == FieldType::kDate ? " number of days" : ""));
  }
  return n.as_integer()->get();
}

Status ReadCategories(const Ctx& ctx, const toml::node& n, Field* f) {
  const toml::array* arr = n.as_array();
  if (!arr) return ctx.Error(n, "field " + f->name + ": categories must be an array of strings");
  for (const auto& c : *arr) {
    if (!c.is_string()) {
      return ctx.Error(n, "field " + f->name + ": categories must be an array of strings");
    }
    f->categories.push_back(*c.value<std::string>());
  }
  return Status::Ok();
}

Status ReadNullTokens(const Ctx& ctx, const toml::node& n, Schema* schema) {
  const toml::array* arr = n.as_array();
  if (!arr) return ctx.Error(n, "null_tokens must be an array of strings");
  for (const auto& t : *arr) {
    if (!t.is_string()) return ctx.Error(n, "null_tokens must be an array of strings");
    schema->null_tokens.push_back(*t.value<std::string>());
  }
  return Status::Ok();
}

Status ReadFieldType(const Ctx& ctx, const toml::table& t, const toml::node& where, Field* f) {
  const toml::node* name = t.get("name");
  if (!name) return ctx.Error(where, "a field needs a name");
  ASSIGN_OR_RETURN(f->name, StringOf(ctx, *name, "name"));
  const toml::node* type = t.get("type");
  if (!type) return ctx.Error(where, "field " + f->name + " needs a type");
  ASSIGN_OR_RETURN(std::string type_text, StringOf(ctx, *type, "type"));
  if (!ParseFieldType(type_text, &f->type)) {
    return ctx.Error(*type, "field " + f->name + ": unknown type \"" + type_text +
                                "\" (integer, decimal, categorical, date, boolean, identifier)");
  }
  return Status::Ok();
}

Status ReadFieldOption(const Ctx& ctx, std::string_view key, const toml::node& v, Field* f) {
  std::string what = "field " + f->name + ": " + std::string(key);
  if (key == "nullable") {
    if (!v.is_boolean()) return ctx.Error(v, what + " must be true or false");
    f->nullable = v.as_boolean()->get();
  } else if (key == "description") {
    ASSIGN_OR_RETURN(f->description, StringOf(ctx, v, key));
  } else if (key == "unit") {
    ASSIGN_OR_RETURN(f->unit, StringOf(ctx, v, key));
  } else if (key == "scale" || key == "max_categories") {
    if (!v.is_integer()) return ctx.Error(v, what + " must be an integer");
    int64_t i = v.as_integer()->get();
    if (i < 0 || i > kMaxCategories) return ctx.Error(v, what + " is out of range");
    (key == "scale" ? f->scale : f->max_categories) = static_cast<int>(i);
  } else if (key == "categories") {
    RETURN_IF_ERROR(ReadCategories(ctx, v, f));
  } else if (key == "min" || key == "max") {
    ASSIGN_OR_RETURN(int64_t b, BoundOf(ctx, v, *f, key));
    (key == "min" ? f->min : f->max) = b;
  } else if (key == "grid") {
    ASSIGN_OR_RETURN(f->grid, GridOf(ctx, v, *f));
  }
  return Status::Ok();
}

Result<Field> ReadField(const Ctx& ctx, const toml::node& node, bool* nullable_set) {
  const toml::table* t = node.as_table();
  if (!t) return ctx.Error(node, "each [[fields]] entry must be a table");
  Field f;
  RETURN_IF_ERROR(ReadFieldType(ctx, *t, node, &f));
  for (const auto& [k, v] : *t) {
    if (!kFieldKeys.count(k.str())) {
      return ctx.Error(v, "field " + f.name + ": unknown key " + std::string(k.str()));
    }
  }
  // Scale first: decimal bounds depend on it.
  for (std::string_view key : {"scale", "nullable", "description", "unit", "categories",
                               "max_categories", "min", "max", "grid"}) {
    if (const toml::node* v = t->get(key)) RETURN_IF_ERROR(ReadFieldOption(ctx, key, *v, &f));
  }
  if (!f.categories.empty() && !t->get("max_categories")) {
    f.max_categories = std::max<int>(f.max_categories, static_cast<int>(f.categories.size()));
  }
  *nullable_set = t->get("nullable") != nullptr;
  Status valid = ValidateField(f);
  if (!valid.ok()) return ctx.Error(node, valid.message());
  return f;
}

Status ReadKey(const Ctx& ctx, const toml::node& key, const std::vector<bool>& nullable_set,
               Schema* schema) {
  ASSIGN_OR_RETURN(std::string name, StringOf(ctx, key, "key"));
  auto index = schema->FieldIndex(name);
  if (!index) return ctx.Error(key, "key names no field: " + name);
  Field& f = schema->fields[*index];
  if (!nullable_set[*index]) f.nullable = false;
  schema->key = index;
  return Status::Ok();
}

Result<Schema> ReadSchema(const Ctx& ctx, const toml::table& root) {
  Schema schema;
  for (const auto& [k, v] : root) {
    if (!kTopKeys.count(k.str())) return ctx.Error(v, "unknown key " + std::string(k.str()));
  }
  if (const toml::node* d = root.get("description")) {
    ASSIGN_OR_RETURN(schema.description, StringOf(ctx, *d, "description"));
  }
  if (const toml::node* n = root.get("null_tokens")) {
    RETURN_IF_ERROR(ReadNullTokens(ctx, *n, &schema));
  }
  const toml::node* fields = root.get("fields");
  const toml::array* arr = fields ? fields->as_array() : nullptr;
  if (!arr || arr->empty()) {
    return common::InvalidArgument(ctx.path + ":1: a schema needs at least one [[fields]] entry");
  }
  std::vector<bool> nullable_set;
  std::set<std::string> names;
  for (const auto& node : *arr) {
    bool set = false;
    ASSIGN_OR_RETURN(Field f, ReadField(ctx, node, &set));
    if (!names.insert(f.name).second) {
      return ctx.Error(node, "field " + f.name + " is defined twice");
    }
    schema.fields.push_back(std::move(f));
    nullable_set.push_back(set);
  }
  if (const toml::node* key = root.get("key")) {
    RETURN_IF_ERROR(ReadKey(ctx, *key, nullable_set, &schema));
  }
  Status valid = ValidateSchema(schema);
  if (!valid.ok()) return common::InvalidArgument(ctx.path + ": " + valid.message());
  return schema;
}

std::string Quote(std::string_view s) { return common::TomlQuote(s); }

std::string QuoteList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + Quote(items[i]);
  return out + "]";
}

// A note as TOML comment lines: a comment may hold no control character but tab, and a note
// may quote labels from a data file.
void RenderNote(const std::vector<std::string>& lines, std::ostringstream& out) {
  for (const std::string& line : lines) {
    std::string safe = common::IsValidUtf8(line) ? line : "?";
    for (char& c : safe) {
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) c = '?';
    }
    out << "# " << safe << "\n";
  }
}

void RenderField(const Field& f, bool is_key, const std::vector<std::string>& note,
                 std::ostringstream& out) {
  out << "\n";
  RenderNote(note, out);
  out << "[[fields]]\nname = " << Quote(f.name) << "\ntype = " << Quote(FieldTypeName(f.type))
      << "\n";
  if (!is_key || f.nullable) out << "nullable = " << (f.nullable ? "true" : "false") << "\n";
  if (f.type == FieldType::kDecimal) out << "scale = " << f.scale << "\n";
  if (f.type == FieldType::kCategorical) {
    if (!f.categories.empty()) out << "categories = " << QuoteList(f.categories) << "\n";
    out << "max_categories = " << f.max_categories << "\n";
  }
  auto bound = [&](const char* name, const std::optional<int64_t>& v) {
    if (!v) return;
    out << name << " = ";
    if (f.type == FieldType::kInteger) {
      out << *v << "\n";
    } else {
      out << Quote(FormatBound(f, *v)) << "\n";
    }
  };
  bound("min", f.min);
  bound("max", f.max);
  if (f.grid) {
    out << "grid = "
        << (f.type == FieldType::kDecimal ? Quote(FormatDecimal(*f.grid, f.scale))
                                          : std::to_string(*f.grid))
        << "\n";
  }
  if (!f.unit.empty()) out << "unit = " << Quote(f.unit) << "\n";
  if (!f.description.empty()) out << "description = " << Quote(f.description) << "\n";
}

}  // namespace

Result<Schema> ParseSchemaToml(std::string_view text, const std::string& path) {
  Ctx ctx{path};
  if (!common::IsValidUtf8(text)) {
    return common::InvalidArgument(path + ": the schema file is not valid UTF-8");
  }
  try {
    toml::table root = toml::parse(text, path);
    return ReadSchema(ctx, root);
  } catch (const toml::parse_error& e) {
    return common::InvalidArgument(path + ":" + std::to_string(e.source().begin.line) + ":" +
                                   std::to_string(e.source().begin.column) + ": " +
                                   std::string(e.description()));
  }
}

std::string RenderSchemaToml(const Schema& schema) { return RenderSchemaToml(schema, {}); }

std::string RenderSchemaToml(const Schema& schema,
                             const std::vector<std::vector<std::string>>& field_notes) {
  std::ostringstream out;
  out << "# Verbind dataset schema (docs/datasets.md). Types: integer, decimal (scale = "
         "decimals),\n# categorical, date (YYYY-MM-DD), boolean, identifier (never "
         "aggregated or returned).\n";
  if (!schema.description.empty()) out << "description = " << Quote(schema.description) << "\n";
  if (schema.key) out << "key = " << Quote(schema.fields[*schema.key].name) << "\n";
  if (!schema.null_tokens.empty()) out << "null_tokens = " << QuoteList(schema.null_tokens) << "\n";
  for (size_t i = 0; i < schema.fields.size(); ++i) {
    RenderField(schema.fields[i], schema.key && *schema.key == i,
                i < field_notes.size() ? field_notes[i] : std::vector<std::string>{}, out);
  }
  return out.str();
}

}  // namespace verbind::config
