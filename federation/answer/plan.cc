#include "federation/answer/plan.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "common/dates.h"
#include "common/strings.h"
#include "federation/like_pattern.h"
#include "federation/sql.h"

namespace verbind::federation {

using common::Result;
using common::Status;
using config::FieldType;
using nlohmann::json;

namespace {

constexpr char kDocs[] = " (docs/privacy.md)";

Status Refuse(const std::string& why) { return common::PermissionDenied(why + kDocs); }

ItemField FieldOf(const BoundField& f) {
  return ItemField{f.name, std::string(config::FieldTypeName(f.type)), f.scale};
}

// The declared [min, max] of a field (booleans: [0, 1]); nullopt without both bounds.
std::optional<std::pair<int64_t, int64_t>> BoundsOf(const config::Field& f) {
  if (f.type == FieldType::kBoolean) return std::make_pair(int64_t{0}, int64_t{1});
  if (!f.min || !f.max) return std::nullopt;
  return std::make_pair(*f.min, *f.max);
}

Uint128 Magnitude(int64_t v) {
  return v < 0 ? Uint128(0) - static_cast<Uint128>(static_cast<__int128>(v))
               : static_cast<Uint128>(v);
}

// Largest distance of a bound from the centre: max(max - c, c - min), at least 1.
Uint128 HalfWidth(const ItemDescriptor& item) {
  __int128 c = Center(item);
  __int128 a = static_cast<__int128>(item.bounds->second) - c;
  __int128 b = c - item.bounds->first;
  __int128 h = std::max({a, b, __int128{1}});
  return static_cast<Uint128>(h);
}

// The days [lo, hi] that the WHERE clause allows for the date field `field`, from comparisons
// of it with dates joined by AND at the top: the query's text only, never the data.
struct DayRange {
  std::optional<int64_t> lo;
  std::optional<int64_t> hi;
  void AtLeast(int64_t v) { lo = lo ? std::max(*lo, v) : v; }
  void AtMost(int64_t v) { hi = hi ? std::min(*hi, v) : v; }
};

void NarrowByWhere(const Filter& f, const std::string& field, DayRange* r) {
  if (f.op == FilterOp::kAnd) {
    for (const Filter& a : f.args) NarrowByWhere(a, field, r);
    return;
  }
  if (f.field != field || IsLogical(f.op) || f.values.empty() || !f.field2.empty()) return;
  std::vector<int64_t> days;
  for (const Literal& v : f.values) {
    int32_t d = 0;
    if (v.kind != Literal::Kind::kDate || !common::ParseIsoDate(v.text, &d)) return;
    days.push_back(d);
  }
  switch (f.op) {
    case FilterOp::kEq: r->AtLeast(days[0]); r->AtMost(days[0]); break;
    case FilterOp::kLt: r->AtMost(days[0] - 1); break;
    case FilterOp::kLe: r->AtMost(days[0]); break;
    case FilterOp::kGt: r->AtLeast(days[0] + 1); break;
    case FilterOp::kGe: r->AtLeast(days[0]); break;
    case FilterOp::kBetween:
      if (days.size() == 2) {
        r->AtLeast(days[0]);
        r->AtMost(days[1]);
      }
      break;
    case FilterOp::kIn:
      r->AtLeast(*std::min_element(days.begin(), days.end()));
      r->AtMost(*std::max_element(days.begin(), days.end()));
      break;
    default: break;
  }
}

// The declared labels of categorical field `f` that the WHERE clause allows, from `=`, `!=`,
// IN, NOT IN, LIKE, ILIKE and their NOT forms testing the field, joined by AND at the top (the query's text only, never the data); nullopt
// when it does not restrict them. Labels match as binding matches them (any case).
std::optional<std::set<std::string>> LabelsByWhere(const Filter& where, const config::Field& f) {
  std::optional<std::set<std::string>> out;
  std::function<void(const Filter&)> visit = [&](const Filter& n) {
    if (n.op == FilterOp::kAnd) {
      for (const Filter& a : n.args) visit(a);
      return;
    }
    const FilterOp op = n.op;
    const bool like = op == FilterOp::kLike || op == FilterOp::kILike ||
                      op == FilterOp::kNotLike || op == FilterOp::kNotILike;
    // !=, NOT IN and NOT LIKE keep the labels they do not name (and never a NULL).
    const bool negated = op == FilterOp::kNe || op == FilterOp::kNotIn ||
                         op == FilterOp::kNotLike || op == FilterOp::kNotILike;
    if (n.field != f.name || !n.field2.empty() ||
        (op != FilterOp::kEq && op != FilterOp::kIn && !like && !negated)) {
      return;
    }
    std::set<std::string> named;
    for (const Literal& v : n.values) {
      if (like) {  // the declared labels the pattern matches
        const bool fold = op == FilterOp::kILike || op == FilterOp::kNotILike;
        for (const std::string& c : f.categories) {
          if (LikeMatches(v.text, c, fold)) named.insert(c);
        }
        continue;
      }
      if (v.kind == Literal::Kind::kNull || v.kind == Literal::Kind::kBoolean) continue;
      std::string label = v.kind == Literal::Kind::kInteger ? std::to_string(v.integer) : v.text;
      for (const std::string& c : f.categories) {
        if (common::ToLower(c) == common::ToLower(label)) named.insert(c);
      }
    }
    std::set<std::string> allowed;
    for (const std::string& c : f.categories) {
      if (named.count(c) != static_cast<size_t>(negated ? 0 : 1)) continue;
      allowed.insert(c);
    }
    if (out) {
      std::set<std::string> both;
      for (const std::string& c : allowed) {
        if (out->count(c)) both.insert(c);
      }
      allowed = std::move(both);
    }
    out = std::move(allowed);
  };
  visit(where);
  return out;
}

class Planner {
 public:
  Planner(const Query& query, const PlanContext& ctx, AnswerPlan& plan)
      : query_(query), ctx_(ctx), plan_(plan) {}

