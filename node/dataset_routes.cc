// /v1/datasets: create, list, describe and drop datasets, streamed record uploads (CSV or JSON
// lines) and erase by record key. Request and response bodies: docs/datasets.md.
#include <nlohmann/json.hpp>

#include <regex>

#include "common/clock.h"
#include "common/encoding.h"
#include "common/files.h"
#include "common/strings.h"
#include "node/node_keys.h"
#include "node/http_server.h"
#include "node/route_util.h"
#include "node/routes.h"
#include "storage/dataset_store.h"

namespace verbind::node {

using nlohmann::json;

namespace {

constexpr size_t kMaxEraseKeys = 100000;
constexpr const char* kRecordsPath = R"(/v1/datasets/([a-z0-9._-]+)/records)";

std::string Time(int64_t ms) { return ms ? common::FormatRfc3339(ms) : ""; }

json ReportToJson(std::string_view dataset, const storage::IngestReport& r,
                  size_t max_errors) {
  json errors = json::array();
  for (const auto& e : r.errors) {
    errors.push_back({{"source", e.source}, {"line", e.line}, {"column", e.column},
                      {"reason", e.reason}});
  }
  return {{"dataset", dataset},
          {"committed", r.committed},
          {"rows_read", r.rows_read},
          {"rows_stored", r.rows_stored},
          {"rows_replaced", r.rows_replaced},
          {"rows_rejected", r.rows_rejected},
          {"generation", r.generation},
          {"errors", errors},
          {"errors_truncated", r.errors.size() >= max_errors}};
}

// The string value of a query parameter, or `fallback`.
std::string Param(const httplib::Request& req, const char* name, const std::string& fallback) {
  return req.has_param(name) ? req.get_param_value(name) : fallback;
}

common::Result<storage::InputFormat> FormatOf(const httplib::Request& req) {
  std::string type = common::ToLower(req.get_header_value("Content-Type"));
  type = type.substr(0, type.find(';'));
  type = std::string(common::Trim(type));
  if (type == "text/csv") return storage::InputFormat::kCsv;
  if (type == "application/x-ndjson") return storage::InputFormat::kJsonLines;
  return common::FailedPrecondition("send Content-Type: text/csv or application/x-ndjson");
}

common::Result<storage::IngestOptions> IngestOptionsOf(const httplib::Request& req) {
  storage::IngestOptions o;
  std::string on_error = Param(req, "on_error", "refuse");
  if (on_error == "skip") {
    o.on_error = storage::OnError::kSkipRow;
  } else if (on_error != "refuse") {
    return common::InvalidArgument("on_error must be refuse or skip");
  }
  o.source_name = Param(req, "source", "request");
  if (o.source_name.empty() || o.source_name.size() > 256 ||
      !common::IsValidUtf8(o.source_name)) {
    return common::InvalidArgument("source must be 1-256 bytes of UTF-8");
  }
  return o;
}

common::Result<config::Schema> SchemaOf(const json& body) {
  bool toml = body.contains("schema"), as_json = body.contains("schema_json");
  if (toml == as_json) {
    return common::InvalidArgument("send the schema as \"schema\" (TOML text) or "
                                   "\"schema_json\" (an object), not both");
  }
  if (toml) {
    if (!body["schema"].is_string()) return common::InvalidArgument("schema must be TOML text");
    return config::ParseSchemaToml(body["schema"].get<std::string>(), "schema");
  }
  return config::SchemaFromJson(body["schema_json"].dump());
}

void Create(NodeServices& s, const httplib::Request& req, httplib::Response& res) {
  auto who = Authorize(s, req, res, Role::kAdmin);
  if (!who) return;
  auto body = JsonBody(req, res);
  if (!body) return;
  if (!body->contains("name") || !(*body)["name"].is_string()) {
    WriteError(res, common::InvalidArgument("the body needs \"name\": the dataset name"));
    return;
  }
  std::string name = (*body)["name"];
  auto schema = SchemaOf(*body);
  if (!Check(res, schema.status())) return;
  if (!Check(res, s.datasets->Create(name, *schema))) return;
  s.AuditLocal(who->name, "dataset.create", "applied", config::SchemaToJson(*schema), "", name)
      .IgnoreError();
  auto info = s.datasets->Describe(name);
  if (Check(res, info.status())) WriteJson(res, DatasetToJson(*info, true).dump(), 201);
}

// Feeds the streamed body to the session. False when the upload did not arrive whole.
bool ReadUpload(const httplib::ContentReader& reader, storage::IngestSession& session,
                common::Status* feed_error) {
  return reader([&](const char* data, size_t n) {
    *feed_error = session.Feed(std::string_view(data, n));
    return feed_error->ok();
  });
}

void Upload(NodeServices& s, const httplib::Request& req, httplib::Response& res,
            const httplib::ContentReader& reader) {
  auto who = Authorize(s, req, res, Role::kAdmin);
  if (!who) return;
  std::string name = req.matches[1];
  auto format = FormatOf(req);
  if (!format.ok()) {
    WriteError(res, 415, "unsupported_media_type", format.status().message());
    return;
  }
  auto options = IngestOptionsOf(req);
  if (!Check(res, options.status())) return;
  auto session = s.datasets->BeginIngest(name, *format, *options);
  if (!Check(res, session.status())) return;
  common::Status feed_error;
  bool whole = ReadUpload(reader, **session, &feed_error);
  if (CurrentRequest().body_limit_exceeded) {
    WriteError(res, 413, "too_large",
               "the upload is larger than limits.max_ingest_bytes; nothing was stored");
    return;
  }
  if (!feed_error.ok()) {
    bool big = feed_error.code() == common::StatusCode::kResourceExhausted;
    if (big) WriteError(res, 413, "too_large", feed_error.message());
    if (!big) WriteError(res, feed_error);
    return;
  }
  if (!whole) {
    WriteError(res, common::InvalidArgument("the upload was cut off; nothing was stored"));
    return;
  }
  auto report = (*session)->Finish();
  if (!Check(res, report.status())) return;
  json out = ReportToJson(name, *report, options->max_errors_reported);
  s.AuditLocal(who->name, "dataset.ingest", report->committed ? "applied" : "refused",
               "rows_read=" + std::to_string(report->rows_read) +
                   " rows_stored=" + std::to_string(report->rows_stored) +
                   " rows_replaced=" + std::to_string(report->rows_replaced) +
                   " rows_rejected=" + std::to_string(report->rows_rejected),
               "", name)
      .IgnoreError();
  WriteJson(res, out.dump(), report->committed ? 200 : 422);
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

void Erase(NodeServices& s, const httplib::Request& req, httplib::Response& res) {
  auto who = Authorize(s, req, res, Role::kAdmin);
  if (!who) return;
  auto body = JsonBody(req, res);
  if (!body) return;
  auto keys = KeysOf(*body);
  if (!Check(res, keys.status())) return;
  std::string name = req.matches[1];
  auto report = s.datasets->Erase(name, *keys);
  if (!Check(res, report.status())) return;
  s.AuditLocal(who->name, "dataset.erase", "applied",
               "requested=" + std::to_string(report->requested) +
                   " erased=" + std::to_string(report->erased),
               "", name)
      .IgnoreError();
  WriteJson(res, json{{"dataset", name},
                      {"requested", report->requested},
                      {"erased", report->erased},
                      {"not_found", report->not_found},
                      {"generation", report->generation}}
                     .dump());
}

void Drop(NodeServices& s, const httplib::Request& req, httplib::Response& res) {
  auto who = Authorize(s, req, res, Role::kAdmin);
  if (!who) return;
  std::string name = req.matches[1];
  if (!Check(res, s.datasets->Drop(name))) return;
  s.AuditLocal(who->name, "dataset.drop", "applied", "", "", name).IgnoreError();
  res.status = 204;
}

}  // namespace

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
              {"schema", schema}};
  if (counts) {
    out["rows"] = info.rows;
    out["erased"] = info.erased;
    out["bytes_on_disk"] = info.bytes_on_disk;
  }
  return out;
}

