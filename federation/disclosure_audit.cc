// The recomputation check of secondary suppression (federation/disclosure_internal.h): can an
// attacker who holds this table and every released marginal total solve for a suppressed
// member exactly? Each released group with suppressed members gives one linear equation
// (sum of its suppressed members = its total minus its shown members); a member is
// determined when its unit vector lies in the span of those equations, i.e. when in the
// reduced row echelon form its pivot row has no entry in a free column. Arithmetic is modulo
// the prime 2^61 - 1, exact for these small integer systems (0/1 coefficients; a rank could
// differ from the rational one only if a determinant were a multiple of the prime).

#include <algorithm>
#include <map>

#include "federation/disclosure_internal.h"

namespace verbind::federation::disclosure_internal {

namespace {

constexpr uint64_t kPrime = (uint64_t{1} << 61) - 1;

uint64_t MulMod(uint64_t a, uint64_t b) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(a) * b) % kPrime);
}

uint64_t SubMod(uint64_t a, uint64_t b) { return a >= b ? a - b : a + kPrime - b; }

uint64_t InverseMod(uint64_t a) {
  uint64_t result = 1, base = a, e = kPrime - 2;
  while (e > 0) {
    if (e & 1) {
      result = MulMod(result, base);
    }
    base = MulMod(base, base);
    e >>= 1;
  }
  return result;
}

using Matrix = std::vector<std::vector<uint64_t>>;

// Reduces `rows` in place to reduced row echelon form; returns the pivot column of each of
// the first rank rows.
std::vector<size_t> Reduce(Matrix& rows, size_t columns) {
  std::vector<size_t> pivots;
  size_t r = 0;
  for (size_t col = 0; col < columns && r < rows.size(); ++col) {
    size_t p = r;
    while (p < rows.size() && rows[p][col] == 0) {
      ++p;
    }
    if (p == rows.size()) {
      continue;
    }
    std::swap(rows[r], rows[p]);
    uint64_t inv = InverseMod(rows[r][col]);
    for (uint64_t& v : rows[r]) {
      v = MulMod(v, inv);
    }
    for (size_t o = 0; o < rows.size(); ++o) {
      uint64_t f = rows[o][col];
      if (o == r || f == 0) {
        continue;
      }
      for (size_t k = col; k < columns; ++k) {
        if (rows[r][k] != 0) {
          rows[o][k] = SubMod(rows[o][k], MulMod(f, rows[r][k]));
        }
      }
    }
    pivots.push_back(col);
    ++r;
  }
  return pivots;
}

}  // namespace

namespace {

// The equations of the released groups over the unknowns (suppressed members of released
// groups), duplicates removed; `pinned[col]`: the unknown is alone in a released group.
struct System {
  std::vector<size_t> cell_of;  // column -> cell
  Matrix rows;
  std::vector<bool> pinned;
};

System BuildSystem(const Layer& layer, const Marginals& m, const std::vector<bool>& released) {
  System sys;
  std::map<size_t, size_t> column;  // cell -> column
  for (size_t g = 0; g < m.groups.size(); ++g) {
    for (size_t c : m.groups[g]) {
      if (released[g] && layer.Hidden(c) && !column.count(c)) {
        column.emplace(c, sys.cell_of.size());
        sys.cell_of.push_back(c);
      }
    }
  }
  sys.pinned.assign(sys.cell_of.size(), false);
  for (size_t g = 0; g < m.groups.size() && !sys.cell_of.empty(); ++g) {
    if (!released[g]) {
      continue;
    }
    std::vector<uint64_t> row(sys.cell_of.size(), 0);
    bool any = false;
    for (size_t c : m.groups[g]) {
      auto it = column.find(c);
      if (it != column.end()) {
        row[it->second] = 1;
        any = true;
        sys.pinned[it->second] = sys.pinned[it->second] || m.groups[g].size() == 1;
      }
    }
    if (any) {
      sys.rows.push_back(std::move(row));
    }
  }
  std::sort(sys.rows.begin(), sys.rows.end());
  sys.rows.erase(std::unique(sys.rows.begin(), sys.rows.end()), sys.rows.end());
  return sys;
}

}  // namespace

std::vector<size_t> FindRecomputable(const Layer& layer, const Marginals& m,
                                     const std::vector<bool>& released, bool* skipped) {
  System sys = BuildSystem(layer, m, released);
  const size_t n = sys.cell_of.size();
  if (n > kMaxAuditUnknowns) {
    *skipped = true;
    return {};
  }
  std::vector<size_t> pivots = Reduce(sys.rows, n);
  std::vector<bool> is_pivot(n, false);
  for (size_t col : pivots) {
    is_pivot[col] = true;
  }
  std::vector<size_t> out;
  for (size_t r = 0; r < pivots.size(); ++r) {
    bool determined = true;
    for (size_t k = 0; k < n && determined; ++k) {
      determined = is_pivot[k] || sys.rows[r][k] == 0;
    }
    size_t col = pivots[r];
    if (determined && !sys.pinned[col] && layer.MadeHere(sys.cell_of[col])) {
      out.push_back(sys.cell_of[col]);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace verbind::federation::disclosure_internal
