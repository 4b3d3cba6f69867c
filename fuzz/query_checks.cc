#include "fuzz/query_checks.h"

#include <string_view>

#include "common/check.h"
#include "federation/query_json.h"
#include "federation/sql.h"

namespace verbind::fuzz {

using federation::ParseQueryJson;
using federation::ParseSql;
using federation::Query;
using federation::QueryToJson;
using federation::QueryToSql;
using federation::SqlError;

namespace {

// The invariants every parsed query keeps.
void CheckRoundTrips(const Query& query) {
  auto from_sql = ParseSql(QueryToSql(query));
  CHECK(from_sql.ok());
  CHECK(*from_sql == query);
  std::string json = QueryToJson(query);
  auto from_json = ParseQueryJson(json);
  CHECK(from_json.ok());
  CHECK(*from_json == query);
  CHECK(QueryToJson(*from_json) == json);
}

std::string_view AsText(const uint8_t* data, size_t size) {
  return size == 0 ? std::string_view()
                   : std::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace

int FuzzParseSql(const uint8_t* data, size_t size) {
  SqlError error;
  auto query = ParseSql(AsText(data, size), &error);
  if (query.ok()) {
    CheckRoundTrips(*query);
  } else {
    CHECK(!error.message.empty());
  }
  // The analysts' SQL (derived columns, HAVING, ORDER BY, LIMIT): what it asks of peers is a
  // valid query like any other.
  SqlError analyst_error;
  auto analyst = federation::ParseAnalystSql(AsText(data, size), &analyst_error);
  if (analyst.ok()) {
    CheckRoundTrips(analyst->query);
  } else {
    CHECK(!analyst_error.message.empty());
  }
  return 0;
}

int FuzzParseQueryJson(const uint8_t* data, size_t size) {
  auto query = ParseQueryJson(AsText(data, size));
  if (query.ok()) {
    CheckRoundTrips(*query);
  }
  return 0;
}

}  // namespace verbind::fuzz
