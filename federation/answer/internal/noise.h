// Reproducible noise for differential privacy. A release is identified by its fingerprint: a
// hash of the dataset, the dataset's version (generation), the query in canonical form and
// the noise parameters; never of the requester or of the records. The noise of one statistic
// of one cell is drawn, with the exact integer samplers of dp_sampler.h, from a stream seeded
// by BLAKE2b keyed with the node's secret noise key over (fingerprint, cell key, statistic).
// So the same query on the same data gets the same answer, whoever asks it (asking again
// reveals nothing new and costs nothing); a different query, or the same one after the data
// changed, gets independent noise; and without the key the noise cannot be predicted.
// No floating point. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "federation/answer/dp_sampler.h"

namespace verbind::federation {

// SHA-256 (hex) of the length-prefixed parts: "verbind-release-v2", dataset, generation,
// canonical query, noise parameters (AnswerPlan::NoiseParameters).
std::string ReleaseFingerprint(std::string_view dataset, uint64_t generation,
                               std::string_view canonical_query,
                               std::string_view noise_parameters);

// `count` independent discrete Laplace samples of `scale` for statistic `statistic` of the
// cell with key `cell_key` (its JSON text) of the release `fingerprint`. `secret` is the
// node's noise key (32 to 64 bytes).
std::vector<storage::Int128> NoiseFor(std::span<const uint8_t> secret, std::string_view fingerprint,
                             std::string_view cell_key, std::string_view statistic,
                             const LaplaceScale& scale, size_t count);

}  // namespace verbind::federation
