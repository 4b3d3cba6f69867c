#include "crypto/hash.h"

#include <openssl/evp.h>

#include "common/check.h"
#include "common/encoding.h"

namespace verbind::crypto {

namespace {

// Fetched once: an implicit fetch on every digest costs more than hashing a small message.
const EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  CHECK(md != nullptr);
  return md;
}

}  // namespace

Sha256Digest Sha256(std::span<const uint8_t> data) {
  Sha256Digest out;
  unsigned int n = 0;
  CHECK(EVP_Digest(data.data(), data.size(), out.data(), &n, Sha256Md(), nullptr) == 1);
  return out;
}

Sha256Digest Sha256(std::string_view data) { return Sha256(common::AsBytes(data)); }

std::string Sha256Hex(std::string_view data) { return common::HexEncode(Sha256(data)); }

struct Sha256Hasher::Context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(ctx); }
};

Sha256Hasher::Sha256Hasher() : ctx_(std::make_unique<Context>()) {
  CHECK(ctx_->ctx != nullptr);
  CHECK(EVP_DigestInit_ex2(ctx_->ctx, Sha256Md(), nullptr) == 1);
}

Sha256Hasher::~Sha256Hasher() = default;
Sha256Hasher::Sha256Hasher(Sha256Hasher&&) noexcept = default;
Sha256Hasher& Sha256Hasher::operator=(Sha256Hasher&&) noexcept = default;

void Sha256Hasher::Update(std::span<const uint8_t> data) {
  CHECK(EVP_DigestUpdate(ctx_->ctx, data.data(), data.size()) == 1);
}

void Sha256Hasher::Update(std::string_view data) { Update(common::AsBytes(data)); }

Sha256Digest Sha256Hasher::Finish() {
  Sha256Digest out;
  unsigned int n = 0;
  CHECK(EVP_DigestFinal_ex(ctx_->ctx, out.data(), &n) == 1);
  return out;
}

}  // namespace verbind::crypto
