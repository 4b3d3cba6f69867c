// XChaCha20-Poly1305 (IETF variant, libsodium) for data at rest. The tag is checked before any
// plaintext is released; a wrong key, nonce, associated data or a changed byte all give
// DataLoss and no output. Thread-safe; an AeadKey may be shared between threads.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/random.h"
#include "common/status.h"
#include "crypto/secret.h"

namespace verbind::crypto {

constexpr size_t kAeadKeyBytes = 32;
constexpr size_t kAeadNonceBytes = 24;
constexpr size_t kAeadTagBytes = 16;

// Encrypts `plaintext` with `nonce` and `ad`; returns ciphertext || tag.
common::Result<std::string> AeadSeal(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                                     std::span<const uint8_t> ad,
                                     std::span<const uint8_t> plaintext);
// Decrypts ciphertext || tag; DataLoss when the tag does not verify.
common::Result<std::string> AeadOpen(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                                     std::span<const uint8_t> ad,
                                     std::span<const uint8_t> ciphertext);

// Sealed boxes for stored values: random nonce || ciphertext || tag.
common::Result<std::string> SealWithRandomNonce(std::span<const uint8_t> key,
                                                std::span<const uint8_t> ad,
                                                std::span<const uint8_t> plaintext,
                                                common::RandomSource& rng);
common::Result<std::string> OpenWithNonce(std::span<const uint8_t> key,
                                          std::span<const uint8_t> ad,
                                          std::span<const uint8_t> box);

}  // namespace verbind::crypto
