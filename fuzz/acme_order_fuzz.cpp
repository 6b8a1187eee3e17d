// SPDX-License-Identifier: Apache-2.0
// ACME order objects (RFC 8555 §7.1.3) from newOrder, fetch and finalize: parse_order, with
// and without the origin check of every URL in it.
#include <cstdint>

#include "acme/order.hpp"
#include "fuzz_check.hpp"
#include "fuzz_client.hpp"

using namespace certkeep;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = fuzz::as_text(data, size);
  const acme::Client& client = fuzz::inert_client();

  auto unchecked = acme::parse_order(body, "https://ca.example:14000/my-order/1", nullptr);
  auto checked = acme::parse_order(body, "https://ca.example:14000/my-order/1", &client);
  if (checked) FUZZ_CHECK(unchecked.has_value(), "an order that passes the URL checks parses without them");
  if (!unchecked) {
    FUZZ_CHECK(unchecked.error().code() == Errc::Protocol, "a bad order is Errc::Protocol");
    FUZZ_CHECK_BUG("raw-ca-text", fuzz::terminal_safe(unchecked.error().to_string()),
                   "the error the CLI prints escapes the CA's control characters");
    FUZZ_CHECK(!checked, "no client makes a bad order good");
    return 0;
  }
  const acme::Order& order = *unchecked;
  FUZZ_CHECK(order.url == "https://ca.example:14000/my-order/1", "the order keeps its URL");
  FUZZ_CHECK(order.identifiers.size() <= acme::kMaxIdentifiers, "identifiers are bounded");
  FUZZ_CHECK(order.authorizations.size() <= acme::kMaxIdentifiers, "authorizations are bounded");
  const std::string_view status = acme::to_string(order.status);
  FUZZ_CHECK(status == "pending" || status == "ready" || status == "processing" || status == "valid" ||
                 status == "invalid",
             "the status is one of RFC 8555's");
  if (order.error) FUZZ_CHECK(order.error->subproblems.size() <= 100, "subproblems are bounded");

  if (checked) {
    // Every URL the client may follow is https on the directory's origin.
    const std::string origin = acme::url_origin(fuzz::kDirectoryUrl);
    FUZZ_CHECK(acme::url_origin(checked->finalize) == origin, "finalize is on the CA's origin");
    for (const std::string& url : checked->authorizations)
      FUZZ_CHECK(acme::url_origin(url) == origin, "authorizations are on the CA's origin");
    if (!checked->certificate.empty())
      FUZZ_CHECK(acme::url_origin(checked->certificate) == origin, "certificate is on the CA's origin");
    FUZZ_CHECK(checked->identifiers == order.identifiers && checked->status == order.status,
               "the client changes nothing but the verdict");
  } else {
    FUZZ_CHECK(checked.error().code() == Errc::Protocol, "a foreign URL is Errc::Protocol");
    FUZZ_CHECK(fuzz::terminal_safe(checked.error().to_string()), "a refused URL is shown escaped");
  }
  return 0;
}
