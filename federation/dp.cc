#include "federation/dp.h"

#include <algorithm>
#include <cstdint>

#include "crypto/deterministic_random.h"
#include "crypto/hash.h"
#include "federation/dp_sampler.h"

namespace verbind::federation {

using common::Result;
using common::Status;
using nlohmann::json;
using storage::Int128;

namespace {

// One noisy statistic of a cell. Items over the same statistic share its noise.
struct Statistic {
  enum class Kind { kRows, kNonNull, kSum, kHistogram };
  Kind kind = Kind::kRows;
  std::string id;  // "rows", "nonnull(f)", "sum(f)", "histogram(f,lo,hi,bins)"
  Uint128 sensitivity = 1;
  LaplaceScale scale;
};

struct Plan {
  std::vector<Statistic> stats;
  std::vector<size_t> main;   // per item: its statistic (rows for count(*), sum for moments)
  std::vector<size_t> count;  // per item: the non-null count statistic (moments)
};

const std::string& FieldOf(const ItemDescriptor& item) { return item.fields.front().name; }

size_t StatisticFor(Plan& plan, Statistic::Kind kind, std::string id, Uint128 sensitivity) {
  for (size_t s = 0; s < plan.stats.size(); ++s) {
    if (plan.stats[s].id == id) {
      return s;
    }
  }
  plan.stats.push_back({kind, std::move(id), sensitivity, {}});
  return plan.stats.size() - 1;
}

Result<Uint128> SumSensitivity(const ItemDescriptor& item, const DpSettings& settings) {
  auto it = settings.bounds.find(FieldOf(item));
  if (it == settings.bounds.end()) {
    return common::PermissionDenied(item.name +
                                    ": sum and avg under differential privacy need "
                                    "the bounds (min and max) of " +
                                    FieldOf(item));
  }
  auto magnitude = [](int64_t v) {
    return v < 0 ? Uint128(0) - Uint128(static_cast<Int128>(v)) : Uint128(v);
  };
  return std::max<Uint128>({magnitude(it->second.min), magnitude(it->second.max), 1});
}

Status Refuse(const ItemDescriptor& item, const char* what) {
  return common::PermissionDenied(item.name + ": " + what +
                                  " are not released under differential privacy");
}

// Adds the statistics of one item to the plan.
Status PlanItem(Plan& plan, const ItemDescriptor& item, const DpSettings& settings) {
  using Kind = Statistic::Kind;
  constexpr size_t none = SIZE_MAX;
  if (item.kind == "group") {
    plan.main.push_back(none);
    plan.count.push_back(none);
  } else if (item.kind == "count") {
    plan.main.push_back(StatisticFor(plan, Kind::kRows, "rows", 1));
    plan.count.push_back(none);
  } else if (item.kind == "nonnull") {
    plan.main.push_back(StatisticFor(plan, Kind::kNonNull, "nonnull(" + FieldOf(item) + ")", 1));
    plan.count.push_back(none);
  } else if (item.kind == "moments") {
    if (item.function == "var" || item.function == "stddev") {
      return Refuse(item, "variances and standard deviations");
    }
    ASSIGN_OR_RETURN(Uint128 sensitivity, SumSensitivity(item, settings));
    plan.count.push_back(StatisticFor(plan, Kind::kNonNull, "nonnull(" + FieldOf(item) + ")", 1));
    plan.main.push_back(StatisticFor(plan, Kind::kSum, "sum(" + FieldOf(item) + ")", sensitivity));
  } else if (item.kind == "histogram") {
    std::string id = "histogram(" + FieldOf(item) + "," + std::to_string(item.lo) + "," +
                     std::to_string(item.hi) + "," + std::to_string(item.bins) + ")";
    plan.main.push_back(StatisticFor(plan, Kind::kHistogram, std::move(id), 1));
    plan.count.push_back(none);
  } else if (item.kind == "minmax") {
    return Refuse(item, "minima and maxima");
  } else if (item.kind == "sketch") {
    return Refuse(item, "quantiles");
  } else {
    return Refuse(item, "correlations and regressions");
  }
  return Status::Ok();
}

Result<Plan> MakePlan(const std::vector<ItemDescriptor>& items, const DpSettings& settings) {
  if (settings.epsilon_micro < 1 || settings.epsilon_micro > kMaxQueryEpsilonMicro) {
    return common::InvalidArgument("epsilon per query must be between 0.000001 and 100");
  }
  for (const auto& [field, b] : settings.bounds) {
    if (b.min > b.max) {
      return common::InvalidArgument("bounds of " + field + ": min is above max");
    }
  }
  Plan plan;
  StatisticFor(plan, Statistic::Kind::kRows, "rows", 1);  // every cell releases its rows
  for (const auto& item : items) {
    RETURN_IF_ERROR(PlanItem(plan, item, settings));
  }
  // Sequential composition within a cell: each statistic gets epsilon / (number of them).
  for (auto& s : plan.stats) {
    s.scale = LaplaceScaleFor(s.sensitivity, static_cast<int64_t>(plan.stats.size()),
                              settings.epsilon_micro);
  }
  return plan;
}

std::string Uint128Text(Uint128 v) { return storage::Int128ToString(static_cast<Int128>(v)); }

void AppendField(std::string* out, std::string_view part) {
  storage::AppendU32(out, static_cast<uint32_t>(part.size()));
  out->append(part);
}

// The part of every seed message that does not depend on the cell (nor the secret).
std::string ContextMessage(const NoiseContext& c) {
  std::string m = "verbind dp noise v1";
  AppendField(&m, c.dataset);
  AppendField(&m, std::to_string(c.dataset_generation));
  AppendField(&m, c.requester);
  AppendField(&m, c.canonical_query);
  return m;
}

std::string StatisticText(const Statistic& s) {
  return s.id + "|" + Uint128Text(s.sensitivity) + "|" + Uint128Text(s.scale.t) + "/" +
         Uint128Text(s.scale.s);
}

// The true values of statistic `s` in cell `c` (one, or a histogram's counts).
Result<std::vector<Int128>> TrueValues(const PartialTable& t, const Plan& plan, size_t c,
                                       size_t s) {
  const PartialCell& cell = t.cells[c];
  if (plan.stats[s].kind == Statistic::Kind::kRows) {
    return std::vector<Int128>{cell.rows};
  }
  for (size_t i = 0; i < t.items.size(); ++i) {
    if (plan.main[i] != s && plan.count[i] != s) {
      continue;
    }
    const storage::AggregateState& state = *cell.values[i].state;
    if (auto* h = std::get_if<storage::HistogramState>(&state)) {
      std::vector<Int128> v(h->bins.begin(), h->bins.end());
      v.insert(v.end(), {h->below, h->above, h->nulls});
      return v;
    }
    if (auto* n = std::get_if<storage::CountState>(&state)) {
      return std::vector<Int128>{n->rows};
    }
    const auto& m = std::get<storage::SumState>(state);
    return std::vector<Int128>{plan.stats[s].kind == Statistic::Kind::kSum ? m.sum : m.n};
  }
  return common::Internal("differential privacy: a statistic without an item");
}

Status CheckTable(const PartialTable& t) {
  for (const auto& cell : t.cells) {
    if (cell.suppressed || cell.values.size() != t.items.size()) {
      return common::InvalidArgument(
          "differential privacy applies to an exact table, before "
          "disclosure control");
    }
    for (size_t i = 0; i < t.items.size(); ++i) {
      if (t.items[i].kind != "group" && !cell.values[i].state) {
        return common::InvalidArgument("differential privacy needs every value of the table");
      }
    }
  }
  return Status::Ok();
}

// The noisy values of every statistic of cell `c`.
Result<std::vector<std::vector<Int128>>> NoisyCell(const PartialTable& t, const Plan& plan,
                                                   size_t c, const NoiseContext& context,
                                                   const std::string& context_message) {
  std::vector<std::vector<Int128>> out(plan.stats.size());
  for (size_t s = 0; s < plan.stats.size(); ++s) {
    ASSIGN_OR_RETURN(out[s], TrueValues(t, plan, c, s));
    std::string message = context_message;
    AppendField(&message, json(t.cells[c].key).dump());
    AppendField(&message, StatisticText(plan.stats[s]));
    crypto::DeterministicRandom rng(crypto::DeriveSeed(context.node_secret, message));
    for (Int128& v : out[s]) {
      v += SampleDiscreteLaplace(rng, plan.stats[s].scale);
    }
  }
  return out;
}

int64_t ClampCount(Int128 v) {
  return static_cast<int64_t>(std::clamp<Int128>(v, 0, Int128{1} << 53));
}

// Writes the noisy values into one item's state.
void SetNoisyValue(storage::AggregateState& state, const std::vector<Int128>& main,
                   const std::vector<Int128>* count, const FieldBounds* bounds) {
  if (auto* n = std::get_if<storage::CountState>(&state)) {
    n->rows = ClampCount(main[0]);
  } else if (auto* h = std::get_if<storage::HistogramState>(&state)) {
    for (size_t b = 0; b < h->bins.size(); ++b) {
      h->bins[b] = ClampCount(main[b]);
    }
    h->below = ClampCount(main[h->bins.size()]);
    h->above = ClampCount(main[h->bins.size() + 1]);
    h->nulls = ClampCount(main[h->bins.size() + 2]);
  } else if (auto* m = std::get_if<storage::SumState>(&state)) {
    m->n = ClampCount((*count)[0]);
    m->sum = std::clamp<Int128>(main[0], Int128{m->n} * bounds->min, Int128{m->n} * bounds->max);
    m->mean = m->n > 0 ? static_cast<double>(m->sum) / static_cast<double>(m->n) : 0;
    m->m2 = 0;
    m->top.clear();
  }
}

json PrivacyJson(const Plan& plan, const DpSettings& settings) {
  json stats = json::array();
  for (const auto& s : plan.stats) {
    stats.push_back({{"statistic", s.id},
                     {"sensitivity", Uint128Text(s.sensitivity)},
                     {"scale", static_cast<double>(s.scale.t) / static_cast<double>(s.scale.s)},
                     {"scale_exact", Uint128Text(s.scale.t) + "/" + Uint128Text(s.scale.s)}});
  }
  return {{"mechanism", "discrete_laplace"},
          {"neighbouring", "add or remove one record"},
          {"epsilon", storage::FormatEpsilon(settings.epsilon_micro)},
          {"statistics_per_cell", plan.stats.size()},
          {"deterministic", true},
          {"statistics", stats}};
}

std::string Fingerprint(const Plan& plan, const NoiseContext& context) {
  std::string m = ContextMessage(context);
  for (const auto& s : plan.stats) {
    AppendField(&m, StatisticText(s));
  }
  return crypto::Sha256Hex(m);
}

}  // namespace

Status CheckDifferentialPrivacy(const std::vector<ItemDescriptor>& items,
                                const DpSettings& settings) {
  return MakePlan(items, settings).status();
}

Result<DpReport> ApplyDifferentialPrivacy(PartialTable& table, const DpSettings& settings,
                                          const NoiseContext& context) {
  ASSIGN_OR_RETURN(Plan plan, MakePlan(table.items, settings));
  RETURN_IF_ERROR(CheckTable(table));
  if (context.node_secret.size() < 32 || context.node_secret.size() > 64) {
    return common::InvalidArgument("the node's noise key must be 32 to 64 bytes");
  }
  const std::string context_message = ContextMessage(context);
  PartialTable out = table;
  for (size_t c = 0; c < out.cells.size(); ++c) {
    ASSIGN_OR_RETURN(auto noisy, NoisyCell(out, plan, c, context, context_message));
    PartialCell& cell = out.cells[c];
    cell.rows = ClampCount(noisy[0][0]);
    for (size_t i = 0; i < out.items.size(); ++i) {
      if (out.items[i].kind == "group") {
        continue;
      }
      auto bounds = out.items[i].kind == "moments" ? settings.bounds.find(FieldOf(out.items[i]))
                                                   : settings.bounds.end();
      SetNoisyValue(*cell.values[i].state, noisy[plan.main[i]],
                    out.items[i].kind == "moments" ? &noisy[plan.count[i]] : nullptr,
                    bounds == settings.bounds.end() ? nullptr : &bounds->second);
    }
  }
  out.rows_scanned = 0;
  out.privacy = PrivacyJson(plan, settings);
  table = std::move(out);
  DpReport report;
  report.epsilon_micro = settings.epsilon_micro;
  report.statistics_per_cell = static_cast<int>(plan.stats.size());
  report.cells = static_cast<int64_t>(table.cells.size());
  report.fingerprint = Fingerprint(plan, context);
  return report;
}

void AttachBudgetReport(PartialTable& table, const storage::BudgetReport& budget) {
  if (!table.privacy.is_object()) {
    table.privacy = json::object();
  }
  table.privacy["period"] = budget.period;
  table.privacy["spent"] = storage::FormatEpsilon(budget.spent_micro);
  table.privacy["budget"] = storage::FormatEpsilon(budget.budget_micro);
  table.privacy["remaining"] = storage::FormatEpsilon(budget.remaining_micro);
  table.privacy["charged"] = storage::FormatEpsilon(budget.charged_micro);
  table.privacy["repeat"] = budget.repeat;
}

}  // namespace verbind::federation
