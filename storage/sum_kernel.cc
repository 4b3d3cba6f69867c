// The sum kernel: count, exact sum, exact sum of squares, mean and M2 (sum of squared
// deviations) of a field, per group. Each chunk is summed exactly in integers over its deltas;
// M2 of a chunk is exact for deltas below 2^32 (n * sum(d^2) - sum(d)^2 in 128 bits) and
// computed from exact integer deviations otherwise. Chunks merge with Chan et al.'s formula,
// the difference of means taken from the exact sums, in extended precision. The sum of squares
// of values (base + delta) is n b^2 + 2 b sum(d) + sum(d^2), with every step checked for
// overflow.
#include <algorithm>

#include "storage/internal/aggregate_kernels.h"

namespace verbind::storage {

namespace {

// One group's moments across chunks.
struct Moments {
  int64_t n = 0;
  Int128 sum = 0;
  long double m2 = 0;
  Int128 sumsq = 0;
  bool sumsq_exact = true;
};

// One group's sums within a chunk, over deltas.
struct ChunkSums {
  int64_t n = 0;
  uint64_t s = 0;             // deltas below 2^32: at most 2^48
  unsigned __int128 q = 0;    // deltas below 2^32: the exact sum of squares
  unsigned __int128 wide = 0; // wide chunks: the sum of deltas
  unsigned __int128 wide_q = 0;  // wide chunks: the sum of squared deltas
  bool wide_q_exact = true;      // wide chunks: wide_q did not overflow
  long double m2 = 0;         // wide chunks: exact deviations, squared
};

constexpr uint64_t kSmall = uint64_t{1} << 24;   // squares sum exactly in 64 bits
constexpr uint64_t kMedium = uint64_t{1} << 32;  // squares sum exactly in 128 bits

// Per-group small sums with four interleaved sets of accumulators (few groups), so that
// neighbouring rows of one group do not wait on each other.
template <typename T>
void SumSmallGrouped(const T* d, const uint8_t* valid, const uint32_t* groups, uint32_t n,
                     size_t group_count, ChunkSums* acc) {
  if (group_count > 64) {
    for (uint32_t i = 0; i < n; ++i) {
      ChunkSums& a = acc[groups[i]];
      uint64_t v = static_cast<uint64_t>(d[i]) * valid[i];
      a.n += valid[i];
      a.s += v;
      a.q += v * v;
    }
    return;
  }
  struct Lane {
    uint64_t n[65], s[65], q[65];
  };
  Lane lanes[4] = {};
  uint32_t i = 0;
  auto step = [&](Lane& l, uint32_t r) {
    uint32_t g = groups[r];
    uint64_t v = static_cast<uint64_t>(d[r]) * valid[r];
    l.n[g] += valid[r];
    l.s[g] += v;
    l.q[g] += v * v;
  };
  for (; i + 4 <= n; i += 4) {
    step(lanes[0], i);
    step(lanes[1], i + 1);
    step(lanes[2], i + 2);
    step(lanes[3], i + 3);
  }
  for (; i < n; ++i) step(lanes[0], i);
  for (size_t g = 1; g <= group_count; ++g) {
    for (const Lane& l : lanes) {
      acc[g].n += static_cast<int64_t>(l.n[g]);
      acc[g].s += l.s[g];
      acc[g].q += l.q[g];
    }
  }
}

template <typename T>
void SumSmall(const T* d, const uint8_t* valid, const uint32_t* groups, uint32_t n,
              size_t group_count, ChunkSums* acc) {
  if (!groups) {
    uint64_t cnt = 0, s = 0, q = 0;
    for (uint32_t i = 0; i < n; ++i) {
      uint64_t v = static_cast<uint64_t>(d[i]) * valid[i];
      cnt += valid[i];
      s += v;
      q += v * v;
    }
    acc[1].n += static_cast<int64_t>(cnt);
    acc[1].s += s;
    acc[1].q += q;
    return;
  }
  SumSmallGrouped(d, valid, groups, n, group_count, acc);
}

template <typename T>
void SumMedium(const T* d, const uint8_t* valid, const uint32_t* groups, uint32_t n,
               ChunkSums* acc) {
  for (uint32_t i = 0; i < n; ++i) {
    ChunkSums& a = acc[groups ? groups[i] : 1];
    uint64_t v = static_cast<uint64_t>(d[i]) * valid[i];
    a.n += valid[i];
    a.s += v;
    a.q += static_cast<unsigned __int128>(v) * v;
  }
}

template <typename T>
void SumWide(const T* d, const uint8_t* valid, const uint32_t* groups, uint32_t n,
             std::vector<ChunkSums>& acc) {
  for (uint32_t i = 0; i < n; ++i) {
    if (!valid[i]) continue;
    ChunkSums& a = acc[groups ? groups[i] : 1];
    ++a.n;
    uint64_t v = static_cast<uint64_t>(d[i]);
    a.wide += v;
    unsigned __int128 sq = static_cast<unsigned __int128>(v) * v;
    if (__builtin_add_overflow(a.wide_q, sq, &a.wide_q)) a.wide_q_exact = false;
  }
  // Deviation of d from the group's mean, exactly: (n d - sum) / n.
  for (uint32_t i = 0; i < n; ++i) {
    if (!valid[i]) continue;
    ChunkSums& a = acc[groups ? groups[i] : 1];
    Int128 scaled = static_cast<Int128>(d[i]) * a.n - static_cast<Int128>(a.wide);
    long double dev = static_cast<long double>(scaled) / static_cast<long double>(a.n);
    a.m2 += dev * dev;
  }
}

// n b^2 + 2 b s + q: the sum of squares of n values base + delta, from the sum s and the sum
// of squares q of the deltas; false when a step overflows 128 bits.
bool SumOfSquares(int64_t n, int64_t base, unsigned __int128 s, unsigned __int128 q,
                  Int128* out) {
  constexpr unsigned __int128 kMax = (static_cast<unsigned __int128>(1) << 127) - 1;
  Int128 b = base, nb2, bs, two_bs, total;
  if (q > kMax || s > kMax) return false;
  return !__builtin_mul_overflow(b * b, static_cast<Int128>(n), &nb2) &&
         !__builtin_mul_overflow(b, static_cast<Int128>(s), &bs) &&
         !__builtin_mul_overflow(bs, Int128{2}, &two_bs) &&
         !__builtin_add_overflow(nb2, two_bs, &total) &&
         !__builtin_add_overflow(total, static_cast<Int128>(q), out);
}

// The chunk's moments of one group in values (base + delta).
Moments ChunkMoments(const ChunkSums& a, int64_t base, bool wide) {
  Moments m;
  m.n = a.n;
  if (wide) {
    m.sum = static_cast<Int128>(a.n) * base + static_cast<Int128>(a.wide);
    m.m2 = a.m2;
    m.sumsq_exact = a.wide_q_exact && SumOfSquares(a.n, base, a.wide, a.wide_q, &m.sumsq);
    return m;
  }
  m.sumsq_exact = SumOfSquares(a.n, base, a.s, a.q, &m.sumsq);
  m.sum = static_cast<Int128>(a.n) * base + static_cast<Int128>(a.s);
  Int128 num = static_cast<Int128>(a.n) * static_cast<Int128>(a.q) -
               static_cast<Int128>(a.s) * static_cast<Int128>(a.s);
  m.m2 = static_cast<long double>(num) / static_cast<long double>(a.n);
  return m;
}

// Chan et al.'s pairwise merge with the difference of means from the exact sums.
void MergeMoments(Moments& a, const Moments& b) {
  if (b.n == 0) return;
  if (a.n == 0) {
    a = b;
    return;
  }
  Int128 x, y, diff;
  long double delta;
  if (!__builtin_mul_overflow(b.sum, static_cast<Int128>(a.n), &x) &&
      !__builtin_mul_overflow(a.sum, static_cast<Int128>(b.n), &y) &&
      !__builtin_sub_overflow(x, y, &diff)) {
    delta = static_cast<long double>(diff) /
            (static_cast<long double>(a.n) * static_cast<long double>(b.n));
  } else {
    delta = static_cast<long double>(b.sum) / b.n - static_cast<long double>(a.sum) / a.n;
  }
  long double na = a.n, nb = b.n;
  a.m2 += b.m2 + delta * delta * na * nb / (na + nb);
  a.n += b.n;
  a.sum += b.sum;
  a.sumsq_exact = a.sumsq_exact && b.sumsq_exact &&
                  !__builtin_add_overflow(a.sumsq, b.sumsq, &a.sumsq);
}

class SumKernel final : public AggregateKernel {
 public:
  explicit SumKernel(int column) : column_(column) {}

