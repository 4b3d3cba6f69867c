// /v1/datasets: create, list, describe and drop datasets, streamed record uploads (CSV or JSON
// lines) and erase by record key. Request and response bodies: docs/datasets.md.
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/encoding.h"
#include "common/files.h"
#include "common/strings.h"
#include "federation/definition.h"
#include "node/api/internal/http_status.h"
#include "node/api/routes.h"
#include "storage/dataset_store.h"

namespace verbind::node {

using common::Result;
using nlohmann::json;

namespace {

constexpr size_t kMaxEraseKeys = 100000;
// The most problems one ingest report lists (max_errors): enough for a reject file of every
// bad row of a large batch, while the report stays within a few hundred megabytes.
constexpr int64_t kMaxErrorsListed = 1'000'000;
// The largest first_line: far beyond any file, and far from overflowing a line number.
constexpr int64_t kMaxFirstLine = int64_t{1} << 50;

std::string Time(int64_t ms) { return ms ? common::FormatRfc3339(ms) : ""; }

const char* ModeName(storage::IngestMode mode) {
  return mode == storage::IngestMode::kUpsert ? "upsert" : "insert";
}

// The report; rows_stored is rows_inserted under its name before modes existed.
json ReportToJson(std::string_view dataset, storage::IngestMode mode,
                  const storage::IngestReport& r) {
  json errors = json::array();
  for (const auto& e : r.errors) {
    errors.push_back(
        {{"source", e.source}, {"line", e.line}, {"column", e.column}, {"reason", e.reason}});
  }
  json out = {{"dataset", dataset},
              {"mode", ModeName(mode)},
              {"committed", r.committed},
              {"rows_read", r.rows_read},
              {"rows_inserted", r.rows_inserted},
              {"rows_stored", r.rows_inserted},
              {"rows_replaced", r.rows_replaced},
              {"rows_rejected", r.rows_rejected},
              {"generation", r.generation},
              {"errors", errors},
              {"errors_omitted", r.errors_omitted},
              {"errors_truncated", r.errors_omitted > 0}};
  if (!r.committed) out["refusal"] = r.refusal;
  return out;
}

// The describe JSON of a dataset; `counts` adds the numbers of records and bytes. Analysts see
// schemas, not how many records a dataset holds: an exact count is the answer to `count(*)`
// without protection (docs/privacy.md).
json DatasetToJson(const storage::DatasetInfo& info, bool counts) {
  json schema = json::parse(config::SchemaToJson(info.schema));
  json fields = schema["fields"];
  for (size_t i = 0; i < fields.size(); ++i) {
    fields[i]["key"] = info.schema.key && *info.schema.key == i;
  }
  json out = {{"name", info.name},
              {"description", info.schema.description},
              {"key", schema["key"]},
              {"generation", info.generation},
              {"created_at", Time(info.created_at_ms)},
              {"updated_at", Time(info.updated_at_ms)},
              {"fields", fields},
              {"schema", schema},
              {"definition", info.definition
                                 ? federation::DefinitionRefToJson(*info.definition)
                                 : json(nullptr)}};
  if (counts) {
    out["rows"] = info.rows;
    out["erased"] = info.erased;
    out["bytes_on_disk"] = info.bytes_on_disk;
  }
  return out;
}

common::Result<storage::InputFormat> FormatOf(const HttpRequest& req) {
  std::string type = common::ToLower(req.Header("Content-Type"));
  type = type.substr(0, type.find(';'));
  type = std::string(common::Trim(type));
  if (type == "text/csv") return storage::InputFormat::kCsv;
  if (type == "application/x-ndjson") return storage::InputFormat::kJsonLines;
  return common::FailedPrecondition("send Content-Type: text/csv or application/x-ndjson");
}

// The CSV format parameters: delimiter (',', ';', '|', tab or "tab"), decimal_comma
// (true/false) and null (repeatable); they apply to CSV only.
common::Result<storage::CsvFormat> CsvFormatOf(const QueryParams& query, bool csv) {
  storage::CsvFormat f;
  if (!csv) {
    for (const char* p : {"delimiter", "decimal_comma", "null"}) {
      if (query.Has(p)) {
        return common::InvalidArgument(std::string(p) + " applies to CSV uploads only");
      }
    }
    return f;
  }
  std::string d = query.Get("delimiter", ",");
  if (d == "tab") d = "\t";
  if (d.size() != 1 || storage::kCsvDelimiters.find(d[0]) == std::string_view::npos) {
    return common::InvalidArgument("delimiter must be ',', ';', '|' or tab");
  }
  f.delimiter = d[0];
  std::string comma = query.Get("decimal_comma", "false");
  if (comma != "true" && comma != "false") {
    return common::InvalidArgument("decimal_comma must be true or false");
  }
  f.decimal_comma = comma == "true";
  f.null_tokens = query.GetAll("null");
  RETURN_IF_ERROR(storage::ValidateCsvFormat(f));
  return f;
}

// A whole-number query parameter in [lo, hi], or nullopt when absent; `what` says what it
// must be when it is not one.
common::Result<std::optional<int64_t>> WholeNumberOf(const QueryParams& query, const char* name,
                                                     int64_t lo, int64_t hi,
                                                     const std::string& what) {
  if (!query.Has(name)) return std::optional<int64_t>();
  int64_t n = 0;
  if (!common::ParseInt64(query.Get(name), &n) || n < lo || n > hi) {
    return common::InvalidArgument(std::string(name) + " must be " + what);
  }
  return std::optional<int64_t>(n);
}

// on_error, max_rejects and max_errors. max_rejects means skipping bad rows (up to that many),
// so it implies on_error=skip and contradicts on_error=refuse.
common::Status SetErrorOptions(const QueryParams& query, storage::IngestOptions* o) {
  ASSIGN_OR_RETURN(o->max_rejects,
                   WholeNumberOf(query, "max_rejects", 0, INT64_MAX,
                                 "a whole number of rows, 0 or more: a batch with more rejected "
                                 "rows is refused whole"));
  std::string on_error = query.Get("on_error", o->max_rejects ? "skip" : "refuse");
  if (on_error == "skip") {
    o->on_error = storage::OnError::kSkipRow;
  } else if (on_error != "refuse") {
    return common::InvalidArgument("on_error must be refuse or skip");
  } else if (o->max_rejects) {
    return common::InvalidArgument(
        "max_rejects applies to on_error=skip; on_error=refuse refuses a batch at its first bad "
        "row");
  }
  ASSIGN_OR_RETURN(auto max_errors,
                   WholeNumberOf(query, "max_errors", 0, kMaxErrorsListed,
                                 "a whole number from 0 to " + std::to_string(kMaxErrorsListed) +
                                     " (the most problems the report lists)"));
  if (max_errors) o->max_errors_reported = static_cast<size_t>(*max_errors);
  return common::Status::Ok();
}

common::Result<storage::IngestOptions> IngestOptionsOf(const QueryParams& query, bool csv) {
  storage::IngestOptions o;
  ASSIGN_OR_RETURN(o.csv, CsvFormatOf(query, csv));
  RETURN_IF_ERROR(SetErrorOptions(query, &o));
  std::string mode = query.Get("mode", "insert");
  if (mode == "upsert") {
    o.mode = storage::IngestMode::kUpsert;
  } else if (mode != "insert") {
    return common::InvalidArgument(
        "mode must be insert (a row whose record key is taken is an error) or upsert (it "
        "replaces the record)");
  }
  // Lines as in the body: CSV data starts on line 2, after the header.
  int64_t body_first = csv ? 2 : 1;
  ASSIGN_OR_RETURN(
      auto first_line,
      WholeNumberOf(query, "first_line", body_first, kMaxFirstLine,
                    "the file line of the body's first record, from " + std::to_string(body_first) +
                        (csv ? " (line 1 is the header)" : "")));
  o.line_offset = first_line.value_or(body_first) - body_first;
  o.source_name = query.Get("source", "request");
  if (o.source_name.empty() || o.source_name.size() > 256 || !common::IsValidUtf8(o.source_name)) {
    return common::InvalidArgument("source must be 1-256 bytes of UTF-8");
  }
  return o;
}

common::Result<config::Schema> SchemaOf(const json& body) {
  bool toml = body.contains("schema"), as_json = body.contains("schema_json");
  if (toml == as_json) {
    return common::InvalidArgument(
        "send the schema as \"schema\" (TOML text) or "
        "\"schema_json\" (an object), not both");
  }
  if (toml) {
    if (!body["schema"].is_string()) return common::InvalidArgument("schema must be TOML text");
    return config::ParseSchemaToml(body["schema"].get<std::string>(), "schema");
  }
  return config::SchemaFromJson(body["schema_json"].dump());
}

Result<HttpReply> Create(const DatasetServices& s, const ApiRequest& r) {
  if (!r.body.contains("name") || !r.body["name"].is_string()) {
    return common::InvalidArgument("the body needs \"name\": the dataset name");
  }
  std::string name = r.body["name"];
  ASSIGN_OR_RETURN(config::Schema schema, SchemaOf(r.body));
  RETURN_IF_ERROR(s.datasets->Create(name, schema));
  s.audit
      ->Record(r.ctx.trace_id, {.actor = r.caller.name,
                                .operation = "dataset.create",
                                .decision = "applied",
                                .detail = config::SchemaToJson(schema),
                                .dataset = name})
      .IgnoreError();
  ASSIGN_OR_RETURN(storage::DatasetInfo info, s.datasets->Describe(name));
  return JsonReply(DatasetToJson(info, true).dump(), 201);
}

// A refused upload: nothing of it is stored.
std::optional<HttpReply> UploadRefusal(const ApiRequest& r, const common::Status& feed_error,
                                       bool whole) {
  if (r.http.body_reader->limit_exceeded()) {
    return ErrorReply(r.ctx, 413, "too_large",
                      "the upload is larger than limits.max_ingest_bytes; nothing was stored");
  }
  if (feed_error.code() == common::StatusCode::kResourceExhausted) {
    return ErrorReply(r.ctx, 413, "too_large", feed_error.message());
  }
  if (!feed_error.ok()) return ErrorReply(r.ctx, feed_error);
  if (!whole) {
    return ErrorReply(r.ctx, common::InvalidArgument("the upload was cut off; nothing was stored"));
  }
  return std::nullopt;
}

// A CSV upload that names no NULL tokens reads the schema's null_tokens as missing: the dataset
// says once how its files write a missing value. An unknown dataset is BeginIngest's to report.
common::Status UseSchemaNullTokens(const DatasetServices& s, const std::string& name,
                                   const QueryParams& query, storage::IngestOptions* options) {
  if (query.Has("null")) return common::Status::Ok();
  auto info = s.datasets->Describe(name);
  if (!info.ok()) return common::Status::Ok();
  options->csv.null_tokens = info->schema.null_tokens;
  return storage::ValidateCsvFormat(options->csv);
}

Result<HttpReply> Upload(const DatasetServices& s, const ApiRequest& r) {
  std::string name = r.capture(1);
  auto format = FormatOf(r.http);
  if (!format.ok()) {
    return ErrorReply(r.ctx, 415, "unsupported_media_type", format.status().message());
  }
  bool csv = *format == storage::InputFormat::kCsv;
  ASSIGN_OR_RETURN(storage::IngestOptions options, IngestOptionsOf(r.http.query, csv));
  if (csv) RETURN_IF_ERROR(UseSchemaNullTokens(s, name, r.http.query, &options));
  ASSIGN_OR_RETURN(auto session, s.datasets->BeginIngest(name, *format, options));
  common::Status feed_error;
  bool whole = r.http.body_reader->ReadAll([&](std::string_view piece) {
    feed_error = session->Feed(piece);
    return feed_error.ok();
  });
  if (auto refusal = UploadRefusal(r, feed_error, whole)) return *refusal;
  ASSIGN_OR_RETURN(storage::IngestReport report, session->Finish());
  json out = ReportToJson(name, options.mode, report);
  s.audit
      ->Record(r.ctx.trace_id, {.actor = r.caller.name,
                                .operation = "dataset.ingest",
                                .decision = report.committed ? "applied" : "refused",
                                .detail = std::string("mode=") + ModeName(options.mode) +
                                          " rows_read=" + std::to_string(report.rows_read) +
                                          " rows_inserted=" + std::to_string(report.rows_inserted) +
                                          " rows_replaced=" + std::to_string(report.rows_replaced) +
                                          " rows_rejected=" + std::to_string(report.rows_rejected),
                                .dataset = name})
      .IgnoreError();
  return JsonReply(out.dump(), report.committed ? 200 : 422);
}

common::Result<std::vector<std::string>> KeysOf(const json& body) {
  if (!body.contains("keys") || !body["keys"].is_array()) {
    return common::InvalidArgument("the body needs \"keys\": an array of record keys");
  }
  if (body["keys"].size() > kMaxEraseKeys) {
    return common::InvalidArgument("at most " + std::to_string(kMaxEraseKeys) +
                                   " keys per request");
  }
  std::vector<std::string> keys;
  for (const auto& k : body["keys"]) {
    if (!k.is_string()) return common::InvalidArgument("each key must be a string");
    keys.push_back(k.get<std::string>());
  }
  return keys;
}

Result<HttpReply> Erase(const DatasetServices& s, const ApiRequest& r) {
  ASSIGN_OR_RETURN(std::vector<std::string> keys, KeysOf(r.body));
  std::string name = r.capture(1);
  ASSIGN_OR_RETURN(storage::EraseReport report, s.datasets->Erase(name, keys));
  s.audit
      ->Record(r.ctx.trace_id, {.actor = r.caller.name,
                                .operation = "dataset.erase",
                                .decision = "applied",
                                .detail = "requested=" + std::to_string(report.requested) +
                                          " erased=" + std::to_string(report.erased),
                                .dataset = name})
      .IgnoreError();
  return JsonReply(json{{"dataset", name},
                        {"requested", report.requested},
                        {"erased", report.erased},
                        {"not_found", report.not_found},
                        {"generation", report.generation}}
                       .dump());
}

Result<HttpReply> Drop(const DatasetServices& s, const ApiRequest& r) {
  std::string name = r.capture(1);
  RETURN_IF_ERROR(s.datasets->Drop(name));
  s.audit
      ->Record(r.ctx.trace_id, {.actor = r.caller.name,
                                .operation = "dataset.drop",
                                .decision = "applied",
                                .dataset = name})
      .IgnoreError();
  return HttpReply{.status = 204};
}

Result<HttpReply> List(const DatasetServices& s, const ApiRequest& r) {
  bool counts = RoleAllows(r.caller.role, Role::kAdmin);
  json out = json::array();
  for (const auto& info : s.datasets->List()) out.push_back(DatasetToJson(info, counts));
  return JsonReply(json{{"datasets", out}}.dump());
}

Result<HttpReply> Describe(const DatasetServices& s, const ApiRequest& r) {
  ASSIGN_OR_RETURN(storage::DatasetInfo info, s.datasets->Describe(r.capture(1)));
  return JsonReply(DatasetToJson(info, RoleAllows(r.caller.role, Role::kAdmin)).dump());
}

}  // namespace

void RegisterDatasetRoutes(const DatasetServices& s, Endpoints& api) {
  constexpr const char* kOne = R"(/v1/datasets/([a-z0-9._-]+))";
  api.Add("GET", "/v1/datasets", Role::kAnalyst, BodyUse::kNone,
          [s](const ApiRequest& r) { return List(s, r); });
  api.Add("POST", "/v1/datasets", Role::kAdmin, BodyUse::kJson,
          [s](const ApiRequest& r) { return Create(s, r); });
  api.Add("GET", kOne, Role::kAnalyst, BodyUse::kNone,
          [s](const ApiRequest& r) { return Describe(s, r); });
  api.Add("DELETE", kOne, Role::kAdmin, BodyUse::kNone,
          [s](const ApiRequest& r) { return Drop(s, r); });
  api.Add("POST", R"(/v1/datasets/([a-z0-9._-]+)/records)", Role::kAdmin, BodyUse::kStreamed,
          [s](const ApiRequest& r) { return Upload(s, r); });
  api.Add("POST", R"(/v1/datasets/([a-z0-9._-]+)/erase)", Role::kAdmin, BodyUse::kJson,
          [s](const ApiRequest& r) { return Erase(s, r); });
}

}  // namespace verbind::node
