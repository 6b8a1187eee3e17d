// SPDX-License-Identifier: Apache-2.0
#include "crypto/pem.hpp"

#include <array>
#include <cstring>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "crypto/openssl_util.hpp"

namespace certkeep::crypto {

namespace {

// One PEM block as PEM_read_bio hands it out; all three buffers are OpenSSL's to free.
struct PemBlock {
  OpenSslCharsPtr name;
  OpenSslCharsPtr header;
  OpenSslBytesPtr data;
  long length = 0;
};

// OpenSSL 3.0 decodes a certificate's public key through its provider decoders, which costs
// about 0.4 ms per certificate; one renewal reads the same two or three certificates several
// times (split, verify, link check, deploy). Each thread keeps the last few it parsed, keyed by
// their exact DER, and hands out new references to them.
class RecentCertificates {
 public:
  X509Ptr find(std::string_view der) {
    for (Entry& entry : entries_) {
      if (entry.certificate && entry.der == der && X509_up_ref(entry.certificate.get()) == 1)
        return X509Ptr(entry.certificate.get());
    }
    return nullptr;
  }
  void remember(std::string der, X509* certificate) {
    if (X509_up_ref(certificate) != 1) return;
    entries_[next_] = Entry{std::move(der), X509Ptr(certificate)};
    next_ = (next_ + 1) % entries_.size();
  }

 private:
  struct Entry {
    // Read in find(); cppcheck does not follow the range-for over the array.
    // cppcheck-suppress unusedStructMember
    std::string der;
    X509Ptr certificate;
  };
  std::array<Entry, 8> entries_;
  std::size_t next_ = 0;
};

// d2i_X509 of exactly `der`, or the recently parsed certificate with the same bytes.
X509Ptr parse_der_certificate(std::string_view der) {
  thread_local RecentCertificates recent;
  if (X509Ptr known = recent.find(der)) return known;
  const unsigned char* cursor = as_bytes(der);
  X509Ptr certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  if (!certificate || cursor != as_bytes(der) + der.size()) return nullptr;
  recent.remember(std::string(der), certificate.get());
  return certificate;
}

bool reached_end_of_input() {
  unsigned long code = ERR_peek_last_error();
  return ERR_GET_LIB(code) == ERR_LIB_PEM && ERR_GET_REASON(code) == PEM_R_NO_START_LINE;
}

}  // namespace

Result<std::vector<PemCertificate>> read_pem_certificates(std::string_view pem,
                                                          std::size_t max_certificates) {
  BioPtr bio = memory_bio(pem);
  if (!bio) return fail(Errc::Protocol, "PEM bundle is too large");
  clear_openssl_errors();
  std::vector<PemCertificate> certificates;
  for (std::size_t block_number = 1;; ++block_number) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long length = 0;
    int read = PEM_read_bio(bio.get(), &name, &header, &data, &length);
    PemBlock block{OpenSslCharsPtr(name), OpenSslCharsPtr(header), OpenSslBytesPtr(data), length};
    if (read != 1) {
      if (reached_end_of_input()) {
        clear_openssl_errors();
        break;
      }
      return fail(
          openssl_error(Errc::Protocol, "PEM block " + std::to_string(block_number) + " is malformed"));
    }
    if (std::strcmp(block.name.get(), PEM_STRING_X509) != 0) continue;
    if (certificates.size() == max_certificates)
      return fail(Errc::Protocol,
                  "PEM bundle has more than " + std::to_string(max_certificates) + " certificates");
    std::string der(as_chars(block.data.get(), static_cast<int>(block.length)));
    X509Ptr certificate = parse_der_certificate(der);
    if (!certificate) {
      return fail(openssl_error(Errc::Protocol, "PEM certificate " + std::to_string(certificates.size() + 1) +
                                                    " is not a DER certificate"));
    }
    certificates.push_back(PemCertificate{std::move(certificate), std::move(der)});
  }
  if (certificates.empty()) return fail(Errc::Protocol, "no PEM certificate found");
  return certificates;
}

Result<PemCertificate> read_one_certificate(std::string_view pem) {
  auto certificates = read_pem_certificates(pem, 1);
  if (!certificates) return fail(std::move(certificates).error());
  // A subobject of a local is not elided, so the move is what avoids a copy.
  // cppcheck-suppress returnStdMoveLocal
  return std::move(certificates->front());
}

Result<std::string> certificate_pem(std::string_view der) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio(bio.get(), PEM_STRING_X509, "", as_bytes(der), static_cast<long>(der.size())) <= 0)
    return fail(openssl_error(Errc::Crypto, "encode certificate as PEM"));
  return bio_contents(bio.get());
}

}  // namespace certkeep::crypto