  void Add(const ChunkView& view, const ChunkSelection& rows,
           std::vector<AggregateState>& states) override {
    const ColumnChunk& c = *view.columns[static_cast<size_t>(column_)];
    const uint32_t* groups = rows.groups;
    valid_.resize(kChunkRows);
    const uint8_t* valid = NonNullRows(c, rows.sel, view.rows, valid_.data());
    acc_.assign(states.size(), ChunkSums{});
    if (moments_.size() < states.size()) moments_.resize(states.size());
    bool wide = c.max_delta >= kMedium;
    WithDeltas(c, [&](const auto* d) {
      if (c.max_delta < kSmall) {
        SumSmall(d, valid, groups, view.rows, rows.group_count, acc_.data());
      } else if (!wide) {
        SumMedium(d, valid, groups, view.rows, acc_.data());
      } else {
        SumWide(d, valid, groups, view.rows, acc_);
      }
    });
    for (size_t g = 1; g < states.size(); ++g) {
      if (acc_[g].n > 0) MergeMoments(moments_[g], ChunkMoments(acc_[g], c.base, wide));
    }
  }

  void Finish(std::vector<AggregateState>& states) override {
    for (size_t g = 1; g < states.size() && g < moments_.size(); ++g) {
      const Moments& m = moments_[g];
      SumState& s = std::get<SumState>(states[g]);
      s.n = m.n;
      s.sum = m.sum;
      s.mean = m.n ? static_cast<double>(static_cast<long double>(m.sum) / m.n) : 0;
      s.m2 = static_cast<double>(m.m2);
      s.sumsq = m.sumsq;
      s.sumsq_exact = m.sumsq_exact;
    }
  }

 private:
  int column_;
  std::vector<uint8_t> valid_;
  std::vector<ChunkSums> acc_;
  std::vector<Moments> moments_;
};

}  // namespace

std::unique_ptr<AggregateKernel> MakeSumKernel(const AggregateSpec& spec) {
  return std::make_unique<SumKernel>(spec.columns[0]);
}

}  // namespace verbind::storage
