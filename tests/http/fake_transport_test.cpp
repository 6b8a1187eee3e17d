// SPDX-License-Identifier: Apache-2.0
// FakeTransport (tests/support): the scripted transport other modules' tests rely on.
#include <catch2/catch.hpp>

#include "support/fake_transport.hpp"

using namespace certkeep;
using certkeep::testing::FakeTransport;

namespace {

http::Request request_to(std::string url, std::string method = "GET") {
  http::Request request;
  request.method = std::move(method);
  request.url = std::move(url);
  return request;
}

}  // namespace

TEST_CASE("fake transport: queued replies are served in order and requests recorded", "[http][fake]") {
  FakeTransport transport;
  transport.push_response(200, "first", {{"Replay-Nonce", "n1"}});
  transport.push_error(Errc::Network, "connection reset");
  transport.push_response(201, "third");
  CHECK(transport.pending() == 3);

  auto first = transport.send(request_to("https://ca/dir"));
  REQUIRE(first);
  CHECK(first->status == 200);
  CHECK(first->body == "first");
  CHECK(first->headers.get("replay-nonce") == std::optional<std::string_view>("n1"));

  http::Request post = request_to("https://ca/new-order", "POST");
  post.body = "jws";
  auto second = transport.send(post);
  REQUIRE_FALSE(second);
  CHECK(second.error().code() == Errc::Network);

  auto third = transport.send(request_to("https://ca/order/1"));
  REQUIRE(third);
  CHECK(third->status == 201);
  CHECK(transport.pending() == 0);

  const auto sent = transport.requests();
  REQUIRE(sent.size() == 3);
  CHECK(sent[1].method == "POST");
  CHECK(sent[1].body == "jws");
  CHECK(transport.last_request().url == "https://ca/order/1");
  CHECK(transport.stats().requests == 3);
  CHECK(transport.stats().connections_opened == 2);  // a new one after the reset
}

TEST_CASE("fake transport: a handler answers every request", "[http][fake]") {
  FakeTransport transport([](const http::Request& request) -> Result<http::Response> {
    if (request.url.ends_with("/gone")) return fail(Errc::Timeout, "too slow");
    return FakeTransport::response(200, request.method + " " + request.url);
  });
  transport.push_response(500);  // a handler takes precedence over the queue
  auto answered = transport.send(request_to("https://ca/x", "HEAD"));
  REQUIRE(answered);
  CHECK(answered->body == "HEAD https://ca/x");
  auto timed_out = transport.send(request_to("https://ca/gone"));
  REQUIRE_FALSE(timed_out);
  CHECK(timed_out.error().code() == Errc::Timeout);
  CHECK(transport.pending() == 1);
  CHECK(transport.request_count() == 2);
}

TEST_CASE("fake transport: keeps the transport contract", "[http][fake]") {
  FakeTransport transport;
  auto unscripted = transport.send(request_to("https://ca/dir"));
  REQUIRE_FALSE(unscripted);
  CHECK(unscripted.error().code() == Errc::Internal);
  CHECK(unscripted.error().message().find("https://ca/dir") != std::string::npos);

  transport.push_response(200, "ok");
  auto plain = transport.send(request_to("http://ca/dir"));
  REQUIRE_FALSE(plain);
  CHECK(plain.error().code() == Errc::InvalidArgument);
  CHECK(transport.pending() == 1);  // the reply is still there for the next https request

  transport.push_response(200, std::string(100, 'x'));
  http::Request capped = request_to("https://ca/cert");
  capped.max_body_bytes = 99;
  REQUIRE(transport.send(request_to("https://ca/dir")));
  auto too_big = transport.send(capped);
  REQUIRE_FALSE(too_big);
  CHECK(too_big.error().code() == Errc::Protocol);

  transport.drop_connection();
  transport.push_response(204);
  REQUIRE(transport.send(request_to("https://ca/again")));
  CHECK(transport.stats().connections_opened == 2);
}
