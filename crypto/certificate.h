// X.509 certificates for the peer listener: self-signed generation, fingerprints, inspection.
// A peer is pinned by the SHA-256 fingerprint of its leaf certificate's DER encoding.
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace verbind::crypto {

struct CertificateRequest {
  std::string org_id;             // becomes the subject CN
  std::string org_name;           // becomes the subject O
  std::vector<std::string> dns;   // subjectAltName DNS entries
  std::vector<std::string> ips;   // subjectAltName IP entries
  int validity_days = 825;
};

struct TlsKeyAndCertificate {
  std::string key_pem;   // PKCS#8 ECDSA P-256 private key
  std::string cert_pem;  // self-signed X.509 v3 certificate
};

// A new P-256 key and a self-signed certificate for client and server authentication.
common::Result<TlsKeyAndCertificate> GenerateSelfSignedCertificate(const CertificateRequest& req);

struct CertificateInfo {
  std::string fingerprint;  // lower-case hex SHA-256 of the DER encoding
  std::string subject_cn;
  std::string subject_o;
  int64_t not_before_ms = 0;
  int64_t not_after_ms = 0;
};

// Parses the first certificate of a PEM text.
common::Result<CertificateInfo> InspectCertificate(std::string_view cert_pem);
// Succeeds when the PEM private key belongs to the first certificate of `cert_pem`.
common::Status CheckKeyMatchesCertificate(std::string_view key_pem, std::string_view cert_pem);

}  // namespace verbind::crypto
