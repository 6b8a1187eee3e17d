// SPDX-License-Identifier: Apache-2.0
// The libcurl transport against a real HTTPS server on 127.0.0.1: keep-alive, the body cap,
// timeouts, trust, and the refusals (http://, redirects).
#include <catch2/catch.hpp>

#include <httplib.h>

#include <fstream>
#include <thread>

#include "http/curl_transport.hpp"
#include "support/loopback_https_server.hpp"

using namespace certkeep;
using namespace certkeep::http;

namespace {

std::unique_ptr<Transport> transport_trusting(const testing::LoopbackHttpsServer& server,
                                              std::chrono::seconds timeout = std::chrono::seconds(10)) {
  CurlOptions options;
  options.ca_bundle = server.ca_file();
  options.request_timeout = timeout;
  return make_curl_transport(options).value();
}

void echo(const httplib::Request& request, httplib::Response& response) {
  response.set_header("Replay-Nonce", "nonce-" + request.path);
  response.set_header("Link", "<https://x/1>;rel=\"alternate\"");
  response.set_header("Link", "<https://x/2>;rel=\"alternate\"");
  response.set_content(request.method + " " + request.path + " " + request.get_header_value("Content-Type") +
                           " " + request.body,
                       "text/plain");
}

}  // namespace

TEST_CASE("curl transport: GET, POST and HEAD with headers both ways", "[http][curl][loopback]") {
  testing::LoopbackHttpsServer server(echo);
  auto transport = transport_trusting(server);

  Request post;
  post.method = "POST";
  post.url = server.url("/acme/new-order");
  post.headers.add("Content-Type", "application/jose+json");
  post.body = R"({"protected":"x"})";
  auto posted = transport->send(post);
  REQUIRE(posted);
  CHECK(posted->status == 200);
  CHECK(posted->body == R"(POST /acme/new-order application/jose+json {"protected":"x"})");
  CHECK(posted->headers.get("replay-nonce") == std::optional<std::string_view>("nonce-/acme/new-order"));
  CHECK(posted->headers.get_all("Link").size() == 2);

  Request get;
  get.url = server.url("/dir");
  auto got = transport->send(get);
  REQUIRE(got);
  CHECK(got->body.starts_with("GET /dir"));

  Request head;
  head.method = "HEAD";
  head.url = server.url("/new-nonce");
  auto headed = transport->send(head);
  REQUIRE(headed);
  CHECK(headed->body.empty());
  CHECK(headed->headers.get("Replay-Nonce") == std::optional<std::string_view>("nonce-/new-nonce"));
}

TEST_CASE("curl transport: one TLS connection serves a whole flow", "[http][curl][loopback]") {
  testing::LoopbackHttpsServer server(echo);
  auto transport = transport_trusting(server);
  for (int i = 0; i < 5; ++i) {
    Request request;
    request.method = i % 2 ? "POST" : "GET";
    request.url = server.url("/r" + std::to_string(i));
    REQUIRE(transport->send(request));
  }
  CHECK(transport->stats().requests == 5);
  CHECK(transport->stats().connections_opened == 1);
}

TEST_CASE("curl transport: the body cap holds for a chunked body of unknown length", "[http][curl][loopback]") {
  testing::LoopbackHttpsServer server([](const httplib::Request&, httplib::Response& response) {
    response.set_chunked_content_provider("application/json", [](std::size_t offset, httplib::DataSink& sink) {
      std::string chunk(4096, 'x');
      sink.write(chunk.data(), chunk.size());
      if (offset > 1024 * 1024) sink.done();
      return true;
    });
  });
  auto transport = transport_trusting(server);
  Request request;
  request.url = server.url("/huge");
  request.max_body_bytes = 10 * 1024;
  auto response = transport->send(request);
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == Errc::Protocol);
  CHECK(response.error().message().find("exceeds 10240 bytes") != std::string::npos);
}

TEST_CASE("curl transport: a server that does not answer in time is a timeout", "[http][curl][loopback]") {
  testing::LoopbackHttpsServer server([](const httplib::Request&, httplib::Response& response) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    response.set_content("late", "text/plain");
  });
  auto transport = transport_trusting(server, std::chrono::seconds(1));
  Request request;
  request.url = server.url("/slow");
  auto response = transport->send(request);
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == Errc::Timeout);
  CHECK(response.error().message().find("/slow") != std::string::npos);
}

TEST_CASE("curl transport: an untrusted server certificate is refused", "[http][curl][loopback][security]") {
  testing::LoopbackHttpsServer server(echo);
  auto transport = make_curl_transport(CurlOptions{}).value();  // system roots only
  Request request;
  request.url = server.url("/dir");
  auto response = transport->send(request);
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == Errc::Network);
}

TEST_CASE("curl transport: http:// is refused and redirects are not followed", "[http][curl][loopback][security]") {
  testing::LoopbackHttpsServer server([](const httplib::Request& request, httplib::Response& response) {
    if (request.path == "/moved") response.set_redirect("/elsewhere");
    else response.set_content("followed", "text/plain");
  });
  auto transport = transport_trusting(server);
  Request plain;
  plain.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/dir";
  auto refused = transport->send(plain);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Errc::InvalidArgument);

  Request moved;
  moved.url = server.url("/moved");
  auto response = transport->send(moved);
  REQUIRE(response);
  CHECK(response->status == 302);
  CHECK(response->body != "followed");
}

TEST_CASE("curl transport: an unreadable or empty CA bundle is a usage error", "[http][curl]") {
  CurlOptions missing;
  missing.ca_bundle = "/nonexistent/ca.pem";
  auto transport = make_curl_transport(missing);
  REQUIRE_FALSE(transport);
  CHECK(transport.error().code() == Errc::InvalidArgument);

  const auto empty = std::filesystem::temp_directory_path() / "certkeep-empty-bundle.pem";
  std::ofstream(empty) << "not a certificate\n";
  CurlOptions garbage;
  garbage.ca_bundle = empty;
  auto refused = make_curl_transport(garbage);
  std::filesystem::remove(empty);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Errc::InvalidArgument);
}
