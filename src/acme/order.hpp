// SPDX-License-Identifier: Apache-2.0
// ACME orders (RFC 8555 §7.1.3, §7.4): create, fetch, finalize.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acme/client.hpp"
#include "certkeep/error.hpp"
#include "certkeep/result.hpp"

namespace certkeep::acme {

inline constexpr std::size_t kMaxIdentifiers = 100;

enum class OrderStatus { Pending, Ready, Processing, Valid, Invalid };
std::string_view to_string(OrderStatus status) noexcept;

struct Order {
  std::string url;
  OrderStatus status = OrderStatus::Pending;
  std::vector<std::string> identifiers;  // DNS names and IP addresses (canonical), in the CA's order
  std::vector<std::string> authorizations;
  std::string finalize;
  std::string certificate;  // set once valid
  std::optional<Problem> error;
};

// Parses an order object; every URL in it is checked with client.check_url when a client is
// given. Errc::Protocol naming the field on anything malformed or an unknown status.
Result<Order> parse_order(std::string_view body, std::string url, const Client* client);

struct NewOrderRequest {
  std::vector<std::string> names;
  std::string replaces;  // RFC 9773 §5: ARI CertID of the certificate this order replaces
  std::string profile;   // ACME profiles draft; only sent when the CA advertises it
};

// POST newOrder. Verifies that the CA's identifiers are exactly the requested names (§7.4).
Result<Order> new_order(Client& client, const NewOrderRequest& request);
Result<Order> fetch_order(Client& client, const std::string& url);
// POST {"csr": base64url(DER)} to the order's finalize URL (§7.4).
Result<Order> finalize_order(Client& client, const Order& order, std::string_view csr_der);

}  // namespace certkeep::acme