  Status Columns() {
    for (const auto& g : plan_.bound.group_by) {
      ItemDescriptor d;
      d.name = g.name;
      d.function = kKindGroup;
      d.kind = kKindGroup;
      d.fields = {FieldOf(g)};
      d.fields[0].name = ctx_.schema->fields[g.index].name;  // the field a period or CASE reads
      plan_.items.push_back(std::move(d));
      plan_.item_statistics.emplace_back();
    }
    for (const auto& c : plan_.bound.columns) RETURN_IF_ERROR(Column(c));
    return Status::Ok();
  }

  Status Domains() {
    if (plan_.protection == Protection::kRaw) {
      for (const auto& g : plan_.bound.group_by) {
        auto d = DomainOf(g);
        if (d.ok()) plan_.domains.push_back(std::move(d).value());
      }
      plan_.public_keys = plan_.domains.size() == plan_.bound.group_by.size() &&
                          plan_.KeyCount() <= ctx_.max_groups;
      if (!plan_.public_keys) plan_.domains.clear();
      return Status::Ok();
    }
    for (const auto& g : plan_.bound.group_by) {
      ASSIGN_OR_RETURN(KeyDomain d, DomainOf(g));
      plan_.domains.push_back(std::move(d));
    }
    int64_t cells = plan_.KeyCount();
    int64_t limit = std::min<int64_t>(ctx_.policy ? ctx_.policy->max_cells : ctx_.max_groups,
                                      ctx_.max_groups);
    if (cells > limit) {
      return Refuse("the answer would have " + std::to_string(cells) +
                    " cells (every combination of the group-by fields' public values), more "
                    "than the " + std::to_string(limit) + " allowed" +
                    (ctx_.policy ? " by policy " + ctx_.policy->id : ""));
    }
    return Status::Ok();
  }

  Status Statistics() {
    if (plan_.protection != Protection::kDifferentialPrivacy) return Status::Ok();
    plan_.epsilon_micro = ctx_.policy ? ctx_.policy->epsilon_per_query_micro
                                      : config::kDefaultEpsilonPerQueryMicro;
    Uint128 shares = plan_.statistics.size();
    for (auto& s : plan_.statistics) {
      if (s.sensitivity >= kMaxSamplerOperand / (shares * 1'000'000)) {
        return Refuse("the bounds of " + s.id + " are too wide for noise under differential "
                      "privacy; declare narrower min and max");
      }
      s.scale = LaplaceScaleFor(s.sensitivity, static_cast<int64_t>(shares), plan_.epsilon_micro);
    }
    return Status::Ok();
  }

