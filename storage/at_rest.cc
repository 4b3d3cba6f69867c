#include "storage/internal/at_rest.h"

#include "common/encoding.h"
#include "crypto/aead.h"
#include "crypto/system_random.h"

namespace verbind::storage {

using common::Result;

namespace {

std::string AssociatedData(Family family, std::string_view key) {
  std::string ad = "verbind/dataset-record/v1";
  ad.push_back('\0');
  ad.push_back(static_cast<char>(family));
  ad.append(key);
  return ad;
}

}  // namespace

Result<AtRestCipher> AtRestCipher::Create(std::string_view key) {
  if (!key.empty() && key.size() != crypto::kAeadKeyBytes) {
    return common::InvalidArgument("the data key must be 32 bytes");
  }
  AtRestCipher c;
  c.key_ = crypto::SecretBytes(common::AsBytes(key));
  return c;
}

Result<std::string> AtRestCipher::Seal(Family family, std::string_view key,
                                       std::string_view plain) const {
  if (!enabled()) return std::string(plain);
  std::string ad = AssociatedData(family, key);
  return crypto::SealWithRandomNonce(key_.span(), common::AsBytes(ad), common::AsBytes(plain),
                                     crypto::SystemRandom::Get());
}

Result<std::string> AtRestCipher::Open(Family family, std::string_view key,
                                       std::string stored) const {
  if (!enabled()) return stored;
  std::string ad = AssociatedData(family, key);
  auto plain = crypto::OpenWithNonce(key_.span(), common::AsBytes(ad), common::AsBytes(stored));
  if (!plain.ok()) {
    return common::DataLoss("stored dataset record does not verify under the data key (wrong "
                            "key, or the record was altered): " +
                            plain.status().message());
  }
  return plain;
}

}  // namespace verbind::storage
