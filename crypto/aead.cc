#include "crypto/aead.h"

#include <sodium.h>

#include "crypto/sodium.h"

namespace verbind::crypto {

static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == kAeadKeyBytes);
static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == kAeadNonceBytes);
static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == kAeadTagBytes);

namespace {
common::Status CheckSizes(std::span<const uint8_t> key, std::span<const uint8_t> nonce) {
  if (key.size() != kAeadKeyBytes) return common::InvalidArgument("AEAD key must be 32 bytes");
  if (nonce.size() != kAeadNonceBytes) {
    return common::InvalidArgument("XChaCha20-Poly1305 nonce must be 24 bytes");
  }
  return common::Status::Ok();
}
}  // namespace

common::Result<std::string> AeadSeal(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                                     std::span<const uint8_t> ad,
                                     std::span<const uint8_t> plaintext) {
  RETURN_IF_ERROR(CheckSizes(key, nonce));
  EnsureSodium();
  std::string out(plaintext.size() + kAeadTagBytes, '\0');
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(out.data()), &len,
                                             plaintext.data(), plaintext.size(), ad.data(),
                                             ad.size(), nullptr, nonce.data(), key.data());
  out.resize(len);
  return out;
}

common::Result<std::string> AeadOpen(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                                     std::span<const uint8_t> ad,
                                     std::span<const uint8_t> ciphertext) {
  RETURN_IF_ERROR(CheckSizes(key, nonce));
  if (ciphertext.size() < kAeadTagBytes) return common::DataLoss("ciphertext shorter than a tag");
  EnsureSodium();
  std::string out(ciphertext.size() - kAeadTagBytes, '\0');
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &len, nullptr, ciphertext.data(),
          ciphertext.size(), ad.data(), ad.size(), nonce.data(), key.data()) != 0) {
    return common::DataLoss("authentication tag does not verify");
  }
  out.resize(len);
  return out;
}

common::Result<std::string> SealWithRandomNonce(std::span<const uint8_t> key,
                                                std::span<const uint8_t> ad,
                                                std::span<const uint8_t> plaintext,
                                                common::RandomSource& rng) {
  uint8_t nonce[kAeadNonceBytes];
  rng.Fill(nonce);
  ASSIGN_OR_RETURN(std::string sealed, AeadSeal(key, nonce, ad, plaintext));
  std::string out(reinterpret_cast<const char*>(nonce), kAeadNonceBytes);
  out += sealed;
  return out;
}

common::Result<std::string> OpenWithNonce(std::span<const uint8_t> key,
                                          std::span<const uint8_t> ad,
                                          std::span<const uint8_t> box) {
  if (box.size() < kAeadNonceBytes + kAeadTagBytes) return common::DataLoss("sealed box too short");
  return AeadOpen(key, box.subspan(0, kAeadNonceBytes), ad, box.subspan(kAeadNonceBytes));
}

}  // namespace verbind::crypto
