#include "federation/disclosure.h"

#include <string>

#include "federation/disclosure_internal.h"

namespace verbind::federation {

using common::Result;
using common::Status;
using disclosure_internal::Hidden;
using disclosure_internal::Mark;
using disclosure_internal::Work;
using nlohmann::json;

namespace {

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    out += (out.empty() ? "" : ", ") + n;
  }
  return out;
}

// Marks what arrives suppressed (by a node, or an earlier run) as inherited.
Work InitialMarks(const PartialTable& t, const DisclosureRules& rules,
                  const DisclosureOptions& options) {
  Work w;
  w.table = &t;
  w.rules = rules;
  w.options = options;
  w.evaluate_dominance =
      options.stage == DisclosureStage::kAnswering && !options.noisy && rules.dominance_n > 0;
  const size_t n_items = t.items.size();
  w.cell.assign(t.cells.size(), Mark::kShown);
  w.cell_reason.assign(t.cells.size(), "");
  w.value.assign(t.cells.size(), std::vector<Mark>(n_items, Mark::kShown));
  w.value_reason.assign(t.cells.size(), std::vector<std::string>(n_items));
  w.sketch_shift.assign(n_items, -1);
  for (size_t c = 0; c < t.cells.size(); ++c) {
    const PartialCell& cell = t.cells[c];
    if (cell.suppressed) {
      w.cell[c] = Mark::kInherited;
      w.cell_reason[c] = cell.reason;
      continue;
    }
    if (!cell.withheld_by.empty() && cell.rows == 0) {
      w.cell[c] = Mark::kInherited;
      w.cell_reason[c] = "withheld by " + Join(cell.withheld_by);
      continue;
    }
    for (size_t i = 0; i < n_items; ++i) {
      if (t.items[i].kind == "group") {
        continue;
      }
      const PartialValue* v = i < cell.values.size() ? &cell.values[i] : nullptr;
      if (v != nullptr && !v->suppressed.empty()) {
        w.value[c][i] = Mark::kInherited;
        w.value_reason[c][i] = v->suppressed;
      } else if (v == nullptr || !v->state) {
        w.value[c][i] = Mark::kInherited;
        w.value_reason[c][i] =
            cell.withheld_by.empty() ? "not available" : "withheld by " + Join(cell.withheld_by);
      }
    }
  }
  return w;
}

void PrimaryCells(const PartialTable& t, Work& w) {
  for (size_t c = 0; c < t.cells.size(); ++c) {
    if (!Hidden(w.cell[c]) && t.cells[c].rows < w.rules.min_cell_size) {
      w.cell[c] = Mark::kPrimary;
      w.cell_reason[c] = "fewer than " + std::to_string(w.rules.min_cell_size) + " records";
    }
  }
}

Status PrimaryValues(const PartialTable& t, Work& w) {
  for (size_t c = 0; c < t.cells.size(); ++c) {
    for (size_t i = 0; i < t.items.size(); ++i) {
      const storage::AggregateState* state = disclosure_internal::StateOf(t, c, i);
      if (!disclosure_internal::JudgedByValue(t.items[i]) || w.ValueHidden(c, i) ||
          state == nullptr) {
        continue;
      }
      ASSIGN_OR_RETURN(std::string reason,
                       disclosure_internal::ValueRuleReason(w, i, *state, t.cells[c].rows));
      if (!reason.empty()) {
        w.value[c][i] = Mark::kPrimary;
        w.dominance += reason.rfind("dominance rule", 0) == 0 ? 1 : 0;
        w.value_reason[c][i] = std::move(reason);
      }
    }
  }
  return Status::Ok();
}

void CountMark(Mark m, int64_t* primary, int64_t* secondary, int64_t* inherited) {
  if (m == Mark::kPrimary) {
    ++*primary;
  } else if (m == Mark::kSecondary) {
    ++*secondary;
  } else if (m == Mark::kInherited) {
    ++*inherited;
  }
}

