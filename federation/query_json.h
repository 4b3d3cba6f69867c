// The JSON form of a Query: how a query travels inside signed query envelopes and over the
// local API. Parsing is strict, because the text comes from the network: unknown keys, wrong
// types, duplicate keys and anything over the limits in federation/query.h are refused with
// the path of the offending value ("select[2].field: expected a string"). QueryToJson emits
// the canonical form (fixed key order, no spaces), and
// QueryToJson(*ParseQueryJson(QueryToJson(q))) == QueryToJson(q). Format: docs/query.md.
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"
#include "federation/query.h"

namespace verbind::federation {

// Parses and validates (FindQueryIssue) a query from JSON text of at most kMaxQueryTextBytes.
// Never aborts on any input.
common::Result<Query> ParseQueryJson(std::string_view text);

// The same for a value already parsed by the caller (for a query embedded in a larger
// document). Duplicate keys cannot be detected here: the caller's parser has merged them, so
// callers reading untrusted text should parse the embedded query with ParseQueryJson or refuse
// duplicates themselves.
common::Result<Query> QueryFromJsonValue(const nlohmann::json& value);

// The canonical JSON text of a valid query.
std::string QueryToJson(const Query& query);
// The canonical JSON value (keys in canonical order).
nlohmann::ordered_json QueryToJsonValue(const Query& query);

}  // namespace verbind::federation
