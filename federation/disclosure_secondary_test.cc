// Brute-force checks of secondary suppression: on random tables, an attacker who holds the
// answer and every marginal total that the same rules would release (each total computed
// from the true data) can recompute no suppressed cell or value, and no group of suppressed
// cells whose total is below the minimum.

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>

#include "federation/disclosure.h"
#include "federation/disclosure_test_util.h"

namespace verbind::federation {
namespace {

using nlohmann::json;
using testing::Build;
using testing::Rec;

constexpr int kMin = 10;

// Rank of a small real matrix (independent of the production code's modular arithmetic).
int Rank(std::vector<std::vector<double>> a) {
  int rank = 0;
  size_t cols = a.empty() ? 0 : a[0].size();
  for (size_t col = 0; col < cols && rank < static_cast<int>(a.size()); ++col) {
    size_t best = static_cast<size_t>(rank);
    for (size_t r = best; r < a.size(); ++r) {
      if (std::fabs(a[r][col]) > std::fabs(a[best][col])) {
        best = r;
      }
    }
    if (std::fabs(a[best][col]) < 1e-9) {
      continue;
    }
    std::swap(a[best], a[static_cast<size_t>(rank)]);
    for (size_t r = 0; r < a.size(); ++r) {
      if (r != static_cast<size_t>(rank)) {
        double f = a[r][col] / a[static_cast<size_t>(rank)][col];
        for (size_t k = col; k < cols; ++k) {
          a[r][k] -= f * a[static_cast<size_t>(rank)][k];
        }
      }
    }
    ++rank;
  }
  return rank;
}

// What the attacker sees and knows for one layer: per cell, whether it is hidden and its
// true size; and every marginal group whose total the marginal answer shows.
struct Exposure {
  std::vector<bool> hidden;
  std::vector<int64_t> size;  // records (cells) or non-null values (a value layer)
  std::vector<std::vector<size_t>> released_groups;
};

std::vector<json> Restrict(const std::vector<json>& key, uint32_t kept) {
  std::vector<json> out;
  for (size_t d = 0; d < key.size(); ++d) {
    if (kept & (1u << d)) {
      out.push_back(key[d]);
    }
  }
  return out;
}

// The answers to every marginal query (the records grouped by a proper subset of the
// group-by columns, same items, same rules), computed from the records; per layer (0: cells,
// 1: values of the last item) the marginal groups of `keys` whose total is shown.
std::vector<std::vector<std::vector<size_t>>> ReleasedGroups(
    const std::vector<Rec>& recs, const std::vector<std::vector<json>>& keys, size_t dims,
    const DisclosureRules& rules) {
  std::vector<std::vector<std::vector<size_t>>> out(2);
  for (uint32_t kept = 0; kept + 1 < (1u << dims); ++kept) {
    std::vector<ItemDescriptor> items;
    for (size_t d = 0; d < dims; ++d) {
      if (kept & (1u << d)) {
        items.push_back(testing::GroupItem("g" + std::to_string(d)));
      }
    }
    items.push_back(testing::CountItem());
    items.push_back(testing::MomentsItem());
    std::vector<Rec> coarse;
    for (const Rec& r : recs) {
      coarse.push_back({Restrict(r.key, kept), r.value});
    }
    PartialTable answer = Build(items, coarse);
    EXPECT_TRUE(ApplyDisclosureControl(answer, rules, {}).ok());
    for (const PartialCell& cell : answer.cells) {
      std::vector<size_t> members;
      for (size_t c = 0; c < keys.size(); ++c) {
        if (Restrict(keys[c], kept) == cell.key) {
          members.push_back(c);
        }
      }
      if (!cell.suppressed) {
        out[0].push_back(members);
        if (cell.values.back().state.has_value()) {
          out[1].push_back(members);
        }
      }
    }
  }
  return out;
}

// True when the equations `a` determine unknown `j` (a column of `a`): adding its unit
// vector does not raise the rank.
bool Determined(const std::vector<std::vector<double>>& a, size_t j, size_t columns) {
  auto with = a;
  std::vector<double> unit(columns, 0);
  unit[j] = 1;
  with.push_back(unit);
  return Rank(with) == Rank(a);
}

// Equations "sum of the unknown members of a released group = known" over `unknown` cells.
std::vector<std::vector<double>> Equations(const Exposure& e, const std::vector<size_t>& unknown) {
  std::vector<std::vector<double>> a;
  for (const auto& g : e.released_groups) {
    std::vector<double> row(unknown.size(), 0);
    for (size_t j = 0; j < unknown.size(); ++j) {
      row[j] = std::count(g.begin(), g.end(), unknown[j]) ? 1 : 0;
    }
    a.push_back(row);
  }
  return a;
}

// Checks the attacker's recomputations. `what` names the layer in failure messages.
void ExpectNothingRecomputable(const Exposure& e, const std::string& what) {
  std::vector<bool> alone_released(e.hidden.size(), false);
  // 1. Each released total minus its shown members gives the hidden members' sum.
  for (const auto& g : e.released_groups) {
    int hidden = 0;
    int64_t hidden_sum = 0;
    for (size_t c : g) {
      if (e.hidden[c]) {
        ++hidden;
        hidden_sum += e.size[c];
      }
    }
    if (g.size() == 1) {
      alone_released[g[0]] = true;
      continue;
    }
    if (hidden == 0) {
      continue;
    }
    EXPECT_GE(hidden, 2) << what << ": a lone suppressed member is its total minus the rest";
    EXPECT_GE(hidden_sum, kMin) << what << ": the suppressed members total fewer than " << kMin;
  }
  // 2. No hidden member is determined by the released totals and the shown members, unless
  // the released totals alone (this answer withheld entirely) determine it too.
  std::vector<size_t> unknown, everyone;
  for (size_t c = 0; c < e.hidden.size(); ++c) {
    everyone.push_back(c);
    if (e.hidden[c]) {
      unknown.push_back(c);
    }
  }
  auto a = Equations(e, unknown);
  auto all = Equations(e, everyone);
  for (size_t j = 0; j < unknown.size(); ++j) {
    if (!alone_released[unknown[j]] && Determined(a, j, unknown.size())) {
      EXPECT_TRUE(Determined(all, unknown[j], everyone.size()))
          << what << ": cell " << unknown[j] << " can be solved for with this answer";
    }
  }
}

std::vector<Rec> RandomRecords(std::mt19937_64& rng, const std::vector<int>& extent) {
  std::vector<Rec> recs;
  size_t cells = 1;
  for (int e : extent) {
    cells *= static_cast<size_t>(e);
  }
  for (size_t index = 0; index < cells; ++index) {
    if (rng() % 100 >= 85) {
      continue;  // a sparse table
    }
    std::vector<json> key;
    size_t rest = index;
    for (int e : extent) {
      key.push_back("k" + std::to_string(rest % static_cast<size_t>(e)));
      rest /= static_cast<size_t>(e);
    }
    bool small = rng() % 10 < 3;
    int rows = small ? 1 + static_cast<int>(rng() % 9) : 10 + static_cast<int>(rng() % 50);
    int with_value = static_cast<int>(rng() % static_cast<uint64_t>(rows + 1));
    for (int r = 0; r < rows; ++r) {
      recs.push_back({key, r < with_value ? std::optional<int64_t>(r * 7 % 100) : std::nullopt});
    }
  }
  return recs;
}

// Runs disclosure control on a random table and checks the cell layer and the value layer
// of avg(income) (sizes: rows, and non-null values).
void CheckRandomTable(std::mt19937_64& rng, const std::vector<int>& extent, int trial) {
  std::vector<ItemDescriptor> items;
  for (size_t d = 0; d < extent.size(); ++d) {
    items.push_back(testing::GroupItem("g" + std::to_string(d)));
  }
  items.push_back(testing::CountItem());
  items.push_back(testing::MomentsItem());
  std::vector<Rec> recs = RandomRecords(rng, extent);
  PartialTable truth = Build(items, recs);
  PartialTable t = truth;
  DisclosureRules rules;
  rules.missing_values_are_a_category = false;
  auto report = ApplyDisclosureControl(t, rules, {});
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(t.cells.size(), truth.cells.size());
  std::vector<std::vector<json>> keys;
  for (const auto& c : truth.cells) {
    keys.push_back(c.key);
  }
  auto released = ReleasedGroups(recs, keys, extent.size(), rules);
  const size_t avg = extent.size() + 1;
  for (int layer : {0, 1}) {
    Exposure e;
    for (size_t c = 0; c < t.cells.size(); ++c) {
      const PartialCell& shown = t.cells[c];
      e.hidden.push_back(shown.suppressed || (layer == 1 && !shown.values[avg].suppressed.empty()));
      const auto& s = std::get<storage::SumState>(*truth.cells[c].values[avg].state);
      e.size.push_back(layer == 1 ? s.n : truth.cells[c].rows);
    }
    e.released_groups = released[static_cast<size_t>(layer)];
    ExpectNothingRecomputable(
        e, std::string(layer == 1 ? "values" : "cells") + " trial " + std::to_string(trial));
  }
}

TEST(DisclosureSecondary, RandomOneDimensionalTables) {
  std::mt19937_64 rng(1);
  for (int trial = 0; trial < 300; ++trial) {
    CheckRandomTable(rng, {2 + static_cast<int>(rng() % 11)}, trial);
  }
}

TEST(DisclosureSecondary, RandomTwoDimensionalTables) {
  std::mt19937_64 rng(2);
  for (int trial = 0; trial < 300; ++trial) {
    CheckRandomTable(rng, {2 + static_cast<int>(rng() % 5), 2 + static_cast<int>(rng() % 5)},
                     trial);
  }
}

TEST(DisclosureSecondary, RandomThreeDimensionalTables) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 100; ++trial) {
    CheckRandomTable(rng,
                     {2 + static_cast<int>(rng() % 2), 2 + static_cast<int>(rng() % 3),
                      2 + static_cast<int>(rng() % 2)},
                     trial);
  }
}

