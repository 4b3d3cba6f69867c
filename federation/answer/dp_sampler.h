// Exact samplers for differential privacy over the integers, after Canonne, Kamath and Steinke
// (2020), "The Discrete Gaussian for Differential Privacy": Bernoulli(exp(-gamma)) for a
// rational gamma (their Algorithm 1) and the discrete Laplace distribution with a rational
// scale (their Algorithm 2). Only integer arithmetic (unsigned 128-bit), no floating point, so
// the samples follow the stated distributions exactly and cannot leak through rounding (the
// flaw of textbook floating-point Laplace noise, Mironov 2012). The randomness comes from a
// RandomSource (crypto::DeterministicRandom for reproducible noise). Pure functions;
// thread-safe when the source is.
#pragma once

#include <cstdint>

#include "common/random.h"
#include "storage/aggregates.h"

namespace verbind::federation {

// Unsigned 128-bit integers: scales, uniform draws and geometric intermediates.
using Uint128 = unsigned __int128;

// Operands must stay below this bound so that every intermediate product fits in 128 bits.
inline constexpr Uint128 kMaxSamplerOperand = Uint128{1} << 100;

// A uniform integer in [0, upper), without bias (rejection sampling). upper > 0.
Uint128 SampleUniformBelow(common::RandomSource& rng, Uint128 upper);

// True with probability num / den. 0 <= num <= den, 0 < den < kMaxSamplerOperand.
bool SampleBernoulli(common::RandomSource& rng, Uint128 num, Uint128 den);

// True with probability exp(-num / den). 0 < den < kMaxSamplerOperand, num < kMaxSamplerOperand.
bool SampleBernoulliExp(common::RandomSource& rng, Uint128 num, Uint128 den);

// The scale of a discrete Laplace distribution as an exact fraction t / s (both >= 1).
struct LaplaceScale {
  Uint128 t = 1;
  Uint128 s = 1;
};

// The scale sensitivity / epsilon for epsilon = epsilon_micro / 10^6 split over `shares`
// statistics (each gets epsilon / shares): t / s = sensitivity * shares * 10^6 / epsilon_micro,
// reduced. sensitivity >= 1, shares >= 1, epsilon_micro >= 1; aborts when t would reach
// kMaxSamplerOperand (callers bound their inputs).
LaplaceScale LaplaceScaleFor(Uint128 sensitivity, int64_t shares, int64_t epsilon_micro);

// A sample z of the discrete Laplace distribution with scale t / s:
// P(z) = (1 - p) / (1 + p) * p^|z| with p = exp(-s / t). Both below kMaxSamplerOperand.
storage::Int128 SampleDiscreteLaplace(common::RandomSource& rng, const LaplaceScale& scale);

}  // namespace verbind::federation
