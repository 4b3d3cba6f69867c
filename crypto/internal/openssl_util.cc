#include "crypto/internal/openssl_util.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "common/encoding.h"
#include "crypto/hash.h"

namespace verbind::crypto::internal {

common::Status OpenSslError(const std::string& what) {
  std::string detail;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!detail.empty()) detail += "; ";
    detail += buf;
  }
  return common::InvalidArgument(what + (detail.empty() ? "" : ": " + detail));
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

common::Result<X509Ptr> ParseCertificatePem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return OpenSslError("not a PEM certificate");
  return cert;
}

common::Result<PkeyPtr> ParsePrivateKeyPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return OpenSslError("not a PEM private key");
  return key;
}

std::string FingerprintOf(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  if (len <= 0) return "";
  std::string fp = Sha256Hex(std::string_view(reinterpret_cast<char*>(der), len));
  OPENSSL_free(der);
  return fp;
}

}  // namespace verbind::crypto::internal
