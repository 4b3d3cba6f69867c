#include "testing/benefit_records.h"

#include <cstdint>

#include "common/dates.h"
#include "common/strings.h"
#include "testing/dataset_fixture.h"

namespace verbind::testing {

const char* const kBenefitsSchema = R"(
key = "person_id"
[[fields]]
name = "person_id"
type = "identifier"
[[fields]]
name = "birth_year"
type = "integer"
[[fields]]
name = "region"
type = "categorical"
[[fields]]
name = "benefit_type"
type = "categorical"
categories = ["aow", "ww", "wia", "bijstand", "wajong", "zw"]
[[fields]]
name = "monthly_amount"
type = "decimal"
scale = 2
[[fields]]
name = "start_date"
type = "date"
[[fields]]
name = "wmo"
type = "boolean"
[[fields]]
name = "extreme"
type = "integer"
)";

config::Schema BenefitsSchema() { return ParseFixtureSchema(kBenefitsSchema); }

const std::vector<std::string>& Regions() {
  static const std::vector<std::string> r = {"utrecht",   "amsterdam", "rotterdam", "den-haag",
                                             "groningen", "zwolle",    "breda",     "tilburg",
                                             "arnhem",    "leiden",    "delft",     "maastricht"};
  return r;
}

TextRecord RandomRecord(std::mt19937_64& rng, const std::string& key) {
  auto pick = [&](uint64_t n) { return rng() % n; };
  auto null = [&] { return pick(20) == 0; };
  static const char* kTypes[] = {"aow", "ww", "wia", "bijstand", "wajong", "zw"};
  TextRecord r(8);
  r[0] = key;
  r[1] = null() ? "" : std::to_string(1920 + static_cast<int>(pick(90)));
  r[2] = null() ? "" : Regions()[pick(Regions().size())];
  r[3] = null() ? "" : kTypes[pick(6)];
  r[4] = null() ? "" : config::FormatDecimal(static_cast<int64_t>(pick(600000)) - 50000, 2);
  r[5] = null() ? "" : common::FormatIsoDate(7000 + static_cast<int32_t>(pick(12000)));
  static const char* kBools[] = {"true", "false", "1", "0", "yes", "No"};
  r[6] = null() ? "" : kBools[pick(6)];
  switch (pick(10)) {
    case 0:
      r[7] = std::to_string(INT64_MAX - static_cast<int64_t>(pick(3)));
      break;
    case 1:
      r[7] = std::to_string(INT64_MIN + static_cast<int64_t>(pick(3)));
      break;
    case 2:
      r[7] = "";
      break;
    default:
      r[7] = std::to_string(static_cast<int64_t>(pick(2000001)) - 1000000);
  }
  return r;
}

std::string CsvQuote(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) {
    return s;
  }
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') {
      out += '"';
    }
    out += c;
  }
  return out + "\"";
}

std::string ToCsv(const config::Schema& schema, const std::vector<TextRecord>& rows) {
  std::string out;
  for (size_t i = 0; i < schema.fields.size(); ++i) {
    out += (i ? "," : "") + schema.fields[i].name;
  }
  out += "\r\n";
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) {
      out += (i ? "," : "") + CsvQuote(r[i]);
    }
    out += "\n";
  }
  return out;
}

std::string ToJsonLines(const config::Schema& schema, const std::vector<TextRecord>& rows) {
  std::string out;
  for (const auto& r : rows) {
    out += "{";
    bool first = true;
    for (size_t i = 0; i < r.size(); ++i) {
      if (r[i].empty()) {
        continue;  // absent member = NULL
      }
      auto t = schema.fields[i].type;
      bool bare = t == config::FieldType::kInteger || t == config::FieldType::kDecimal;
      out += (first ? "" : ",") + common::JsonQuote(schema.fields[i].name) + ":" +
             (bare ? r[i] : common::JsonQuote(r[i]));
      first = false;
    }
    out += "}\n";
  }
  return out;
}

}  // namespace verbind::testing