// Writes the decisions into the table and counts them.
DisclosureReport Finish(PartialTable& t, const Work& w) {
  DisclosureReport r;
  r.values_dominance = w.dominance;
  r.sketches_coarsened = w.sketches_coarsened;
  r.determined_by_totals = w.determined_by_totals;
  r.recomputation_check_skipped = w.audit_skipped;
  for (size_t c = 0; c < t.cells.size(); ++c) {
    PartialCell& cell = t.cells[c];
    if (Hidden(w.cell[c])) {
      CountMark(w.cell[c], &r.cells_primary, &r.cells_secondary, &r.cells_inherited);
      cell.suppressed = true;
      cell.reason = w.cell_reason[c];
      cell.rows = 0;
      cell.values.clear();
      continue;
    }
    r.cells_incomplete += cell.withheld_by.empty() ? 0 : 1;
    cell.values.resize(t.items.size());
    for (size_t i = 0; i < t.items.size(); ++i) {
      if (Hidden(w.value[c][i])) {
        CountMark(w.value[c][i], &r.values_primary, &r.values_secondary, &r.values_inherited);
        cell.values[i].state.reset();
        cell.values[i].suppressed = w.value_reason[c][i];
      }
    }
  }
  return r;
}

json ReportJson(const DisclosureRules& rules, const DisclosureOptions& options,
                const DisclosureReport& r, bool dominance_evaluated) {
  json dominance = nullptr;
  if (rules.dominance_n > 0) {
    dominance = {
        {"n", rules.dominance_n}, {"k", rules.dominance_k}, {"evaluated", dominance_evaluated}};
  }
  return {{"min_cell_size", rules.min_cell_size},
          {"dominance", dominance},
          {"min_max_released", rules.release_min_max},
          {"missing_values_category", rules.missing_values_are_a_category},
          {"stage", options.stage == DisclosureStage::kAnswering ? "node" : "combined"},
          {"noisy", options.noisy},
          {"suppressed_primary", r.cells_primary},
          {"suppressed_secondary", r.cells_secondary},
          {"suppressed_inherited", r.cells_inherited},
          {"incomplete_cells", r.cells_incomplete},
          {"values_suppressed_primary", r.values_primary},
          {"values_suppressed_secondary", r.values_secondary},
          {"values_suppressed_inherited", r.values_inherited},
          {"values_suppressed_dominance", r.values_dominance},
          {"sketches_coarsened", r.sketches_coarsened},
          {"recomputation_check", r.recomputation_check_skipped ? "skipped" : "done"},
          {"determined_by_released_totals", r.determined_by_totals}};
}

}  // namespace

Status ValidateDisclosureRules(const DisclosureRules& r) {
  if (r.min_cell_size < 1 || r.min_cell_size > 1000) {
    return common::InvalidArgument("min_cell_size must be 1..1000");
  }
  if (r.dominance_n < 0 || r.dominance_n > 100) {
    return common::InvalidArgument("dominance n must be 0..100 (0: no dominance rule)");
  }
  if (r.dominance_n > 0 && (r.dominance_k < 1 || r.dominance_k > 100)) {
    return common::InvalidArgument("dominance k must be a percentage 1..100");
  }
  if (r.sketch_max_doublings < 0 || r.sketch_max_doublings > 62) {
    return common::InvalidArgument("sketch_max_doublings must be 0..62");
  }
  return Status::Ok();
}

int TopContributionsToTrack(const DisclosureRules& rules) {
  return rules.dominance_n > 0 ? rules.dominance_n : 0;
}

Result<DisclosureReport> ApplyDisclosureControl(PartialTable& table, const DisclosureRules& rules,
                                                const DisclosureOptions& options) {
  RETURN_IF_ERROR(ValidateDisclosureRules(rules));
  // Work on a copy so that a failure leaves the table as it was.
  PartialTable out = table;
  Work w = InitialMarks(out, rules, options);
  PrimaryCells(out, w);
  for (size_t i = 0; i < out.items.size(); ++i) {
    if (out.items[i].kind == "sketch") {
      disclosure_internal::ProtectSketches(out, i, w);
    }
  }
  RETURN_IF_ERROR(PrimaryValues(out, w));
  RETURN_IF_ERROR(disclosure_internal::SuppressComplements(out, w));
  DisclosureReport report = Finish(out, w);
  json j = ReportJson(rules, options, report, w.evaluate_dominance);
  if (!out.disclosure.is_object()) {
    out.disclosure = json::object();
  }
  out.disclosure.update(j);
  table = std::move(out);
  return report;
}

}  // namespace verbind::federation
