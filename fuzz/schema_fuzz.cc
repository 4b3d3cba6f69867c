// Fuzz target: dataset schema files, in TOML (config::ParseSchemaToml, what administrators
// upload) and in JSON (SchemaFromJson, how schemas travel over the API). Invariants: a schema
// that parses is valid, and renders to TOML and to JSON that parse back to the same schema.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/check.h"
#include "config/schema.h"
#include "fuzz/fuzz_util.h"

namespace {

void CheckRoundTrips(const verbind::config::Schema& schema) {
  namespace c = verbind::config;
  CHECK(c::ValidateSchema(schema).ok());
  std::string json = c::SchemaToJson(schema);
  auto from_json = c::SchemaFromJson(json);
  CHECK(from_json.ok());
  CHECK(c::SchemaToJson(*from_json) == json);
  auto from_toml = c::ParseSchemaToml(c::RenderSchemaToml(schema), "rendered.toml");
  CHECK(from_toml.ok());
  CHECK(c::SchemaToJson(*from_toml) == json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace c = verbind::config;
  std::string_view text = verbind::fuzz::AsText(data, size);
  auto toml = c::ParseSchemaToml(text, "schema.toml");
  if (toml.ok()) {
    CheckRoundTrips(*toml);
  } else {
    CHECK(!toml.status().message().empty());
  }
  auto json = c::SchemaFromJson(text);
  if (json.ok()) {
    CheckRoundTrips(*json);
  }
  return 0;
}