 private:
  bool Dp() const { return plan_.protection == Protection::kDifferentialPrivacy; }

  // The index of the statistic `id`, added on first use.
  size_t Stat(const std::string& id, Uint128 sensitivity, size_t length = 1) {
    auto it = index_.find(id);
    if (it != index_.end()) return it->second;
    plan_.statistics.push_back(NoisyStatistic{id, sensitivity, {}, length});
    index_[id] = plan_.statistics.size() - 1;
    return plan_.statistics.size() - 1;
  }

  Status Column(const BoundColumn& c) {
    ItemDescriptor d;
    d.name = c.name;
    d.function = std::string(AggFuncName(c.func));
    for (const auto& f : c.fields) d.fields.push_back(FieldOf(f));
    d.kind = KindOfFunction(d.function, d.fields.size());
    std::vector<size_t> stats;
    const std::string field = c.fields.empty() ? "" : c.fields[0].name;
    const config::Field* schema_field =
        c.fields.empty() ? nullptr : &ctx_.schema->fields[c.fields[0].index];
    if (d.kind == kKindMinMax && plan_.protection != Protection::kRaw) {
      return Refuse(d.name + ": min and max are single records' values and are never released; "
                    "quantile(" + field + ", 0.01) or a histogram on the field's grid gives a "
                    "protected range");
    }
    if (d.kind == kKindCoMoments && Dp()) {
      return Refuse(d.name + ": correlation and regression are not available under differential "
                    "privacy; they need a dataset marked non-personal by its administrator");
    }
    if (d.kind == kKindCount) stats = {Stat("rows", 1)};
    if (d.kind == kKindNonNull) stats = {Stat("nonnull(" + field + ")", 1)};
    if (d.kind == kKindSum || d.kind == kKindMean || d.kind == kKindVariance) {
      RETURN_IF_ERROR(Moments(d, *schema_field, &stats));
    }
    if (d.kind == kKindHistogram) RETURN_IF_ERROR(Histogram(c, d, *schema_field, &stats));
    if (d.kind == kKindQuantile) RETURN_IF_ERROR(Quantile(c, d, *schema_field, &stats));
    plan_.items.push_back(std::move(d));
    plan_.item_statistics.push_back(Dp() ? std::move(stats) : std::vector<size_t>{});
    return Status::Ok();
  }

  Status Moments(ItemDescriptor& d, const config::Field& f, std::vector<size_t>* stats) {
    auto bounds = BoundsOf(f);
    if (Dp() && !bounds) {
      return Refuse(d.name + ": " + f.name + " needs min and max in the schema: they bound what "
                    "one record can add, which sets the noise");
    }
    d.bounds = bounds;
    if (d.kind == kKindSum) {
      if (Dp()) {
        Uint128 m = std::max({Magnitude(bounds->first), Magnitude(bounds->second), Uint128(1)});
        *stats = {Stat("sum(" + f.name + ")", m)};
      }
      return Status::Ok();
    }
    if (!Dp()) return Status::Ok();
    Uint128 h = HalfWidth(d);
    *stats = {Stat("nonnull(" + f.name + ")", 1), Stat("csum(" + f.name + ")", h)};
    if (d.kind == kKindVariance) {
      if (h >= (Uint128(1) << 36)) {
        return Refuse(d.name + ": the bounds of " + f.name + " are too wide for a variance "
                      "under differential privacy; declare narrower min and max");
      }
      stats->push_back(Stat("csumsq(" + f.name + ")", h * h));
    }
    return Status::Ok();
  }

  Status NeedGrid(const ItemDescriptor& d, const config::Field& f) const {
    if (GridBins(f) > 0) return Status::Ok();
    return Refuse(d.name + ": " + f.name + " has no grid; declare min, max and grid for it in "
                  "the schema (histograms and quantiles are released on the field's public grid)");
  }

