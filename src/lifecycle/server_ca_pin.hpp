// SPDX-License-Identifier: Apache-2.0
// Pinning the ACME server by its CA's checksum (--server-ca-checksum, a Manager option): every
// connection to the CA fails unless its verified TLS chain ends in the CA with that checksum,
// and the error names both checksums. Also how `ca checksum --server URL` finds that CA.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "certkeep/result.hpp"
#include "http/transport.hpp"

namespace certkeep::lifecycle {

// The CURL transport for a lineage's CA: its --ca-bundle roots added to the system's, and the
// pin enforced when `server_ca_checksum` is set. Errc::InvalidArgument for a bad bundle or a
// checksum that is not 64 hex digits.
Result<std::unique_ptr<http::Transport>> make_ca_transport(const std::filesystem::path& ca_bundle,
                                                           const std::string& server_ca_checksum);

// `text` lowercased when it is 64 hex digits; Errc::InvalidArgument naming --server-ca-checksum.
Result<std::string> check_server_ca_checksum(const std::string& text);

// The checksum of a CA certificate's PEM text as Rancher compares it (crypto/ca_checksum.hpp),
// and the kubeconfig certificate-authority-data of the same bytes.
std::string ca_checksum_of(std::string_view pem_text);
std::string kubeconfig_data_of(std::string_view pem_text);

// The last certificate of a chain (the CA it ends in), re-encoded; "" for none.
std::string last_chain_certificate(std::string_view chain_pem);
// The checksum (`ca checksum`) of the last certificate of a chain: the CA it ends in. "" for none.
std::string chain_root_checksum(std::string_view chain_pem);
// "CN (sha256 HEX)" of that certificate, for events and logs. "" for none.
std::string describe_chain_root(std::string_view chain_pem);

// The PEM of the CA certificate the verified TLS chain of `url` ends in (one GET), trusting the
// system roots and `ca_bundle`.
Result<std::string> server_ca_certificate(const std::string& url, const std::filesystem::path& ca_bundle);

}  // namespace certkeep::lifecycle
