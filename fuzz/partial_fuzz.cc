// Fuzz target: partial results as the requesting (coordinator) node reads them from peers: the
// partial payload (federation::DecodePartial) and its result table (DecodePartialTable), or the
// input as a result table directly; then the exact combination of decoded tables
// (MergePartialTables). Invariants: a decoded table encodes to JSON that decodes to the same
// JSON again; merging a table into an empty accumulator twice keeps one cell per key; a table
// whose items differ from the accumulator's is refused, never merged.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/check.h"
#include "federation/messages.h"
#include "federation/partial.h"
#include "fuzz/fuzz_util.h"

namespace {

using nlohmann::json;
using verbind::federation::PartialTable;

// A fixed table with one group item and a count, as another node would answer.
const PartialTable& ReferenceTable() {
  static const PartialTable table = [] {
    json j = json::parse(R"json({"items":[
        {"name":"region","function":"group","kind":"group","fields":[]},
        {"name":"count(*)","function":"count","kind":"count","fields":[]}],
      "cells":[{"key":["north"],"values":[null,{"count":12}]}],
      "protection":{"method":"differential_privacy"}})json");
    auto t = verbind::federation::DecodePartialTable(j);
    CHECK(t.ok());
    return *t;
  }();
  return table;
}

std::optional<PartialTable> DecodeInput(std::string_view text) {
  namespace f = verbind::federation;
  auto partial = f::DecodePartial(text);
  if (partial.ok()) {
    auto table = f::DecodePartialTable(partial->result);
    return table.ok() ? std::optional<PartialTable>(std::move(*table)) : std::nullopt;
  }
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return std::nullopt;
  }
  auto table = f::DecodePartialTable(j);
  return table.ok() ? std::optional<PartialTable>(std::move(*table)) : std::nullopt;
}

void CheckMerges(const PartialTable& table) {
  namespace f = verbind::federation;
  PartialTable acc;
  acc.items = table.items;
  CHECK(f::MergePartialTables(acc, table, "node-a").ok());
  CHECK(acc.cells.size() == table.cells.size());
  // The same answer from a second node: values add cell by cell (or are refused when a sum
  // would overflow, never crash).
  if (f::MergePartialTables(acc, table, "node-b").ok()) {
    CHECK(acc.cells.size() == table.cells.size());
  }
  f::EncodePartialTable(acc).dump();
  PartialTable other;
  other.items = ReferenceTable().items;
  auto mixed = f::MergePartialTables(other, table, "node-c");
  CHECK(mixed.ok() == (table.items == ReferenceTable().items));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace f = verbind::federation;
  std::optional<PartialTable> table = DecodeInput(verbind::fuzz::AsText(data, size));
  if (!table) {
    return 0;
  }
  json encoded = f::EncodePartialTable(*table);
  auto again = f::DecodePartialTable(encoded);
  CHECK(again.ok());
  CHECK(f::EncodePartialTable(*again) == encoded);
  CheckMerges(*table);
  return 0;
}
