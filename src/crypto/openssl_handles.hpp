// SPDX-License-Identifier: Apache-2.0
// unique_ptr owners for every OpenSSL handle certkeep touches, so no OpenSSL object is ever
// held by a raw owning pointer. Included by crypto/*.cpp and deploy/tls_swap.cpp only.
#pragma once

#include <memory>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace certkeep::crypto {

// Calls OpenSSL's free function `Free` on the pointer; a null pointer is never passed on.
template <auto Free>
struct OpenSslDeleter {
  template <class T>
  void operator()(T* pointer) const noexcept {
    if (pointer != nullptr) Free(pointer);
  }
};

template <class T, auto Free>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter<Free>>;

using EvpPkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using EvpPkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpMdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using BignumPtr = OpenSslPtr<BIGNUM, BN_free>;
using X509Ptr = OpenSslPtr<X509, X509_free>;
using X509ReqPtr = OpenSslPtr<X509_REQ, X509_REQ_free>;
using X509NamePtr = OpenSslPtr<X509_NAME, X509_NAME_free>;
using X509ExtensionPtr = OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using X509StorePtr = OpenSslPtr<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using Asn1IntegerPtr = OpenSslPtr<ASN1_INTEGER, ASN1_INTEGER_free>;
using Asn1OctetStringPtr = OpenSslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using Asn1StringPtr = OpenSslPtr<ASN1_STRING, ASN1_STRING_free>;
using EcdsaSigPtr = OpenSslPtr<ECDSA_SIG, ECDSA_SIG_free>;
using GeneralNamePtr = OpenSslPtr<GENERAL_NAME, GENERAL_NAME_free>;
using GeneralNamesPtr = OpenSslPtr<GENERAL_NAMES, GENERAL_NAMES_free>;

// Stacks own their elements: the deleter frees each element, then the stack.
namespace detail {
inline void free_x509_stack(STACK_OF(X509) * stack) { sk_X509_pop_free(stack, X509_free); }
inline void free_extension_stack(STACK_OF(X509_EXTENSION) * stack) {
  sk_X509_EXTENSION_pop_free(stack, X509_EXTENSION_free);
}
}  // namespace detail

using X509StackPtr = OpenSslPtr<STACK_OF(X509), detail::free_x509_stack>;
using X509ExtensionStackPtr = OpenSslPtr<STACK_OF(X509_EXTENSION), detail::free_extension_stack>;

// Memory that OpenSSL allocated for us (i2d_* output, BN_bn2hex, ASN1_STRING_to_UTF8).
struct OpenSslFree {
  void operator()(void* pointer) const noexcept { OPENSSL_free(pointer); }
};
using OpenSslBytesPtr = std::unique_ptr<unsigned char, OpenSslFree>;
using OpenSslCharsPtr = std::unique_ptr<char, OpenSslFree>;

}  // namespace certkeep::crypto
