#include "federation/query_json.h"

#include <charconv>
#include <initializer_list>
#include <set>
#include <utility>
#include <vector>

#include "common/strict_json.h"
#include "common/strings.h"

namespace verbind::federation {

using common::Result;
using common::Status;
using nlohmann::json;
using nlohmann::ordered_json;

namespace {

// Objects and arrays nested deeper than this are refused before parsing (a filter at the
// deepest allowed level sits about 2 * kMaxFilterDepth + 2 levels down).
constexpr int kMaxJsonNesting = 2 * kMaxFilterDepth + 16;

Status Fail(const std::string& path, std::string_view message) {
  return common::InvalidArgument(path.empty() ? std::string(message)
                                              : path + ": " + std::string(message));
}

std::string Key(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// The deepest nesting of objects and arrays in `text` (strings skipped).
int MaxNesting(std::string_view text) {
  int depth = 0, max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

// Refuses keys of `object` other than `allowed`.
Status CheckKeys(const json& object, const std::string& path,
                 std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (std::string_view a : allowed) {
      known = known || key == a;
    }
    if (!known) {
      return Fail(Key(path, key), "unknown key");
    }
  }
  return Status::Ok();
}

Result<const json*> Member(const json& object, const std::string& path, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) {
    return Fail(Key(path, key), "missing");
  }
  return &*it;
}

Result<std::string> NameAt(const json& v, const std::string& path) {
  if (!v.is_string()) {
    return Fail(path, "expected a name (a string)");
  }
  std::string name = v.get<std::string>();
  if (!common::IsValidName(name)) {
    return Fail(path, "invalid name " + common::JsonQuote(name.substr(0, 80)) +
                          ": names are 1-64 characters of a-z, 0-9, '_', '.' and '-', "
                          "starting with a letter or digit");
  }
  return name;
}

Result<std::string> NameMember(const json& object, const std::string& path, const char* key) {
  ASSIGN_OR_RETURN(const json* v, Member(object, path, key));
  return NameAt(*v, Key(path, key));
}

// A field or a calendar part of one, in canonical text (FieldExpr).
Result<std::string> FieldExprAt(const json& v, const std::string& path) {
  if (!v.is_string()) return Fail(path, "expected a field name (a string)");
  const std::string text = v.get<std::string>();
  std::optional<FieldExpr> e = ParseFieldExpr(text);
  if (!e) {
    return Fail(path, "invalid expression " + common::JsonQuote(text.substr(0, 80)) +
                          ": write date_trunc('UNIT', field) or extract(UNIT from field) exactly "
                          "so, in lower case");
  }
  RETURN_IF_ERROR(NameAt(json(e->field), path).status());
  return text;
}

Result<std::string> FieldExprMember(const json& object, const std::string& path,
                                    const char* key) {
  ASSIGN_OR_RETURN(const json* v, Member(object, path, key));
  return FieldExprAt(*v, Key(path, key));
}

Result<std::vector<std::string>> NameList(const json& v, const std::string& path, size_t min,
                                          size_t max) {
  if (!v.is_array() || v.size() < min || v.size() > max) {
    return Fail(path, "expected an array of " + std::to_string(min) + " to " + std::to_string(max) +
                          " names");
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    ASSIGN_OR_RETURN(std::string name, NameAt(v[i], Index(path, i)));
    out.push_back(std::move(name));
  }
  return out;
}

// A JSON number that is not an integer, by its shortest text (never arithmetic on doubles).
Result<Literal> FloatLiteral(double d, const std::string& path) {
  char buf[400];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  std::string text(buf, ec == std::errc() ? end : buf);
  if (text.empty() || text.size() > kMaxStringBytes) {
    return Fail(path, "number has too many digits; write it as a string");
  }
  if (text.find('.') != std::string::npos) {
    return Literal::Text(text);
  }
  int64_t v = 0;
  if (!common::ParseInt64(text, &v)) {
    return Fail(path, "number out of range");
  }
  return Literal::Integer(v);
}

Result<Literal> LiteralAt(const json& v, const std::string& path) {
  Literal out;
  switch (v.type()) {
    case json::value_t::null:
      return Literal::Null();
    case json::value_t::boolean:
      return Literal::Boolean(v.get<bool>());
    case json::value_t::number_integer:
      return Literal::Integer(v.get<int64_t>());
    case json::value_t::number_unsigned:
      if (v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
        return Fail(path, "integer out of range");
      }
      return Literal::Integer(static_cast<int64_t>(v.get<uint64_t>()));
    case json::value_t::number_float:
      return FloatLiteral(v.get<double>(), path);
    case json::value_t::string:
      out = Literal::Text(v.get<std::string>());
      break;
    default:
      return Fail(path, "expected a value (a number, string, boolean or null)");
  }
  if (auto issue = FindLiteralIssue(out)) {
    return Fail(path, issue->message);
  }
  return out;
}

Result<Literal> LiteralMember(const json& object, const std::string& path, const char* key) {
  ASSIGN_OR_RETURN(const json* v, Member(object, path, key));
  return LiteralAt(*v, Key(path, key));
}

Result<int> BinsMember(const json& object, const std::string& path) {
  ASSIGN_OR_RETURN(const json* v, Member(object, path, "bins"));
  if (!v->is_number_integer() || v->get<int64_t>() < 1 || v->get<int64_t>() > kMaxHistogramBins) {
    return Fail(Key(path, "bins"),
                "expected an integer from 1 to " + std::to_string(kMaxHistogramBins));
  }
  return static_cast<int>(v->get<int64_t>());
}

Result<double> QMember(const json& object, const std::string& path) {
  ASSIGN_OR_RETURN(const json* v, Member(object, path, "q"));
  double q = v->is_number() ? v->get<double>() : -1;
  if (!(q >= 0.0 && q <= 1.0)) {
    return Fail(Key(path, "q"), "expected a number from 0 to 1");
  }
  return q == 0.0 ? 0.0 : q;  // no negative zero
}

Status AggregateArgs(const json& j, const std::string& path, SelectItem& item) {
  switch (item.func) {
    case AggFunc::kCount: {
      RETURN_IF_ERROR(CheckKeys(j, path, {"agg", "field", "as"}));
      if (j.contains("field")) {
        ASSIGN_OR_RETURN(std::string f, NameMember(j, path, "field"));
        item.fields.push_back(std::move(f));
      }
      return Status::Ok();
    }
    case AggFunc::kCorr: {
      RETURN_IF_ERROR(CheckKeys(j, path, {"agg", "fields", "as"}));
      ASSIGN_OR_RETURN(const json* v, Member(j, path, "fields"));
      ASSIGN_OR_RETURN(item.fields, NameList(*v, Key(path, "fields"), 2, 2));
      return Status::Ok();
    }
    case AggFunc::kRegression: {
      RETURN_IF_ERROR(CheckKeys(j, path, {"agg", "y", "x", "as"}));
      ASSIGN_OR_RETURN(std::string y, NameMember(j, path, "y"));
      ASSIGN_OR_RETURN(const json* x, Member(j, path, "x"));
      ASSIGN_OR_RETURN(item.fields, NameList(*x, Key(path, "x"), 1, kMaxRegressors));
      item.fields.insert(item.fields.begin(), std::move(y));
      return Status::Ok();
    }
    case AggFunc::kHistogram: {
      RETURN_IF_ERROR(CheckKeys(j, path, {"agg", "field", "lo", "hi", "bins", "as"}));
      ASSIGN_OR_RETURN(item.lo, LiteralMember(j, path, "lo"));
      ASSIGN_OR_RETURN(item.hi, LiteralMember(j, path, "hi"));
      ASSIGN_OR_RETURN(item.bins, BinsMember(j, path));
      break;
    }
    case AggFunc::kQuantile: {
      RETURN_IF_ERROR(CheckKeys(j, path, {"agg", "field", "q", "as"}));
      ASSIGN_OR_RETURN(item.q, QMember(j, path));
      break;
    }
    default:
      RETURN_IF_ERROR(CheckKeys(j, path, {"agg", "field", "as"}));
      break;
  }
  ASSIGN_OR_RETURN(std::string f, NameMember(j, path, "field"));
  item.fields.push_back(std::move(f));
  return Status::Ok();
}

Result<SelectItem> SelectItemAt(const json& j, const std::string& path) {
  if (!j.is_object()) {
    return Fail(path, "expected an object");
  }
  SelectItem item;
  if (!j.contains("agg")) {
    if (!j.contains("field")) {
      return Fail(path, "expected \"agg\" (an aggregate) or \"field\" (a group-by field)");
    }
    RETURN_IF_ERROR(CheckKeys(j, path, {"field"}));
    item.kind = SelectItem::Kind::kGroupField;
    ASSIGN_OR_RETURN(std::string f, FieldExprMember(j, path, "field"));
    item.fields.push_back(std::move(f));
    return item;
  }
  const json& agg = j["agg"];
  std::optional<AggFunc> func =
      agg.is_string() ? AggFuncFromName(agg.get<std::string>()) : std::nullopt;
  if (!func) {
    return Fail(Key(path, "agg"),
                "unknown aggregate (expected count, sum, avg, var, stddev, var_pop, stddev_pop, "
                "min, max, histogram, quantile, median, corr or regression)");
  }
  item.func = *func;
  RETURN_IF_ERROR(AggregateArgs(j, path, item));
  if (j.contains("as")) {
    ASSIGN_OR_RETURN(item.alias, NameMember(j, path, "as"));
  }
  return item;
}

Result<Filter> FilterAt(const json& j, const std::string& path, int depth, size_t* nodes);

Status FilterArgs(const json& j, const std::string& path, int depth, size_t* nodes, Filter& f) {
  if (f.op == FilterOp::kNot) {
    RETURN_IF_ERROR(CheckKeys(j, path, {"op", "arg"}));
    ASSIGN_OR_RETURN(const json* arg, Member(j, path, "arg"));
    ASSIGN_OR_RETURN(Filter child, FilterAt(*arg, Key(path, "arg"), depth + 1, nodes));
    f.args.push_back(std::move(child));
    return Status::Ok();
  }
  RETURN_IF_ERROR(CheckKeys(j, path, {"op", "args"}));
  ASSIGN_OR_RETURN(const json* args, Member(j, path, "args"));
  if (!args->is_array() || args->size() < 2) {
    return Fail(Key(path, "args"), "expected an array of two or more filters");
  }
  for (size_t i = 0; i < args->size(); ++i) {
    ASSIGN_OR_RETURN(Filter child,
                     FilterAt((*args)[i], Index(Key(path, "args"), i), depth + 1, nodes));
    f.args.push_back(std::move(child));
  }
  return Status::Ok();
}

Status LeafValues(const json& j, const std::string& path, Filter& f) {
  if (f.op == FilterOp::kIn || f.op == FilterOp::kNotIn) {
    RETURN_IF_ERROR(CheckKeys(j, path, {"op", "field", "values"}));
    ASSIGN_OR_RETURN(const json* values, Member(j, path, "values"));
    if (!values->is_array() || values->empty() || values->size() > kMaxInValues) {
      return Fail(Key(path, "values"),
                  "expected an array of 1 to " + std::to_string(kMaxInValues) + " values");
    }
    for (size_t i = 0; i < values->size(); ++i) {
      ASSIGN_OR_RETURN(Literal v, LiteralAt((*values)[i], Index(Key(path, "values"), i)));
      f.values.push_back(std::move(v));
    }
  } else if (f.op == FilterOp::kBetween || f.op == FilterOp::kNotBetween) {
    RETURN_IF_ERROR(CheckKeys(j, path, {"op", "field", "low", "high"}));
    ASSIGN_OR_RETURN(Literal low, LiteralMember(j, path, "low"));
    ASSIGN_OR_RETURN(Literal high, LiteralMember(j, path, "high"));
    f.values = {std::move(low), std::move(high)};
  } else if (f.op == FilterOp::kIsNull || f.op == FilterOp::kIsNotNull) {
    RETURN_IF_ERROR(CheckKeys(j, path, {"op", "field"}));
  } else if (j.contains("field2")) {
    // A comparison of two fields: {"op": "<", "field": "a", "field2": "b"}.
    if (j.contains("value")) {
      return Fail(path, "a comparison takes \"value\" or \"field2\", not both");
    }
    RETURN_IF_ERROR(CheckKeys(j, path, {"op", "field", "field2"}));
    ASSIGN_OR_RETURN(f.field2, NameMember(j, path, "field2"));
  } else {
    RETURN_IF_ERROR(CheckKeys(j, path, {"op", "field", "value"}));
    ASSIGN_OR_RETURN(Literal v, LiteralMember(j, path, "value"));
    f.values.push_back(std::move(v));
  }
  return Status::Ok();
}

Result<Filter> FilterAt(const json& j, const std::string& path, int depth, size_t* nodes) {
  if (depth > kMaxFilterDepth) {
    return Fail(path,
                "the filter is nested deeper than " + std::to_string(kMaxFilterDepth) + " levels");
  }
  if (++*nodes > kMaxFilterNodes) {
    return Fail(path, "the filter has more than " + std::to_string(kMaxFilterNodes) + " nodes");
  }
  if (!j.is_object()) {
    return Fail(path, "expected a filter object");
  }
  auto op_it = j.find("op");
  std::optional<FilterOp> op = op_it != j.end() && op_it->is_string()
                                   ? FilterOpFromName(op_it->get<std::string>())
                                   : std::nullopt;
  if (!op) {
    return Fail(Key(path, "op"),
                "expected an operator (and, or, not, =, !=, <, <=, >, >=, in, "
                "not_in, between, not_between, is_null, is_not_null, like, not_like, ilike, "
                "not_ilike)");
  }
  Filter f;
  f.op = *op;
  if (IsLogical(f.op)) {
    RETURN_IF_ERROR(FilterArgs(j, path, depth, nodes, f));
    return f;
  }
  RETURN_IF_ERROR(LeafValues(j, path, f));
  ASSIGN_OR_RETURN(f.field, FieldExprMember(j, path, "field"));
  return f;
}

Result<Query> QueryAt(const json& j) {
  if (!j.is_object()) {
    return Fail("", "a query is a JSON object");
  }
  RETURN_IF_ERROR(CheckKeys(j, "", {"dataset", "select", "where", "group_by"}));
  Query q;
  ASSIGN_OR_RETURN(q.dataset, NameMember(j, "", "dataset"));
  ASSIGN_OR_RETURN(const json* select, Member(j, "", "select"));
  if (!select->is_array() || select->empty() || select->size() > kMaxSelectItems) {
    return Fail("select",
                "expected an array of 1 to " + std::to_string(kMaxSelectItems) + " select items");
  }
  for (size_t i = 0; i < select->size(); ++i) {
    ASSIGN_OR_RETURN(SelectItem item, SelectItemAt((*select)[i], Index("select", i)));
    q.select.push_back(std::move(item));
  }
  if (j.contains("where")) {
    size_t nodes = 0;
    ASSIGN_OR_RETURN(q.where, FilterAt(j["where"], "where", 1, &nodes));
  }
  if (j.contains("group_by")) {
    const json& g = j["group_by"];
    if (!g.is_array() || g.size() > kMaxGroupByFields) {
      return Fail("group_by", "expected an array of 0 to " + std::to_string(kMaxGroupByFields) +
                                  " names");
    }
    for (size_t i = 0; i < g.size(); ++i) {
      ASSIGN_OR_RETURN(std::string name, FieldExprAt(g[i], Index("group_by", i)));
      q.group_by.push_back(std::move(name));
    }
  }
  RETURN_IF_ERROR(ValidateQuery(q));
  return q;
}

ordered_json LiteralJson(const Literal& v) {
  switch (v.kind) {
    case Literal::Kind::kNull:
      return nullptr;
    case Literal::Kind::kBoolean:
      return v.boolean;
    case Literal::Kind::kInteger:
      return v.integer;
    default:
      return v.text;
  }
}

ordered_json SelectItemJson(const SelectItem& item) {
  ordered_json j = ordered_json::object();
  if (item.kind == SelectItem::Kind::kGroupField) {
    j["field"] = item.fields.empty() ? std::string() : item.fields[0];
    return j;
  }
  j["agg"] = std::string(AggFuncName(item.func));
  if (item.func == AggFunc::kCorr) {
    j["fields"] = item.fields;
  } else if (item.func == AggFunc::kRegression && !item.fields.empty()) {
    j["y"] = item.fields[0];
    j["x"] = std::vector<std::string>(item.fields.begin() + 1, item.fields.end());
  } else if (!item.fields.empty()) {
    j["field"] = item.fields[0];
  }
  if (item.func == AggFunc::kHistogram) {
    j["lo"] = LiteralJson(item.lo);
    j["hi"] = LiteralJson(item.hi);
    j["bins"] = item.bins;
  } else if (item.func == AggFunc::kQuantile) {
    j["q"] = item.q;
  }
  if (!item.alias.empty()) {
    j["as"] = item.alias;
  }
  return j;
}

ordered_json FilterJson(const Filter& f) {
  ordered_json j = ordered_json::object();
  j["op"] = std::string(FilterOpName(f.op));
  if (f.op == FilterOp::kNot) {
    j["arg"] = f.args.empty() ? ordered_json() : FilterJson(f.args[0]);
    return j;
  }
  if (IsLogical(f.op)) {
    j["args"] = ordered_json::array();
    for (const Filter& a : f.args) {
      j["args"].push_back(FilterJson(a));
    }
    return j;
  }
  j["field"] = f.field;
  auto value = [&](size_t i) { return i < f.values.size() ? LiteralJson(f.values[i]) : nullptr; };
  if (f.op == FilterOp::kIn || f.op == FilterOp::kNotIn) {
    j["values"] = ordered_json::array();
    for (const Literal& v : f.values) {
      j["values"].push_back(LiteralJson(v));
    }
  } else if (f.op == FilterOp::kBetween || f.op == FilterOp::kNotBetween) {
    j["low"] = value(0);
    j["high"] = value(1);
  } else if (!f.field2.empty()) {
    j["field2"] = f.field2;
  } else if (f.op != FilterOp::kIsNull && f.op != FilterOp::kIsNotNull) {
    j["value"] = value(0);
  }
  return j;
}

}  // namespace

Result<Query> ParseQueryJson(std::string_view text) {
  if (text.size() > kMaxQueryTextBytes) {
    return Fail("", "the query is longer than " + std::to_string(kMaxQueryTextBytes) + " bytes");
  }
  if (MaxNesting(text) > kMaxJsonNesting) {
    return Fail("", "the query nests objects and arrays too deeply");
  }
  try {
    ASSIGN_OR_RETURN(json j, common::ParseStrictJson(text, "the query"));
    return QueryAt(j);
  } catch (const json::exception& e) {
    return Fail("", std::string("invalid query JSON: ") + e.what());
  }
}

Result<Query> QueryFromJsonValue(const json& value) {
  try {
    return QueryAt(value);
  } catch (const json::exception& e) {
    return Fail("", std::string("invalid query JSON: ") + e.what());
  }
}

ordered_json QueryToJsonValue(const Query& q) {
  ordered_json j = ordered_json::object();
  j["dataset"] = q.dataset;
  j["select"] = ordered_json::array();
  for (const SelectItem& item : q.select) {
    j["select"].push_back(SelectItemJson(item));
  }
  if (q.where) {
    j["where"] = FilterJson(*q.where);
  }
  if (!q.group_by.empty()) {
    j["group_by"] = q.group_by;
  }
  return j;
}

std::string QueryToJson(const Query& q) {
  return QueryToJsonValue(q).dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

}  // namespace verbind::federation
