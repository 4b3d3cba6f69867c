// Encrypted streams (libsodium's crypto_secretstream_xchacha20poly1305) for backups: a sequence
// of messages under one key, each authenticated and bound to its position, the last one marked
// final, so that a changed, reordered, dropped or truncated message is detected. Keys come
// from a key file (32 random bytes) or a passphrase (Argon2id). Thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/secret.h"

namespace verbind::crypto {

constexpr size_t kStreamKeyBytes = 32;
constexpr size_t kStreamHeaderBytes = 24;
constexpr size_t kStreamOverheadBytes = 17;
constexpr size_t kPassphraseSaltBytes = 16;

class StreamSealer {
 public:
  // A new stream under `key` (32 bytes); header() goes before the messages.
  static common::Result<std::unique_ptr<StreamSealer>> Start(std::span<const uint8_t> key);
  ~StreamSealer();
  const std::string& header() const { return header_; }
  // The next message, with `ad` authenticated alongside; `final` marks the last one.
  std::string Push(std::string_view message, std::string_view ad, bool final);

 private:
  StreamSealer();
  struct State;
  std::unique_ptr<State> state_;
  std::string header_;
};

class StreamOpener {
 public:
  // DataLoss when the header is not one of this key.
  static common::Result<std::unique_ptr<StreamOpener>> Start(std::span<const uint8_t> key,
                                                             std::string_view header);
  ~StreamOpener();
  // The next message; DataLoss when it does not authenticate (a wrong key, a changed byte, a
  // message out of order). `final` tells whether the sealer marked it last.
  common::Result<std::string> Pull(std::string_view sealed, std::string_view ad, bool* final);

 private:
  StreamOpener();
  struct State;
  std::unique_ptr<State> state_;
};

// A 32-byte key from a passphrase (Argon2id, libsodium's "moderate" limits) and a salt.
common::Result<SecretBytes> KeyFromPassphrase(std::string_view passphrase,
                                              std::span<const uint8_t> salt);

}  // namespace verbind::crypto
