// SPDX-License-Identifier: Apache-2.0
#include "acme/order.hpp"

#include <algorithm>
#include <set>

#include "acme/identifier.hpp"
#include "acme/json.hpp"
#include "acme/problem.hpp"
#include "core/base64url.hpp"
#include "core/result_macros.hpp"

namespace certkeep::acme {

namespace {

constexpr std::string_view kOrderObject = "order";

Result<OrderStatus> parse_order_status(const std::string& text) {
  if (text == "pending") return OrderStatus::Pending;
  if (text == "ready") return OrderStatus::Ready;
  if (text == "processing") return OrderStatus::Processing;
  if (text == "valid") return OrderStatus::Valid;
  if (text == "invalid") return OrderStatus::Invalid;
  return fail(Errc::Protocol,
              "malformed response from CA: order: unknown status \"" + text.substr(0, 32) + "\"");
}

Result<std::vector<std::string>> parse_identifiers(const rapidjson::Value& document) {
  const rapidjson::Value* identifiers = optional_member(document, "identifiers");
  if (identifiers == nullptr || !identifiers->IsArray())
    return fail(Errc::Protocol, "malformed response from CA: order: \"identifiers\" is not an array");
  if (identifiers->Size() > kMaxIdentifiers)
    return fail(Errc::Protocol, "malformed response from CA: order: too many identifiers");
  std::vector<std::string> values;
  for (const auto& identifier : identifiers->GetArray())
    values.push_back(CERTKEEP_TRY(parse_identifier(identifier, kOrderObject)));
  return values;
}

std::string identifiers_payload(const std::vector<std::string>& names) {
  std::string out = "[";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    out += identifier_json(names[i]);  // "ip" for an address (RFC 8738 §3)
  }
  return out + "]";
}

// `url` is the order's own; `from` the request that answered (new-order, finalize).
Result<Order> order_from_response(Client& client, const AcmeResponse& response, std::string url,
                                  std::string_view from) {
  return parse_json_answer(response, from, kOrderObject,
                           [&] { return parse_order(response.body, url, &client); });
}

}  // namespace

std::string_view to_string(OrderStatus status) noexcept {
  switch (status) {
    case OrderStatus::Pending: return "pending";
    case OrderStatus::Ready: return "ready";
    case OrderStatus::Processing: return "processing";
    case OrderStatus::Valid: return "valid";
    case OrderStatus::Invalid: return "invalid";
  }
  return "invalid";
}

Result<Order> parse_order(std::string_view body, std::string url, const Client* client) {
  rapidjson::Document document = CERTKEEP_TRY(parse_json_object(body, kOrderObject));
  Order order;
  order.url = std::move(url);
  order.status =
      CERTKEEP_TRY(parse_order_status(CERTKEEP_TRY(required_string(document, "status", kOrderObject))));
  order.identifiers = CERTKEEP_TRY(parse_identifiers(document));
  order.authorizations =
      CERTKEEP_TRY(required_string_array(document, "authorizations", kOrderObject, kMaxIdentifiers));
  order.finalize = CERTKEEP_TRY(required_string(document, "finalize", kOrderObject));
  order.certificate = optional_string(document, "certificate").value_or("");
  if (const rapidjson::Value* error = optional_member(document, "error"); error && error->IsObject())
    order.error = problem_from_json(*error, 0);
  if (client != nullptr) {
    CERTKEEP_TRY(client->check_url(order.finalize));
    for (const std::string& authorization : order.authorizations)
      CERTKEEP_TRY(client->check_url(authorization));
    if (!order.certificate.empty()) CERTKEEP_TRY(client->check_url(order.certificate));
  }
  return order;
}

Result<Order> new_order(Client& client, const NewOrderRequest& request) {
  if (request.names.empty() || request.names.size() > kMaxIdentifiers)
    return fail(Errc::InvalidArgument, "new-order: between 1 and 100 names are required");
  std::string payload = "{\"identifiers\":" + identifiers_payload(request.names);
  if (!request.replaces.empty()) payload += ",\"replaces\":" + json_quote(request.replaces);
  if (!request.profile.empty()) payload += ",\"profile\":" + json_quote(request.profile);
  payload += "}";

  auto response = client.post(client.directory().new_order, payload);
  if (!response) return fail(std::move(response).error().with_context("new-order"));
  if (response->location.empty())
    return fail(Errc::Protocol, "malformed response from CA: new-order: no Location header");
  Order order =
      CERTKEEP_TRY(order_from_response(client, *response, response->location, client.directory().new_order));

  // RFC 8555 §7.4: the order must be for exactly what we asked.
  std::set<std::string> asked(request.names.begin(), request.names.end());
  std::set<std::string> got(order.identifiers.begin(), order.identifiers.end());
  if (asked != got || got.size() != order.identifiers.size())
    return fail(Errc::Protocol, "new-order: the CA's order identifiers differ from the requested names");
  if (order.authorizations.empty() && order.status == OrderStatus::Pending)
    return fail(Errc::Protocol,
                "malformed response from CA: new-order: pending order without authorizations");
  return order;
}

Result<Order> fetch_order(Client& client, const std::string& url) {
  auto response = client.post_as_get(url);
  if (!response) return fail(std::move(response).error().with_context("fetch order"));
  return order_from_response(client, *response, url, url);
}

Result<Order> finalize_order(Client& client, const Order& order, std::string_view csr_der) {
  std::string payload = "{\"csr\":\"" + core::base64url_encode(csr_der) + "\"}";
  auto response = client.post(order.finalize, payload);
  if (!response) return fail(std::move(response).error().with_context("finalize"));
  return order_from_response(client, *response, order.url, order.finalize);
}

}  // namespace certkeep::acme
