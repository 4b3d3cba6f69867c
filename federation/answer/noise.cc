#include "federation/answer/internal/noise.h"

#include "crypto/deterministic_random.h"
#include "crypto/hash.h"
#include "storage/database.h"

namespace verbind::federation {

namespace {

// Appends `part` with its length (8 bytes, big-endian) so no part can run into the next.
void AppendPart(std::string* out, std::string_view part) {
  storage::AppendU64(out, part.size());
  out->append(part);
}

}  // namespace

std::string ReleaseFingerprint(std::string_view dataset, uint64_t generation,
                               std::string_view canonical_query,
                               std::string_view noise_parameters) {
  std::string message;
  AppendPart(&message, "verbind-release-v2");
  AppendPart(&message, dataset);
  AppendPart(&message, std::to_string(generation));
  AppendPart(&message, canonical_query);
  AppendPart(&message, noise_parameters);
  return crypto::Sha256Hex(message);
}

std::vector<storage::Int128> NoiseFor(std::span<const uint8_t> secret, std::string_view fingerprint,
                             std::string_view cell_key, std::string_view statistic,
                             const LaplaceScale& scale, size_t count) {
  std::string message;
  AppendPart(&message, "verbind-noise-v2");
  AppendPart(&message, fingerprint);
  AppendPart(&message, cell_key);
  AppendPart(&message, statistic);
  crypto::DeterministicRandom rng(crypto::DeriveSeed(secret, message));
  std::vector<storage::Int128> out(count);
  for (storage::Int128& z : out) z = SampleDiscreteLaplace(rng, scale);
  return out;
}

}  // namespace verbind::federation
