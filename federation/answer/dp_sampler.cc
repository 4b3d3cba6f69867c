#include "federation/answer/dp_sampler.h"

#include "common/check.h"

// This file must stay free of floating point (dp_sampler_test.cc checks its text).

namespace verbind::federation {

namespace {

int BitLength(Uint128 v) {
  int bits = 0;
  while (v != 0) {
    ++bits;
    v >>= 1;
  }
  return bits;
}

Uint128 Gcd(Uint128 a, Uint128 b) {
  while (b != 0) {
    Uint128 r = a % b;
    a = b;
    b = r;
  }
  return a;
}

// Bernoulli(exp(-num / den)) for num <= den (CKS Algorithm 1, gamma in [0, 1]): draw
// A_k ~ Bernoulli(gamma / k) for k = 1, 2, ... until one is 0; the answer is whether that
// happened at an odd k.
bool BernoulliExpAtMostOne(common::RandomSource& rng, Uint128 num, Uint128 den) {
  Uint128 k = 1;
  while (SampleBernoulli(rng, num, den * k)) {
    ++k;
    // P(k > 40) < 1 / 40!; reaching this bound means the source is broken.
    CHECK(k < 1000);
  }
  return (k & 1) == 1;
}

}  // namespace

Uint128 SampleUniformBelow(common::RandomSource& rng, Uint128 upper) {
  CHECK(upper > 0);
  int bits = BitLength(upper - 1);
  if (bits == 0) {
    return 0;
  }
  Uint128 mask = bits == 128 ? ~Uint128{0} : (Uint128{1} << bits) - 1;
  for (;;) {
    // Each try succeeds with probability above 1/2.
    Uint128 v = (Uint128{rng.NextU64()} << 64) | rng.NextU64();
    v &= mask;
    if (v < upper) {
      return v;
    }
  }
}

bool SampleBernoulli(common::RandomSource& rng, Uint128 num, Uint128 den) {
  CHECK(den > 0 && num <= den);
  return SampleUniformBelow(rng, den) < num;
}

bool SampleBernoulliExp(common::RandomSource& rng, Uint128 num, Uint128 den) {
  CHECK(den > 0 && den < kMaxSamplerOperand && num < kMaxSamplerOperand);
  if (num <= den) {
    return BernoulliExpAtMostOne(rng, num, den);
  }
  // gamma > 1: exp(-gamma) = exp(-1)^floor(gamma) * exp(-(gamma - floor(gamma))).
  for (Uint128 i = num / den; i > 0; --i) {
    if (!BernoulliExpAtMostOne(rng, 1, 1)) {
      return false;
    }
  }
  return BernoulliExpAtMostOne(rng, num % den, den);
}

LaplaceScale LaplaceScaleFor(Uint128 sensitivity, int64_t shares, int64_t epsilon_micro) {
  CHECK(sensitivity >= 1 && shares >= 1 && epsilon_micro >= 1);
  CHECK(sensitivity < kMaxSamplerOperand / (Uint128(shares) * 1000000));
  Uint128 t = sensitivity * Uint128(shares) * 1000000;
  Uint128 s = Uint128(epsilon_micro);
  Uint128 g = Gcd(t, s);
  return LaplaceScale{t / g, s / g};
}

storage::Int128 SampleDiscreteLaplace(common::RandomSource& rng, const LaplaceScale& scale) {
  const Uint128 t = scale.t;
  const Uint128 s = scale.s;
  CHECK(t >= 1 && s >= 1 && t < kMaxSamplerOperand && s < kMaxSamplerOperand);
  for (;;) {
    // X = U + t * V is geometric with parameter 1 - exp(-1 / t).
    Uint128 u = SampleUniformBelow(rng, t);
    if (!SampleBernoulliExp(rng, u, t)) {
      continue;
    }
    Uint128 v = 0;
    while (SampleBernoulliExp(rng, 1, 1)) {
      ++v;
      CHECK(v < 4096);  // P(v >= 4096) = exp(-4096)
    }
    Uint128 x = u + t * v;
    // Y = floor(X / s) is geometric with parameter 1 - exp(-s / t); a random sign, with
    // "-0" rejected so that zero is not counted twice.
    Uint128 y = x / s;
    bool negative = SampleBernoulli(rng, 1, 2);
    if (negative && y == 0) {
      continue;
    }
    storage::Int128 z = static_cast<storage::Int128>(y);
    return negative ? -z : z;
  }
}

}  // namespace verbind::federation