  Status Histogram(const BoundColumn& c, ItemDescriptor& d, const config::Field& f,
                   std::vector<size_t>* stats) {
    const storage::AggregateSpec& spec = plan_.bound.scan.aggregates[c.aggregate];
    d.lo = spec.lo;
    d.hi = spec.hi;
    d.bins = spec.bins;
    if (plan_.protection != Protection::kRaw) {
      RETURN_IF_ERROR(NeedGrid(d, f));
      __int128 span = static_cast<__int128>(spec.hi) - spec.lo;
      __int128 from_min = static_cast<__int128>(spec.lo) - *f.min;
      bool aligned = span % spec.bins == 0 && (span / spec.bins) % *f.grid == 0 &&
                     from_min % *f.grid == 0;
      if (!aligned) {
        return Refuse(d.name + ": the bins must lie on the grid of " + f.name + " (edges at " +
                      std::to_string(*f.min) + " + k * " + std::to_string(*f.grid) +
                      " in storage units; each bin a whole number of grid steps)");
      }
    }
    if (Dp()) {
      std::string id = "histogram(" + f.name + "," + std::to_string(d.lo) + "," +
                       std::to_string(d.hi) + "," + std::to_string(d.bins) + ")";
      *stats = {Stat(id, 1, static_cast<size_t>(d.bins) + 3)};
    }
    return Status::Ok();
  }

  Status Quantile(const BoundColumn& c, ItemDescriptor& d, const config::Field& f,
                  std::vector<size_t>* stats) {
    RETURN_IF_ERROR(NeedGrid(d, f));
    d.q = c.q;
    d.lo = *f.min;
    d.bins = static_cast<int>(GridBins(f));
    d.hi = static_cast<int64_t>(static_cast<__int128>(*f.min) + __int128{d.bins} * *f.grid);
    storage::AggregateSpec& spec = plan_.bound.scan.aggregates[c.aggregate];
    spec.kind = storage::AggregateSpec::Kind::kHistogram;
    spec.lo = d.lo;
    spec.hi = d.hi;
    spec.bins = d.bins;
    if (Dp()) *stats = {Stat("grid(" + f.name + ")", 1, static_cast<size_t>(d.bins))};
    return Status::Ok();
  }

  // A calendar part's values: every period between the date field's declared min and max (its
  // public period grid), narrowed by the WHERE clause's bounds on the field, or the part's
  // whole cycle (months 1 to 12, ...).
  Result<KeyDomain> PartDomainOf(const BoundField& g, const config::Field& f) const {
    DayRange range;
    if (f.min) range.AtLeast(*f.min);
    if (f.max) range.AtMost(*f.max);
    if (query_.where) NarrowByWhere(*query_.where, f.name, &range);
    const bool needs_grid = g.part == common::DatePart::kYear || common::IsTruncation(g.part);
    if (needs_grid && (!range.lo || !range.hi)) {
      return Refuse("GROUP BY " + SqlFieldExpr(g.name) + " needs the period grid of " + f.name +
                    ": declare its min and max in the schema, or bound it in WHERE (" + f.name +
                    " BETWEEN DATE '2024-01-01' AND DATE '2025-12-31'); every period between "
                    "is then listed whatever its count");
    }
    KeyDomain d;
    const int64_t first = range.lo.value_or(0), last = range.hi.value_or(0);
    // Days are the finest period: more of them than cells allowed is refused before listing.
    if (g.part == common::DatePart::kTruncDay && last - first >= ctx_.max_groups) {
      return Refuse("the answer would have " + std::to_string(last - first + 1) + " days of " +
                    f.name + ", more than the " + std::to_string(ctx_.max_groups) +
                    " cells allowed; group by a longer period");
    }
    for (int64_t v : common::DatePartValues(g.part, first, last)) {
      if (common::IsTruncation(g.part)) {
        d.values.emplace_back(common::FormatIsoDate(static_cast<int32_t>(v)));
      } else {
        d.values.emplace_back(v);
      }
    }
    if (f.nullable) d.values.emplace_back(nullptr);
    std::sort(d.values.begin(), d.values.end());
    return d;
  }

