#include "federation/answer/dp_sampler.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "crypto/deterministic_random.h"

namespace verbind::federation {
namespace {

// Test-only floating point: the expected probabilities.
double LaplaceMass(double scale, int64_t z) {
  double p = std::exp(-1.0 / scale);
  return (1 - p) / (1 + p) * std::pow(p, std::abs(static_cast<double>(z)));
}

TEST(DpSampler, BernoulliExpFrequencies) {
  common::SeededRandom rng(11);
  const int kDraws = 200000;
  struct Case {
    Uint128 num, den;
  };
  for (Case c : {Case{0, 1}, Case{1, 3}, Case{1, 1}, Case{5, 2}, Case{7, 1}}) {
    int hits = 0;
    for (int i = 0; i < kDraws; ++i) {
      hits += SampleBernoulliExp(rng, c.num, c.den) ? 1 : 0;
    }
    double p = std::exp(-static_cast<double>(c.num) / static_cast<double>(c.den));
    double sd = std::sqrt(p * (1 - p) / kDraws);
    EXPECT_NEAR(static_cast<double>(hits) / kDraws, p, 5 * sd + 1e-9)
        << static_cast<int>(c.num) << "/" << static_cast<int>(c.den);
  }
}

TEST(DpSampler, UniformBelowCoversTheRangeEvenly) {
  common::SeededRandom rng(3);
  std::map<int, int> seen;
  for (int i = 0; i < 60000; ++i) {
    ++seen[static_cast<int>(SampleUniformBelow(rng, 6))];
  }
  ASSERT_EQ(seen.size(), 6u);
  for (const auto& [v, n] : seen) {
    EXPECT_NEAR(n, 10000, 500) << v;
  }
  Uint128 huge = (Uint128{1} << 99) + 12345;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_LT(SampleUniformBelow(rng, huge), huge);
  }
  EXPECT_EQ(SampleUniformBelow(rng, 1), 0u);
}

TEST(DpSampler, ScaleIsAnExactReducedFraction) {
  LaplaceScale a = LaplaceScaleFor(1, 1, 1000000);  // epsilon 1: scale 1
  EXPECT_TRUE(a.t == 1 && a.s == 1);
  LaplaceScale b = LaplaceScaleFor(1, 4, 500000);  // epsilon 0.5 over 4: scale 8
  EXPECT_TRUE(b.t == 8 && b.s == 1);
  LaplaceScale c = LaplaceScaleFor(3, 1, 700000);  // 3 / 0.7 = 30 / 7
  EXPECT_TRUE(c.t == 30 && c.s == 7);
  LaplaceScale d = LaplaceScaleFor(Uint128{1} << 63, 40, 1);  // the largest inputs fit
  EXPECT_TRUE(d.t == (Uint128{1} << 63) * 40 * 1000000 && d.s == 1);
}

// Many samples, each from its own seed (as the noise of different cells), follow the discrete
// Laplace mass function: a chi-square test over [-K, K] and the two tails.
void ExpectLaplaceDistribution(LaplaceScale scale, double real_scale, int samples) {
  crypto::DeterministicSeed key{};
  key[0] = 42;
  std::map<int64_t, int64_t> counts;
  double sum_abs = 0, sum_sq = 0;
  for (int i = 0; i < samples; ++i) {
    crypto::DeterministicRandom rng(crypto::DeriveSeed(key, "sample " + std::to_string(i)));
    auto z = static_cast<int64_t>(SampleDiscreteLaplace(rng, scale));
    ++counts[z];
    sum_abs += std::abs(static_cast<double>(z));
    sum_sq += static_cast<double>(z) * static_cast<double>(z);
  }
  int64_t k = 0;
  while (LaplaceMass(real_scale, k + 1) * samples >= 20) {
    ++k;
  }
  double chi2 = 0, tail_mass = 0;
  int64_t tail_low = 0, tail_high = 0;
  for (const auto& [z, n] : counts) {
    if (z < -k) {
      tail_low += n;
    } else if (z > k) {
      tail_high += n;
    }
  }
  for (int64_t z = -k; z <= k; ++z) {
    double expected = LaplaceMass(real_scale, z) * samples;
    double observed = counts.count(z) ? static_cast<double>(counts[z]) : 0;
    chi2 += (observed - expected) * (observed - expected) / expected;
    tail_mass += LaplaceMass(real_scale, z);
  }
  double tail_expected = (1 - tail_mass) / 2 * samples;
  for (int64_t observed : {tail_low, tail_high}) {
    double d = static_cast<double>(observed) - tail_expected;
    chi2 += d * d / tail_expected;
  }
  double dof = static_cast<double>(2 * k + 2);
  EXPECT_LT(chi2, dof + 6 * std::sqrt(2 * dof)) << "k=" << k;  // far beyond p = 1e-6
  double p = std::exp(-1.0 / real_scale);
  double mean_abs = 2 * p / (1 - p * p);
  double variance = 2 * p / ((1 - p) * (1 - p));
  EXPECT_NEAR(sum_abs / samples, mean_abs, 0.02 * mean_abs);
  EXPECT_NEAR(sum_sq / samples, variance, 0.05 * variance);
}

TEST(DpSampler, DiscreteLaplaceMatchesItsMassFunction) {
  ExpectLaplaceDistribution(LaplaceScale{3, 1}, 3.0, 100000);
  ExpectLaplaceDistribution(LaplaceScale{5, 2}, 2.5, 100000);
  ExpectLaplaceDistribution(LaplaceScale{1, 2}, 0.5, 100000);
}

TEST(DpSampler, DiscreteLaplaceWithAHugeScale) {
  // The scale of a sum over amounts up to 10^12 at epsilon 0.1: 10^13.
  LaplaceScale scale = LaplaceScaleFor(1000000000000, 1, 100000);
  common::SeededRandom rng(5);
  double sum_abs = 0;
  const int kSamples = 40000;
  int negative = 0;
  for (int i = 0; i < kSamples; ++i) {
    storage::Int128 z = SampleDiscreteLaplace(rng, scale);
    sum_abs += std::abs(static_cast<double>(z));
    negative += z < 0 ? 1 : 0;
  }
  // For a large scale b the mean absolute value is b (to within 1 / b).
  EXPECT_NEAR(sum_abs / kSamples / 1e13, 1.0, 0.03);
  EXPECT_NEAR(negative, kSamples / 2, 600);
}

// The text of a source file without its // comments.
std::string CodeOf(const char* file) {
  std::ifstream in(std::string(VERBIND_SOURCE_DIR) + file);
  EXPECT_TRUE(in.good()) << file;
  std::string code, line;
  while (std::getline(in, line)) {
    code += line.substr(0, line.find("//")) + "\n";
  }
  return code;
}

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Where `word` occurs as a whole identifier in `code`, or npos.
size_t FindWord(const std::string& code, const std::string& word) {
  for (size_t at = code.find(word); at != std::string::npos; at = code.find(word, at + 1)) {
    bool starts = at == 0 || !IsWordChar(code[at - 1]);
    bool ends = at + word.size() == code.size() || !IsWordChar(code[at + word.size()]);
    if (starts && ends) {
      return at;
    }
  }
  return std::string::npos;
}

// The sampler's source holds no floating-point type, function or literal: every step is
// integer arithmetic.
TEST(DpSampler, SourceUsesNoFloatingPoint) {
  for (const char* file : {"/federation/answer/dp_sampler.cc", "/federation/answer/dp_sampler.h",
                           "/federation/answer/noise.cc"}) {
    std::string code = CodeOf(file);
    ASSERT_FALSE(code.empty()) << file;
    for (const char* word : {"float", "double", "exp", "expl", "log", "pow", "sqrt", "lgamma"}) {
      EXPECT_EQ(FindWord(code, word), std::string::npos) << file << " uses " << word;
    }
    for (size_t i = 1; i + 1 < code.size(); ++i) {
      bool digit_before = std::isdigit(static_cast<unsigned char>(code[i - 1]));
      bool fraction = code[i] == '.' && std::isdigit(static_cast<unsigned char>(code[i + 1]));
      bool exponent = (code[i] == 'e' || code[i] == 'E') &&
                      (code[i + 1] == '-' || code[i + 1] == '+') && !IsWordChar(code[i - 2]);
      EXPECT_FALSE(digit_before && (fraction || exponent))
          << file << ": floating-point literal near " << code.substr(i - 1, 6);
    }
  }
}

}  // namespace
}  // namespace verbind::federation
