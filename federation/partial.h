// PartialTable: what one node releases for a query, cell by cell, and what the requester
// combines; and its JSON form, the "result" object of a partial payload (docs/protocol.md,
// section 5). A node releases only the statistics each select item needs, already protected
// (noisy under differential privacy, or withheld under a threshold), never a raw state: a
// count, a sum, (n, centred sum) for a mean, (n, centred sum, centred sum of squares) for a
// variance, bin counts for histograms and quantiles. Released values add up exactly across
// nodes. The requester decodes every node's table strictly (untrusted input) and merges
// cells with equal keys. Values and pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/status.h"
#include "storage/aggregates.h"

namespace verbind::federation {

using storage::Int128;

// A field as a partial result describes it (storage units depend on type and scale).
struct ItemField {
  std::string name;
  std::string type;  // "integer", "decimal", "date", "boolean", "categorical"
  int scale = 0;
  bool operator==(const ItemField&) const = default;
};

// Item kinds: what a node releases for a select item.
inline constexpr const char* kKindGroup = "group";          // a group-by column (no value)
inline constexpr const char* kKindCount = "count";          // count(*)
inline constexpr const char* kKindNonNull = "nonnull";      // count(field)
inline constexpr const char* kKindSum = "sum";              // sum(field)
inline constexpr const char* kKindMean = "mean";            // avg(field)
inline constexpr const char* kKindVariance = "variance";    // var, stddev
inline constexpr const char* kKindHistogram = "histogram";  // histogram(field, lo, hi, bins)
inline constexpr const char* kKindQuantile = "quantile";    // quantile, median: grid counts
inline constexpr const char* kKindCoMoments = "comoments";  // corr, regression (no DP)
inline constexpr const char* kKindMinMax = "minmax";        // min, max (owner's raw answers only)

// One select item of the query, as the partial's "items" entry.
struct ItemDescriptor {
  std::string name;      // column name, e.g. "avg(monthly_amount)" or the group field
  std::string function;  // "group" for a group-by column, else the aggregate function name
  std::string kind;      // one of the kinds above
  std::vector<ItemField> fields;
  double q = 0;  // quantile: the rank fraction asked
  // histogram and quantile: `bins` equal bins over [lo, hi) in storage units.
  int64_t lo = 0;
  int64_t hi = 0;
  int bins = 0;
  // sum, mean and variance: the field's declared [min, max] when it has them. Mean and
  // variance sums are centred on Center(bounds) (absent: centre 0); finished values are kept
  // within what values inside the bounds allow (a sum of values >= 0 is never negative).
  std::optional<std::pair<int64_t, int64_t>> bounds;
  bool operator==(const ItemDescriptor&) const = default;
};

// floor((min + max) / 2): the centre of mean and variance sums.
int64_t Center(const ItemDescriptor& item);

// Released values by kind. Counts and sums may be negative: noise is added to them and they
// are finished (clamped) only after every node's values are combined.
struct CountValue {  // count, nonnull
  int64_t count = 0;
};
struct SumValue {  // sum
  Int128 sum = 0;
};
struct MeanValue {  // mean: n and the sum of (x - centre)
  int64_t n = 0;
  Int128 sum = 0;
};
struct VarianceValue {  // variance: n, the sum of (x - centre) and of (x - centre)^2
  int64_t n = 0;
  Int128 sum = 0;
  Int128 sumsq = 0;
};
struct HistogramValue {  // histogram: bins, tails and nulls; quantile: bins only
  std::vector<int64_t> bins;
  int64_t below = 0;
  int64_t above = 0;
  int64_t nulls = 0;
};
struct MinMaxValue {  // minmax (raw only)
  int64_t n = 0;
  int64_t min = 0;
  int64_t max = 0;
};
using ReleasedValue = std::variant<CountValue, SumValue, MeanValue, VarianceValue,
                                   HistogramValue, storage::CoMomentState, MinMaxValue>;

struct PartialValue {
  std::optional<ReleasedValue> value;  // nullopt for group items and withheld values
  bool withheld = false;               // below a threshold (datasets marked non-personal)
};

struct PartialCell {
  std::vector<nlohmann::json> key;   // group-by values: string, integer, boolean or null
  std::vector<PartialValue> values;  // one per item
};

struct PartialTable {
  std::vector<ItemDescriptor> items;
  std::vector<PartialCell> cells;       // ordered by key
  nlohmann::json protection = nullptr;  // how the values were protected (docs/privacy.md)

  // The number of group-by columns (items of kind "group").
  size_t GroupItemCount() const;
};

// The item kind for an aggregate function with `fields` fields; empty when unknown.
std::string KindOfFunction(std::string_view function, size_t fields);

nlohmann::json EncodePartialTable(const PartialTable& table);
// Strict: item kinds and value shapes must agree, numbers must be in range, keys must have one
// value per group item, at most `max_cells` cells. InvalidArgument with a path.
common::Result<PartialTable> DecodePartialTable(const nlohmann::json& result,
                                                size_t max_cells = 100000);

// Adds `other` (one node's table for the query) into `into`, an accumulator that starts with
// the items and no cells: values of cells with equal keys add up; a value any node withheld
// is withheld in the combination. InvalidArgument when the items differ (types, scales,
// bounds or grids disagree between nodes) or a sum would overflow.
common::Status MergePartialTables(PartialTable& into, const PartialTable& other,
                                  const std::string& other_name);

// JSON of one released value and back, given the item it belongs to.
nlohmann::json EncodeValue(const ReleasedValue& value);
common::Result<ReleasedValue> DecodeValue(const nlohmann::json& j, const ItemDescriptor& item);

}  // namespace verbind::federation
