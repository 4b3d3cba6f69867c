#include "crypto/certificate.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>

#include "common/encoding.h"
#include "crypto/internal/openssl_util.h"

namespace verbind::crypto {

using common::Result;
using common::Status;
using internal::BioPtr;
using internal::OpenSslError;
using internal::PkeyPtr;
using internal::X509Ptr;

namespace {

Status AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return OpenSslError("certificate extension " + value);
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok ? Status::Ok() : OpenSslError("adding certificate extension");
}

Status SetSubject(X509* cert, const CertificateRequest& req) {
  X509_NAME* name = X509_get_subject_name(cert);
  auto add = [&](const char* field, const std::string& v) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(v.c_str()), -1, -1,
                                      0) == 1;
  };
  if (!add("CN", req.org_id) || (!req.org_name.empty() && !add("O", req.org_name))) {
    return OpenSslError("certificate subject");
  }
  return X509_set_issuer_name(cert, name) == 1 ? Status::Ok() : OpenSslError("issuer");
}

std::string SubjectAltNames(const CertificateRequest& req) {
  std::string san;
  for (const auto& d : req.dns) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& ip : req.ips) san += (san.empty() ? "IP:" : ",IP:") + ip;
  return san;
}

Status BuildCertificate(X509* cert, EVP_PKEY* key, const CertificateRequest& req) {
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return OpenSslError("serial");
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  bool ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
  if (!ok || X509_set_version(cert, 2) != 1) return OpenSslError("serial");
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), int64_t{req.validity_days} * 86400);
  if (X509_set_pubkey(cert, key) != 1) return OpenSslError("public key");
  RETURN_IF_ERROR(SetSubject(cert, req));
  RETURN_IF_ERROR(AddExtension(cert, NID_basic_constraints, "critical,CA:FALSE"));
  RETURN_IF_ERROR(AddExtension(cert, NID_key_usage, "critical,digitalSignature"));
  RETURN_IF_ERROR(AddExtension(cert, NID_ext_key_usage, "serverAuth,clientAuth"));
  RETURN_IF_ERROR(AddExtension(cert, NID_subject_key_identifier, "hash"));
  std::string san = SubjectAltNames(req);
  if (!san.empty()) RETURN_IF_ERROR(AddExtension(cert, NID_subject_alt_name, san));
  if (X509_sign(cert, key, EVP_sha256()) <= 0) return OpenSslError("signing certificate");
  return Status::Ok();
}

int64_t Asn1TimeToMillis(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::string NameEntry(X509_NAME* name, int nid) {
  int idx = X509_NAME_get_index_by_NID(name, nid, -1);
  if (idx < 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

Result<TlsKeyAndCertificate> GenerateSelfSignedCertificate(const CertificateRequest& req) {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return OpenSslError("generating P-256 key");
  X509Ptr cert(X509_new());
  if (!cert) return OpenSslError("allocating certificate");
  RETURN_IF_ERROR(BuildCertificate(cert.get(), key.get(), req));
  TlsKeyAndCertificate out;
  BioPtr kb(BIO_new(BIO_s_mem())), cb(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) ||
      !PEM_write_bio_X509(cb.get(), cert.get())) {
    return OpenSslError("writing PEM");
  }
  out.key_pem = internal::BioToString(kb.get());
  out.cert_pem = internal::BioToString(cb.get());
  return out;
}

Result<CertificateInfo> InspectCertificate(std::string_view cert_pem) {
  ASSIGN_OR_RETURN(X509Ptr cert, internal::ParseCertificatePem(cert_pem));
  CertificateInfo info;
  info.fingerprint = internal::FingerprintOf(cert.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  info.subject_cn = NameEntry(subject, NID_commonName);
  info.subject_o = NameEntry(subject, NID_organizationName);
  info.not_before_ms = Asn1TimeToMillis(X509_get0_notBefore(cert.get()));
  info.not_after_ms = Asn1TimeToMillis(X509_get0_notAfter(cert.get()));
  return info;
}

Status CheckKeyMatchesCertificate(std::string_view key_pem, std::string_view cert_pem) {
  ASSIGN_OR_RETURN(X509Ptr cert, internal::ParseCertificatePem(cert_pem));
  ASSIGN_OR_RETURN(PkeyPtr key, internal::ParsePrivateKeyPem(key_pem));
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return common::InvalidArgument("the TLS private key does not belong to the certificate");
  }
  return Status::Ok();
}

}  // namespace verbind::crypto
