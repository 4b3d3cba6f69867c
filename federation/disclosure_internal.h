// Internal to disclosure control (federation/disclosure.h): the working marks and the helpers
// shared by the primary rules (disclosure_rules.cc) and secondary suppression
// (disclosure_secondary.cc). Not for use elsewhere. Thread-compatible values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "federation/disclosure.h"
#include "federation/partial.h"

namespace verbind::federation::disclosure_internal {

// What disclosure control decided for a cell or a value.
enum class Mark : uint8_t {
  kShown,
  kInherited,  // suppressed before this run (by a node, or an earlier run)
  kPrimary,
  kSecondary,
};

inline bool Hidden(Mark m) { return m != Mark::kShown; }

// The decisions of one run over one table.
struct Work {
  const PartialTable* table = nullptr;
  DisclosureRules rules;
  DisclosureOptions options;
  bool evaluate_dominance = false;
  std::vector<Mark> cell;
  std::vector<std::string> cell_reason;
  std::vector<std::vector<Mark>> value;  // [cell][item]
  std::vector<std::vector<std::string>> value_reason;
  std::vector<int> sketch_shift;  // per item: the common bucket shift of its sketches, or -1
  int64_t dominance = 0;          // values suppressed by the dominance rule
  int64_t sketches_coarsened = 0;
  bool audit_skipped = false;        // the recomputation check was skipped on some layer
  int64_t determined_by_totals = 0;  // see ProtectLayer

  bool ValueHidden(size_t c, size_t i) const { return Hidden(cell[c]) || Hidden(value[c][i]); }
};

// The state of item `i` in cell `c`, or nullptr.
const storage::AggregateState* StateOf(const PartialTable& t, size_t c, size_t i);

// The number of records a value is based on: count for counts, n otherwise; for histograms
// the non-null values (bins and tails).
int64_t ValueCount(const storage::AggregateState& state);

// Items whose values disclosure control judges one by one: every item but group columns and
// count(*) (which equals the cell's rows and is judged with the cell).
bool JudgedByValue(const ItemDescriptor& item);

// Why a value (or the merged value of a group of cells) of item `i` may not be shown, given
// the records `rows` of the cell (or group); "" when it may. FailedPrecondition when the
// dominance rule needs contributions the state lacks.
common::Result<std::string> ValueRuleReason(const Work& w, size_t i,
                                            const storage::AggregateState& state, int64_t rows);

// Coarsens the sketches of item `i` to one bucket width at which every shown sketch holds at
// least min_cell_size values per bucket; sketches that cannot get there are marked primary.
void ProtectSketches(PartialTable& table, size_t i, Work& w);

// The groups of cells whose totals other answers to the same question can release: for
// every proper subset of the group-by columns, the cells that agree on that subset (the
// cells of one marginal cell). With one group-by column that is the whole table; with two,
// every row, every column and the whole table. None without GROUP BY.
struct Marginals {
  std::vector<std::vector<size_t>> groups;
  std::vector<uint32_t> kept;                  // per group: the group-by columns kept (bits)
  std::vector<std::vector<size_t>> groups_of;  // per cell: the groups holding it
};
Marginals TableMarginals(const PartialTable& table);

// Whether the answer to each group's marginal query (the table summed over the columns not
// kept, under the same rules, including its own secondary suppression) shows the group's
// total: `cells[g]` for its cell, `values[i][g]` for item i's value.
common::Status ReleasedTotals(const PartialTable& table, const Work& w, const Marginals& m,
                              std::vector<bool>* cells, std::vector<std::vector<bool>>* values);

// One layer of suppression decisions: the cells themselves, or the values of one item.
class Layer {
 public:
  virtual ~Layer() = default;
  virtual bool Hidden(size_t c) const = 0;
  // Suppressed by this run (inherited suppressions were protected where they were made).
  virtual bool MadeHere(size_t c) const = 0;
  // Shown, and could be suppressed as a complement.
  virtual bool Hideable(size_t c) const = 0;
  // Records behind the cell or value (complements are taken smallest first).
  virtual int64_t Size(size_t c) const = 0;
  // Whether the merged value of these cells passes the primary rules (for a group's total:
  // whether the marginal answer would release it).
  virtual common::Result<bool> TogetherSafe(const std::vector<size_t>& cells) const = 0;
  virtual void Hide(size_t c) = 0;
};

// Secondary suppression on one layer: every marginal group whose total is `released` and that
// holds a suppression made here gets at least two suppressed members that together pass the
// primary rules; then a check that no suppressed member can be solved for from the released
// totals and the shown cells (linear algebra), hiding more cells of the groups involved until
// none can. Counts in the Work: members still determined because the released totals alone
// pin them (hiding more of this table cannot help) and layers where the check was skipped.
common::Status ProtectLayer(Layer& layer, const Marginals& m, const std::vector<bool>& released,
                            Work& w);

// The suppressed members made here that the released group totals and the shown members
// determine exactly, ignoring members that are alone in a released group (their total is
// released as such). Gaussian elimination modulo a 61-bit prime over the suppressed members.
// Returns nothing and sets *skipped above kMaxAuditUnknowns suppressed members.
inline constexpr size_t kMaxAuditUnknowns = 1000;
std::vector<size_t> FindRecomputable(const Layer& layer, const Marginals& m,
                                     const std::vector<bool>& released, bool* skipped);

// Secondary suppression over the cells, then each item's values.
common::Status SuppressComplements(const PartialTable& table, Work& w);

}  // namespace verbind::federation::disclosure_internal