  Result<KeyDomain> DomainOf(const BoundField& g) const {
    const config::Field& f = ctx_.schema->fields[g.index];
    if (g.part != common::DatePart::kNone) return PartDomainOf(g, f);
    if (!g.band_labels.empty()) {  // a CASE: its labels, from the query
      KeyDomain d;
      for (const std::string& label : g.band_labels) d.values.emplace_back(label);
      if (g.else_null) d.values.emplace_back(nullptr);
      std::sort(d.values.begin(), d.values.end());
      return d;
    }
    KeyDomain d;
    if (f.type == FieldType::kCategorical && !f.categories.empty()) {
      // GROUP BY scheme ... WHERE scheme IN ('WMO', 'WW') lists those two only.
      auto only = query_.where ? LabelsByWhere(*query_.where, f) : std::nullopt;
      for (const auto& c : f.categories) {
        if (!only || only->count(c)) d.values.emplace_back(c);
      }
      if (only) {
        std::sort(d.values.begin(), d.values.end());
        return d;  // NULL never equals a label
      }
    } else if (f.type == FieldType::kBoolean) {
      d.values = {false, true};
    } else if (f.type == FieldType::kInteger && f.min && f.max &&
               static_cast<__int128>(*f.max) - *f.min < ctx_.max_groups) {
      for (int64_t v = *f.min; v <= *f.max; ++v) d.values.emplace_back(v);
    } else {
      return Refuse("GROUP BY " + f.name + " needs a public set of values: list its categories "
                    "(categorical) or declare min and max (integer) in the schema; every value "
                    "is then listed whatever its count");
    }
    if (f.nullable) d.values.emplace_back(nullptr);
    std::sort(d.values.begin(), d.values.end());
    return d;
  }

  const Query& query_;
  const PlanContext& ctx_;
  AnswerPlan& plan_;
  std::map<std::string, size_t> index_;
};

}  // namespace

std::string_view ProtectionName(Protection p) {
  switch (p) {
    case Protection::kDifferentialPrivacy: return "differential_privacy";
    case Protection::kThreshold: return "threshold";
    case Protection::kRaw: return "raw";
  }
  return "";
}

int64_t AnswerPlan::KeyCount() const {
  int64_t n = 1;
  for (const auto& d : domains) {
    n = n > INT64_MAX / std::max<int64_t>(1, static_cast<int64_t>(d.values.size()))
            ? INT64_MAX
            : n * static_cast<int64_t>(d.values.size());
  }
  return n;
}

std::string AnswerPlan::NoiseParameters() const {
  std::string out = "epsilon_micro=" + std::to_string(epsilon_micro);
  for (const auto& s : statistics) {
    out += ";" + s.id + ":" + storage::Int128ToString(static_cast<Int128>(s.sensitivity)) + ":" +
           storage::Int128ToString(static_cast<Int128>(s.scale.t)) + "/" +
           storage::Int128ToString(static_cast<Int128>(s.scale.s));
  }
  for (const auto& item : items) {
    if (item.bounds) {
      // By field, not by column name: an alias must not change the noise.
      std::string fields;
      for (const auto& f : item.fields) fields += (fields.empty() ? "" : ",") + f.name;
      out += ";bounds(" + fields + ")=" + std::to_string(item.bounds->first) + "," +
             std::to_string(item.bounds->second);
    }
  }
  return out;
}

Result<AnswerPlan> PlanAnswer(const Query& query, const PlanContext& ctx) {
  if (!ctx.schema) return common::Internal("planning needs the schema");
  if (ctx.protection != Protection::kRaw && !ctx.policy) {
    return common::Internal("a protected answer needs its policy");
  }
  AnswerPlan plan;
  plan.protection = ctx.protection;
  ASSIGN_OR_RETURN(plan.bound, BindQuery(query, *ctx.schema, ctx.codes, ctx.labels));
  if (ctx.protection == Protection::kThreshold) plan.min_cell_size = ctx.policy->min_cell_size;
  Planner planner(query, ctx, plan);
  RETURN_IF_ERROR(planner.Columns());
  RETURN_IF_ERROR(planner.Domains());
  RETURN_IF_ERROR(planner.Statistics());
  return plan;
}

}  // namespace verbind::federation
