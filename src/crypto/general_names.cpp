// SPDX-License-Identifier: Apache-2.0
#include "crypto/general_names.hpp"

#include <arpa/inet.h>
#include <array>

#include "crypto/openssl_util.hpp"

namespace certkeep::crypto {

namespace {

bool is_printable_ascii(const std::string& name) {
  for (char c : name)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

// A literal address as the octets of an iPAddress entry; null for anything else.
Asn1OctetStringPtr parse_ip_address(const std::string& name) {
  std::array<unsigned char, 16> octets{};
  int length = 0;
  if (inet_pton(AF_INET, name.c_str(), octets.data()) == 1) {
    length = 4;
  } else if (inet_pton(AF_INET6, name.c_str(), octets.data()) == 1) {
    length = 16;
  } else {
    return nullptr;
  }
  Asn1OctetStringPtr address(ASN1_OCTET_STRING_new());
  if (address && ASN1_OCTET_STRING_set(address.get(), octets.data(), length) != 1) return nullptr;
  return address;
}

Result<GeneralNamePtr> make_entry(const std::string& name, IpNames ip_names) {
  GeneralNamePtr entry(GENERAL_NAME_new());
  if (!entry) return fail(openssl_error(Errc::Crypto, "subjectAltName entry"));
  if (ip_names == IpNames::AsIpAddresses) {
    if (Asn1OctetStringPtr address = parse_ip_address(name)) {
      GENERAL_NAME_set0_value(entry.get(), GEN_IPADD, address.release());
      return entry;
    }
  }
  Asn1StringPtr dns(ASN1_IA5STRING_new());
  if (!dns || ASN1_STRING_set(dns.get(), name.data(), static_cast<int>(name.size())) != 1)
    return fail(openssl_error(Errc::Crypto, "subjectAltName dNSName"));
  GENERAL_NAME_set0_value(entry.get(), GEN_DNS, dns.release());
  return entry;
}

}  // namespace

std::string ip_address_text(const ASN1_OCTET_STRING* address) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  int length = ASN1_STRING_length(address);
  const unsigned char* octets = ASN1_STRING_get0_data(address);
  int family = length == 4 ? AF_INET : length == 16 ? AF_INET6 : AF_UNSPEC;
  if (family == AF_UNSPEC || inet_ntop(family, octets, text.data(), text.size()) == nullptr) return {};
  return std::string(text.data());
}

Result<X509ExtensionPtr> make_subject_alt_name(const std::vector<std::string>& names, IpNames ip_names,
                                               bool critical) {
  if (names.empty()) return fail(Errc::InvalidArgument, "no names for subjectAltName");
  GeneralNamesPtr entries(GENERAL_NAMES_new());
  if (!entries) return fail(openssl_error(Errc::Crypto, "subjectAltName"));
  for (const std::string& name : names) {
    if (name.empty() || !is_printable_ascii(name))
      return fail(Errc::InvalidArgument, "a name is empty or not printable ASCII");
    auto entry = make_entry(name, ip_names);
    if (!entry) return fail(std::move(entry).error());
    if (sk_GENERAL_NAME_push(entries.get(), entry->get()) <= 0)
      return fail(openssl_error(Errc::Crypto, "subjectAltName"));
    entry->release();  // now owned by `entries`
  }
  X509ExtensionPtr extension(X509V3_EXT_i2d(NID_subject_alt_name, critical ? 1 : 0, entries.get()));
  if (!extension) return fail(openssl_error(Errc::Crypto, "encode subjectAltName"));
  return extension;
}

Result<X509NamePtr> make_subject(const std::string& name) {
  X509NamePtr subject(X509_NAME_new());
  if (!subject) return fail(openssl_error(Errc::Crypto, "subject name"));
  if (!name.empty() && name.size() <= kMaxCommonNameLength &&
      X509_NAME_add_entry_by_NID(subject.get(), NID_commonName, MBSTRING_UTF8, as_bytes(name),
                                 static_cast<int>(name.size()), -1, 0) != 1)
    return fail(openssl_error(Errc::Crypto, "subject commonName"));
  return subject;
}

Result<std::vector<std::string>> names_from_subject_alt_name(const GENERAL_NAMES* names) {
  std::vector<std::string> result;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* entry = sk_GENERAL_NAME_value(names, i);
    if (entry->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = entry->d.dNSName;
      result.emplace_back(as_chars(ASN1_STRING_get0_data(dns), ASN1_STRING_length(dns)));
    } else if (entry->type == GEN_IPADD) {
      std::string text = ip_address_text(entry->d.iPAddress);
      if (text.empty()) return fail(Errc::InvalidArgument, "malformed iPAddress in subjectAltName");
      result.push_back(std::move(text));
    } else {
      return fail(Errc::InvalidArgument,
                  "unsupported subjectAltName entry type " + std::to_string(entry->type));
    }
  }
  return result;
}

}  // namespace certkeep::crypto
