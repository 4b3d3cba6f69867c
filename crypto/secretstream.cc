#include "crypto/secretstream.h"

#include <sodium.h>

#include "crypto/sodium.h"

namespace verbind::crypto {

static_assert(kStreamKeyBytes == crypto_secretstream_xchacha20poly1305_KEYBYTES);
static_assert(kStreamHeaderBytes == crypto_secretstream_xchacha20poly1305_HEADERBYTES);
static_assert(kStreamOverheadBytes == crypto_secretstream_xchacha20poly1305_ABYTES);
static_assert(kPassphraseSaltBytes == crypto_pwhash_SALTBYTES);

namespace {

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

struct StreamSealer::State {
  crypto_secretstream_xchacha20poly1305_state s;
};
struct StreamOpener::State {
  crypto_secretstream_xchacha20poly1305_state s;
};

StreamSealer::StreamSealer() : state_(std::make_unique<State>()) {}
StreamSealer::~StreamSealer() { sodium_memzero(state_.get(), sizeof(State)); }
StreamOpener::StreamOpener() : state_(std::make_unique<State>()) {}
StreamOpener::~StreamOpener() { sodium_memzero(state_.get(), sizeof(State)); }

common::Result<std::unique_ptr<StreamSealer>> StreamSealer::Start(std::span<const uint8_t> key) {
  EnsureSodium();
  if (key.size() != kStreamKeyBytes) {
    return common::InvalidArgument("a stream key has 32 bytes");
  }
  std::unique_ptr<StreamSealer> out(new StreamSealer());
  out->header_.resize(kStreamHeaderBytes);
  crypto_secretstream_xchacha20poly1305_init_push(
      &out->state_->s, reinterpret_cast<unsigned char*>(out->header_.data()), key.data());
  return out;
}

std::string StreamSealer::Push(std::string_view message, std::string_view ad, bool final) {
  std::string out(message.size() + kStreamOverheadBytes, '\0');
  unsigned long long n = 0;
  crypto_secretstream_xchacha20poly1305_push(
      &state_->s, reinterpret_cast<unsigned char*>(out.data()), &n, Bytes(message),
      message.size(), ad.empty() ? nullptr : Bytes(ad), ad.size(),
      final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
            : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  out.resize(n);
  return out;
}

common::Result<std::unique_ptr<StreamOpener>> StreamOpener::Start(std::span<const uint8_t> key,
                                                                  std::string_view header) {
  EnsureSodium();
  if (key.size() != kStreamKeyBytes || header.size() != kStreamHeaderBytes) {
    return common::InvalidArgument("a stream key has 32 bytes and a header 24");
  }
  std::unique_ptr<StreamOpener> out(new StreamOpener());
  if (crypto_secretstream_xchacha20poly1305_init_pull(&out->state_->s, Bytes(header),
                                                      key.data()) != 0) {
    return common::DataLoss("the stream header is invalid");
  }
  return out;
}

common::Result<std::string> StreamOpener::Pull(std::string_view sealed, std::string_view ad,
                                               bool* final) {
  if (sealed.size() < kStreamOverheadBytes) return common::DataLoss("a message is cut short");
  std::string out(sealed.size() - kStreamOverheadBytes, '\0');
  unsigned long long n = 0;
  unsigned char tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(
          &state_->s, reinterpret_cast<unsigned char*>(out.data()), &n, &tag, Bytes(sealed),
          sealed.size(), ad.empty() ? nullptr : Bytes(ad), ad.size()) != 0) {
    return common::DataLoss("a message does not authenticate (wrong key, or changed)");
  }
  out.resize(n);
  *final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  return out;
}

common::Result<SecretBytes> KeyFromPassphrase(std::string_view passphrase,
                                              std::span<const uint8_t> salt) {
  EnsureSodium();
  if (salt.size() != kPassphraseSaltBytes) return common::InvalidArgument("a salt has 16 bytes");
  if (passphrase.size() < 12) {
    return common::InvalidArgument("a backup passphrase needs at least 12 characters");
  }
  SecretBytes key(kStreamKeyBytes);
  if (crypto_pwhash(key.data(), key.size(), passphrase.data(), passphrase.size(), salt.data(),
                    crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return common::ResourceExhausted("not enough memory to derive the key from the passphrase");
  }
  return key;
}

}  // namespace verbind::crypto
