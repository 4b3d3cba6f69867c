#include "storage/internal/dataset_state.h"

#include <nlohmann/json.hpp>

namespace verbind::storage {

using common::Result;
using common::Status;
using nlohmann::json;

void Dictionary::Add(std::string label) {
  codes.emplace(label, static_cast<int64_t>(labels.size()));
  labels.push_back(std::move(label));
}

bool DatasetState::IsDeleted(uint64_t row) const {
  const ChunkInfo& c = chunks[row / kChunkRows];
  return c.deletions && TestBit(*c.deletions, static_cast<uint32_t>(row % kChunkRows));
}

std::string MetaKey(std::string_view name) { return std::string(kMetaPrefix) + std::string(name); }

std::string DictionaryPrefix(uint32_t id) {
  std::string k = "c/";
  AppendU32(&k, id);
  return k;
}

std::string DictionaryKey(uint32_t id, uint32_t field) {
  std::string k = DictionaryPrefix(id);
  AppendU32(&k, field);
  return k;
}

std::string DatasetChunkPrefix(uint32_t id) {
  std::string k;
  AppendU32(&k, id);
  return k;
}

std::string ChunkKey(uint32_t id, ChunkKind kind, uint32_t column, uint32_t chunk) {
  std::string k;
  k.reserve(13);
  AppendU32(&k, id);
  k.push_back(static_cast<char>(kind));
  AppendU32(&k, column);
  AppendU32(&k, chunk);
  return k;
}

std::string EncodeMeta(const DatasetState& s) {
  json values = json::array(), deletions = json::array();
  for (const auto& c : s.chunks) {
    values.push_back(c.value_generation);
    deletions.push_back(c.deletion_generation);
  }
  json j = {{"format", 1},
            {"id", s.id},
            {"encrypted", s.encrypted},
            {"schema", json::parse(config::SchemaToJson(*s.schema))},
            {"rows_total", s.rows_total},
            {"live", s.live},
            {"counter", s.counter},
            {"created_at_ms", s.created_at_ms},
            {"updated_at_ms", s.updated_at_ms},
            {"value_generations", values},
            {"deletion_generations", deletions}};
  if (s.definition) {
    j["definition"] = {{"publisher", s.definition->publisher},
                       {"name", s.definition->name},
                       {"version", s.definition->version},
                       {"hash", s.definition->hash}};
  }
  return j.dump();
}

namespace {

Status Bad(std::string_view name, const std::string& what) {
  return common::DataLoss("dataset " + std::string(name) + ": metadata record is corrupt: " +
                          what);
}

}  // namespace

Status DecodeMeta(std::string_view name, std::string_view text, DatasetState* s) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || j.value("format", 0) != 1) return Bad(name, "not a format 1 record");
  try {
    auto schema = config::SchemaFromJson(j.at("schema").dump());
    if (!schema.ok()) return Bad(name, schema.status().message());
    s->name = std::string(name);
    s->schema = std::make_shared<const config::Schema>(std::move(schema).value());
    s->id = j.at("id").get<uint32_t>();
    s->encrypted = j.at("encrypted").get<bool>();
    s->rows_total = j.at("rows_total").get<uint64_t>();
    s->live = j.at("live").get<int64_t>();
    s->counter = j.at("counter").get<uint64_t>();
    s->created_at_ms = j.at("created_at_ms").get<int64_t>();
    s->updated_at_ms = j.at("updated_at_ms").get<int64_t>();
    if (j.contains("definition")) {
      const json& d = j.at("definition");
      s->definition = config::DefinitionRef{d.at("publisher").get<std::string>(),
                                            d.at("name").get<std::string>(),
                                            d.at("version").get<int64_t>(),
                                            d.at("hash").get<std::string>()};
    }
    const json& values = j.at("value_generations");
    const json& deletions = j.at("deletion_generations");
    size_t chunks = (s->rows_total + kChunkRows - 1) / kChunkRows;
    if (values.size() != chunks || deletions.size() != chunks) {
      return Bad(name, "chunk list does not match the row count");
    }
    s->chunks.resize(chunks);
    for (size_t c = 0; c < chunks; ++c) {
      s->chunks[c].rows = static_cast<uint32_t>(
          std::min<uint64_t>(kChunkRows, s->rows_total - c * kChunkRows));
      s->chunks[c].value_generation = values[c].get<uint64_t>();
      s->chunks[c].deletion_generation = deletions[c].get<uint64_t>();
    }
  } catch (const json::exception& e) {
    return Bad(name, e.what());
  }
  if (s->live < 0 || static_cast<uint64_t>(s->live) > s->rows_total) {
    return Bad(name, "live row count out of range");
  }
  return Status::Ok();
}

std::string EncodeDictionary(const Dictionary& d) { return json(d.labels).dump(); }

Result<std::shared_ptr<const Dictionary>> DecodeDictionary(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return common::DataLoss("dictionary record is corrupt");
  auto d = std::make_shared<Dictionary>();
  for (const auto& label : j) {
    if (!label.is_string()) return common::DataLoss("dictionary record is corrupt");
    d->Add(label.get<std::string>());
  }
  if (d->codes.size() != d->labels.size()) return common::DataLoss("dictionary has duplicates");
  return std::shared_ptr<const Dictionary>(std::move(d));
}

}  // namespace verbind::storage
