// OpenSSL helpers private to crypto/: owning pointers, PEM parsing, error text.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace verbind::crypto::internal {

struct BioFree {
  void operator()(BIO* b) const { BIO_free_all(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* c) const { X509_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

// An Internal status naming `what` and OpenSSL's queued error text (the queue is cleared).
common::Status OpenSslError(const std::string& what);
std::string BioToString(BIO* bio);
common::Result<X509Ptr> ParseCertificatePem(std::string_view pem);
common::Result<PkeyPtr> ParsePrivateKeyPem(std::string_view pem);
// Lower-case hex SHA-256 of the certificate's DER encoding.
std::string FingerprintOf(X509* cert);

}  // namespace verbind::crypto::internal
