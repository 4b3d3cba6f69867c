// Secondary (complementary) suppression (federation/disclosure_internal.h). A marginal group
// is a set of cells whose total another answer can release (the table without some group-by
// columns). When a group whose total is released holds a suppressed member, its suppressed
// members together must number at least two and must pass the primary rules as one cell,
// else its smallest shown members are suppressed as well, until no group changes. Then the
// recomputation check (disclosure_audit.cc) looks for a suppressed member that the released
// totals and the shown cells still determine, and hides a neighbour of it, until none is left.

#include <algorithm>
#include <map>

#include "federation/disclosure_internal.h"

namespace verbind::federation::disclosure_internal {

using common::Result;
using common::Status;
using storage::AggregateState;

namespace {

const char kCellComplement[] =
    "secondary suppression: protects another suppressed cell of this row or column";
const char kValueComplement[] =
    "secondary suppression: protects another suppressed value of this row or column";

bool MadeHereMark(Mark m) { return m == Mark::kPrimary || m == Mark::kSecondary; }

class CellLayer final : public Layer {
 public:
  CellLayer(const PartialTable& t, Work& w) : t_(t), w_(w) {}
  bool Hidden(size_t c) const override { return disclosure_internal::Hidden(w_.cell[c]); }
  bool MadeHere(size_t c) const override { return MadeHereMark(w_.cell[c]); }
  bool Hideable(size_t c) const override { return !Hidden(c); }
  int64_t Size(size_t c) const override { return t_.cells[c].rows; }
  Result<bool> TogetherSafe(const std::vector<size_t>& cells) const override {
    int64_t rows = 0;
    for (size_t c : cells) {
      rows += t_.cells[c].rows;
    }
    return rows >= w_.rules.min_cell_size;
  }
  void Hide(size_t c) override {
    w_.cell[c] = Mark::kSecondary;
    w_.cell_reason[c] = kCellComplement;
  }

 private:
  const PartialTable& t_;
  Work& w_;
};

class ValueLayer final : public Layer {
 public:
  ValueLayer(const PartialTable& t, Work& w, size_t item) : t_(t), w_(w), i_(item) {}
  bool Hidden(size_t c) const override { return w_.ValueHidden(c, i_); }
  bool MadeHere(size_t c) const override {
    return MadeHereMark(w_.cell[c]) || MadeHereMark(w_.value[c][i_]);
  }
  bool Hideable(size_t c) const override { return !Hidden(c) && StateOf(t_, c, i_) != nullptr; }
  int64_t Size(size_t c) const override {
    const AggregateState* s = StateOf(t_, c, i_);
    return s ? ValueCount(*s) : 0;
  }
  Result<bool> TogetherSafe(const std::vector<size_t>& cells) const override {
    std::optional<AggregateState> merged;
    int64_t rows = 0;
    for (size_t c : cells) {
      rows += t_.cells[c].rows;
      const AggregateState* s = StateOf(t_, c, i_);
      if (s != nullptr && !merged) {
        merged = *s;
      } else if (s != nullptr) {
        RETURN_IF_ERROR(storage::Merge(*merged, *s));
      }
    }
    if (!merged) {
      return rows >= w_.rules.min_cell_size;
    }
    ASSIGN_OR_RETURN(std::string reason, ValueRuleReason(w_, i_, *merged, rows));
    return reason.empty();
  }
  void Hide(size_t c) override {
    w_.value[c][i_] = Mark::kSecondary;
    w_.value_reason[c][i_] = kValueComplement;
  }