common::Status OpenDatasetStore(NodeServices& s, const config::NodeConfig& config) {
  std::string key;
  if (config.encrypt_at_rest) {
    if (!common::PathExists(config.data_key_path)) {
      crypto::SecretBytes fresh(32);
      s.rng->Fill(fresh.mutable_span());
      auto written = WriteKeyFile(config.data_key_path, fresh.span());
      if (!written.ok()) return written.WithContext(config.Where("keys.data_key"));
    }
    auto read = ReadKeyFile(config.data_key_path, 32);
    if (!read.ok()) return read.status().WithContext(config.Where("keys.data_key"));
    key.assign(common::AsChars(read->span()));
  }
  storage::DatasetStoreOptions options;
  options.data_key = key;
  options.cache_bytes = static_cast<size_t>(config.cache_mb) << 20;
  auto store = storage::DatasetStore::Open(s.db.get(), options, s.clock);
  std::fill(key.begin(), key.end(), '\0');
  std::fill(options.data_key.begin(), options.data_key.end(), '\0');
  if (!store.ok()) return store.status().WithContext("datasets");
  s.datasets = std::move(store).value();
  return common::Status::Ok();
}

bool IsRecordUpload(const HttpHead& head) {
  if (head.method != "POST") return false;
  static const std::regex kPath(kRecordsPath);
  std::string path = head.target.substr(0, head.target.find('?'));
  return std::regex_match(path, kPath);
}

void RegisterDatasetRoutes(NodeServices& s, httplib::Server& api) {
  // Analysts see schemas, not how many records a dataset holds: an exact count is the answer to
  // `count(*)` without protection (docs/privacy.md).
  api.Get("/v1/datasets", [&s](const httplib::Request& req, httplib::Response& res) {
    auto who = Authorize(s, req, res, Role::kAnalyst);
    if (!who) return;
    bool counts = RoleAllows(who->role, Role::kAdmin);
    json out = json::array();
    for (const auto& info : s.datasets->List()) out.push_back(DatasetToJson(info, counts));
    WriteJson(res, json{{"datasets", out}}.dump());
  });
  api.Post("/v1/datasets",
           [&s](const httplib::Request& req, httplib::Response& res) { Create(s, req, res); });
  api.Get(R"(/v1/datasets/([a-z0-9._-]+))", [&s](const httplib::Request& req,
                                                   httplib::Response& res) {
    auto who = Authorize(s, req, res, Role::kAnalyst);
    if (!who) return;
    auto info = s.datasets->Describe(req.matches[1].str());
    if (Check(res, info.status())) {
      WriteJson(res, DatasetToJson(*info, RoleAllows(who->role, Role::kAdmin)).dump());
    }
  });
  api.Delete(R"(/v1/datasets/([a-z0-9._-]+))",
             [&s](const httplib::Request& req, httplib::Response& res) { Drop(s, req, res); });
  api.Post(kRecordsPath, [&s](const httplib::Request& req, httplib::Response& res,
                              const httplib::ContentReader& reader) {
    Upload(s, req, res, reader);
  });
  api.Post(R"(/v1/datasets/([a-z0-9._-]+)/erase)",
           [&s](const httplib::Request& req, httplib::Response& res) { Erase(s, req, res); });
}

}  // namespace verbind::node