// Every released line holds two or more suppressed cells, yet the line rule alone leaves one
// that can be solved for: the complements of (k1, k0) form a rectangle in columns k0 and k2,
// and (k1, k3) is the only other suppressed cell of row k1 (its column total and that of k1
// are withheld by the column answer), so x(k1,k3) = row k1 - column k0 - column k2 + row k0
// (minus shown cells). Found by the random test; the recomputation check must hide more.
TEST(DisclosureSecondary, SolvableThroughARectangleIsCaught) {
  std::vector<Rec> recs;
  const std::vector<std::tuple<const char*, const char*, int>> cells = {
      {"k0", "k0", 58}, {"k0", "k2", 45}, {"k1", "k0", 9}, {"k1", "k1", 12},
      {"k1", "k2", 20}, {"k1", "k3", 3},  {"k1", "k4", 25}};
  for (const auto& [row, col, rows] : cells) {
    testing::AddRecords(recs, {row, col}, rows, [](int) { return std::optional<int64_t>(1); });
  }
  std::vector<ItemDescriptor> items = {testing::GroupItem("row"), testing::GroupItem("col"),
                                       testing::CountItem()};
  PartialTable truth = Build(items, recs);
  PartialTable t = truth;
  ASSERT_TRUE(ApplyDisclosureControl(t, {}, {}).ok());
  Exposure e;
  for (size_t c = 0; c < t.cells.size(); ++c) {
    e.hidden.push_back(t.cells[c].suppressed);
    e.size.push_back(truth.cells[c].rows);
  }
  std::vector<std::vector<json>> keys;
  for (const auto& c : truth.cells) {
    keys.push_back(c.key);
  }
  e.released_groups = ReleasedGroups(recs, keys, 2, {})[0];
  ExpectNothingRecomputable(e, "rectangle");
}

}  // namespace
}  // namespace verbind::federation