 private:
  const PartialTable& t_;
  Work& w_;
  size_t i_;
};

// The hideable cells among `cells`: those not pinned (alone in a released group, so their
// value is released anyway) first, each part smallest first (then in table order).
std::vector<size_t> Candidates(const Layer& layer, const std::vector<bool>& pinned,
                               const std::vector<size_t>& cells) {
  std::vector<size_t> out;
  for (size_t c : cells) {
    if (layer.Hideable(c)) {
      out.push_back(c);
    }
  }
  std::stable_sort(out.begin(), out.end(), [&](size_t a, size_t b) {
    if (pinned[a] != pinned[b]) {
      return !pinned[a];
    }
    return layer.Size(a) < layer.Size(b);
  });
  return out;
}

// Completes one group; true when it hid something.
Result<bool> CompleteGroup(Layer& layer, const std::vector<bool>& pinned,
                           const std::vector<size_t>& group) {
  std::vector<size_t> hidden;
  bool made_here = false;
  for (size_t c : group) {
    if (layer.Hidden(c)) {
      hidden.push_back(c);
      made_here = made_here || layer.MadeHere(c);
    }
  }
  if (!made_here) {
    return false;
  }
  bool changed = false;
  std::vector<size_t> candidates = Candidates(layer, pinned, group);
  for (size_t next = 0;; ++next) {
    bool safe = false;
    if (hidden.size() >= 2) {
      ASSIGN_OR_RETURN(safe, layer.TogetherSafe(hidden));
    }
    if (safe || next == candidates.size()) {
      return changed;
    }
    layer.Hide(candidates[next]);
    hidden.push_back(candidates[next]);
    changed = true;
  }
}

// Hides one shown, unpinned cell of a released group that holds a suppressed member,
// preferring groups of `exposed`: only such a cell adds a free unknown to an equation that
// has unknowns. False when there is none.
bool HideNear(Layer& layer, const Marginals& m, const std::vector<bool>& released,
              const std::vector<bool>& pinned, size_t exposed) {
  std::vector<size_t> near, frontier;
  for (size_t g : m.groups_of[exposed]) {
    if (released[g]) {
      near.insert(near.end(), m.groups[g].begin(), m.groups[g].end());
    }
  }
  for (size_t g = 0; g < m.groups.size(); ++g) {
    const auto& group = m.groups[g];
    if (released[g] &&
        std::any_of(group.begin(), group.end(), [&](size_t c) { return layer.Hidden(c); })) {
      frontier.insert(frontier.end(), group.begin(), group.end());
    }
  }
  for (const auto* cells : {&near, &frontier}) {
    for (size_t c : Candidates(layer, pinned, *cells)) {
      if (!pinned[c]) {
        layer.Hide(c);
        return true;
      }
    }
  }
  return false;
}

// For each item of `table`, its index in the marginal table keeping the group-by columns
// `kept` (group columns not kept are dropped); items.size() for a dropped one.
std::vector<size_t> MarginalItemIndexes(const PartialTable& table, uint32_t kept) {
  std::vector<size_t> at(table.items.size(), table.items.size());
  size_t next = 0, dim = 0;
  for (size_t i = 0; i < table.items.size(); ++i) {
    if (table.items[i].kind == "group" && !(kept & (1u << dim++))) {
      continue;
    }
    at[i] = next++;
  }
  return at;
}

// The table summed over the group-by columns not kept by groups [first, end) (one cell per
// group, states merged), as the node would compute it for the marginal query.
Result<PartialTable> MarginalTable(const PartialTable& table, const Marginals& m, size_t first,
                                   size_t end) {
  const uint32_t kept = m.kept[first];
  const std::vector<size_t> at = MarginalItemIndexes(table, kept);
  PartialTable out;
  for (size_t i = 0; i < table.items.size(); ++i) {
    if (at[i] < table.items.size()) {
      out.items.push_back(table.items[i]);
    }
  }
  for (size_t g = first; g < end; ++g) {
    PartialCell cell;
    const PartialCell& any = table.cells[m.groups[g].front()];
    for (size_t d = 0; d < any.key.size(); ++d) {
      if (kept & (1u << d)) {
        cell.key.push_back(any.key[d]);
      }
    }
    cell.values.resize(out.items.size());
    for (size_t c : m.groups[g]) {
      cell.rows += table.cells[c].rows;
      for (size_t i = 0; i < table.items.size(); ++i) {
        const AggregateState* s = StateOf(table, c, i);
        if (at[i] == table.items.size() || s == nullptr) {
          continue;
        }
        auto& target = cell.values[at[i]].state;
        if (!target) {
          target = *s;
        } else {
          RETURN_IF_ERROR(storage::Merge(*target, *s));
        }
      }
    }
    out.cells.push_back(std::move(cell));
  }
  return out;
}

}  // namespace

Marginals TableMarginals(const PartialTable& table) {
  Marginals m;
  const size_t n = table.cells.size();
  const size_t dims = table.GroupItemCount();
  m.groups_of.resize(n);
  // Every subset of the group-by columns except all of them (those are the cells themselves).
  for (uint32_t kept = 0; dims > 0 && kept + 1 < (1u << dims); ++kept) {
    std::map<nlohmann::json, std::vector<size_t>> by_key;
    for (size_t c = 0; c < n; ++c) {
      nlohmann::json key = nlohmann::json::array();
      for (size_t d = 0; d < dims && d < table.cells[c].key.size(); ++d) {
        if (kept & (1u << d)) {
          key.push_back(table.cells[c].key[d]);
        }
      }
      by_key[key].push_back(c);
    }
    for (auto& [key, cells] : by_key) {
      for (size_t c : cells) {
        m.groups_of[c].push_back(m.groups.size());
      }
      m.groups.push_back(std::move(cells));
      m.kept.push_back(kept);
    }
  }
  return m;
}

Status ReleasedTotals(const PartialTable& table, const Work& w, const Marginals& m,
                      std::vector<bool>* cells, std::vector<std::vector<bool>>* values) {
  cells->assign(m.groups.size(), false);
  values->assign(table.items.size(), std::vector<bool>(m.groups.size(), false));
  for (size_t first = 0; first < m.groups.size();) {
    // Groups of one marginal table are consecutive.
    size_t end = first;
    while (end < m.groups.size() && m.kept[end] == m.kept[first]) {
      ++end;
    }
    ASSIGN_OR_RETURN(PartialTable marginal, MarginalTable(table, m, first, end));
    ASSIGN_OR_RETURN(DisclosureReport ignored,
                     ApplyDisclosureControl(marginal, w.rules, w.options));
    (void)ignored;
    std::vector<size_t> item_at = MarginalItemIndexes(table, m.kept[first]);
    for (size_t g = first; g < end; ++g) {
      const PartialCell& cell = marginal.cells[g - first];
      (*cells)[g] = !cell.suppressed;
      for (size_t i = 0; i < table.items.size(); ++i) {
        size_t j = item_at[i];
        (*values)[i][g] = !cell.suppressed && j < cell.values.size() &&
                          cell.values[j].suppressed.empty() && cell.values[j].state.has_value();
      }
    }
    first = end;
  }
  return Status::Ok();
}

Status ProtectLayer(Layer& layer, const Marginals& m, const std::vector<bool>& released, Work& w) {
  std::vector<bool> pinned(m.groups_of.size(), false);
  for (size_t g = 0; g < m.groups.size(); ++g) {
    if (released[g] && m.groups[g].size() == 1) {
      pinned[m.groups[g][0]] = true;
    }
  }
  for (;;) {
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t g = 0; g < m.groups.size(); ++g) {
        if (!released[g]) {
          continue;  // the marginal answer withholds this total too
        }
        ASSIGN_OR_RETURN(bool hid, CompleteGroup(layer, pinned, m.groups[g]));
        changed = changed || hid;
      }
    }
    std::vector<size_t> exposed = FindRecomputable(layer, m, released, &w.audit_skipped);
    if (exposed.empty() || !HideNear(layer, m, released, pinned, exposed.front())) {
      w.determined_by_totals += static_cast<int64_t>(exposed.size());
      return Status::Ok();
    }
  }
}

Status SuppressComplements(const PartialTable& table, Work& w) {
  const Marginals m = TableMarginals(table);
  if (m.groups.empty()) {
    return Status::Ok();
  }
  std::vector<bool> released_cells;
  std::vector<std::vector<bool>> released_values;
  RETURN_IF_ERROR(ReleasedTotals(table, w, m, &released_cells, &released_values));
  CellLayer cells(table, w);
  RETURN_IF_ERROR(ProtectLayer(cells, m, released_cells, w));
  for (size_t i = 0; i < table.items.size(); ++i) {
    if (JudgedByValue(table.items[i])) {
      ValueLayer values(table, w, i);
      RETURN_IF_ERROR(ProtectLayer(values, m, released_values[i], w));
    }
  }
  return Status::Ok();
}

}  // namespace verbind::federation::disclosure_internal
