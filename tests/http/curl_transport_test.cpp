// SPDX-License-Identifier: Apache-2.0
// The libcurl transport against a real HTTPS server on 127.0.0.1: requests and headers both
// ways, keep-alive, the body cap, timeouts, trust (refused, added, host checked) and the
// refusals (http://, redirects).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include <httplib.h>

#include "crypto/trust_roots.hpp"
#include "http/curl_transport.hpp"
#include "support/loopback_https_server.hpp"

using namespace certkeep;
using namespace certkeep::http;
using certkeep::testing::LoopbackHttpsServer;
using namespace std::chrono_literals;

namespace {

// What the lifecycle does with --ca-bundle (lifecycle/services.cpp): the roots are added to
// each TLS context the transport makes.
void add_roots(CurlOptions& options, const std::filesystem::path& pem) {
  auto roots = std::make_shared<const crypto::TrustRoots>(crypto::TrustRoots::load(pem).value());
  options.configure_tls_context = [roots](void* ssl_ctx) { return roots->add_to(ssl_ctx); };
}

std::unique_ptr<Transport> transport_trusting(const LoopbackHttpsServer& server, CurlOptions options = {}) {
  add_roots(options, server.ca_file());
  auto transport = make_curl_transport(options);
  REQUIRE(transport);
  return std::move(*transport);
}

Request get(std::string url) {
  Request request;
  request.url = std::move(url);
  return request;
}

bool mentions(const Error& error, std::string_view text) {
  return error.message().find(text) != std::string::npos;
}

// Echoes what the server saw, and sends repeated and mixed-case headers back.
void echo(const httplib::Request& request, httplib::Response& response) {
  response.set_header("Replay-Nonce", "nonce-" + request.path);
  response.set_header("Link", "<https://x/1>;rel=\"alternate\"");
  response.set_header("Link", "<https://x/2>;rel=\"alternate\"");
  response.set_content(request.method + " " + request.path + " [" + request.get_header_value("Content-Type") +
                           "] [" + request.get_header_value("User-Agent") + "] [" +
                           request.get_header_value("X-Test") + "] " + request.body,
                       "text/plain");
}

// Keeps a handler busy until the test has its answer (bounded, so a broken test still ends).
class Gate {
 public:
  void wait() const {
    const auto give_up = std::chrono::steady_clock::now() + 5s;
    while (!open_ && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(10ms);
  }
  bool is_open() const { return open_; }
  void open() { open_ = true; }

 private:
  std::atomic<bool> open_{false};
};

}  // namespace

TEST_CASE("curl transport: GET, POST and HEAD with headers both ways", "[http][curl][loopback]") {
  LoopbackHttpsServer server(echo);
  CurlOptions options;
  options.user_agent = "certkeep-test/1";
  auto transport = transport_trusting(server, options);

  Request post;
  post.method = "POST";
  post.url = server.url("/acme/new-order");
  post.headers.add("Content-Type", "application/jose+json");
  post.headers.add("X-Test", "yes");
  post.body = R"({"protected":"x"})";
  auto posted = transport->send(post);
  REQUIRE(posted);
  CHECK(posted->status == 200);
  CHECK(posted->body ==
        R"(POST /acme/new-order [application/jose+json] [certkeep-test/1] [yes] {"protected":"x"})");
  CHECK(posted->headers.get("replay-nonce") == std::optional<std::string_view>("nonce-/acme/new-order"));
  CHECK(posted->headers.get_all("LINK") == std::vector<std::string_view>{R"(<https://x/1>;rel="alternate")",
                                                                         R"(<https://x/2>;rel="alternate")"});

  // A POST without a Content-Type sends none (not libcurl's form type).
  Request bare_post;
  bare_post.method = "POST";
  bare_post.url = server.url("/bare");
  bare_post.body = "abc";
  auto bare = transport->send(bare_post);
  REQUIRE(bare);
  CHECK(bare->body == "POST /bare [] [certkeep-test/1] [] abc");

  auto got = transport->send(get(server.url("/dir?x=1")));
  REQUIRE(got);
  CHECK(got->body == "GET /dir [] [certkeep-test/1] [] ");

  Request head;
  head.method = "HEAD";
  head.url = server.url("/new-nonce");
  auto headed = transport->send(head);
  REQUIRE(headed);
  CHECK(headed->status == 200);
  CHECK(headed->body.empty());
  CHECK(headed->headers.get("Replay-Nonce") == std::optional<std::string_view>("nonce-/new-nonce"));
  // The headers are those of this response only, not accumulated across requests.
  CHECK(headed->headers.get_all("Replay-Nonce").size() == 1);

  // A GET after a HEAD on the same handle has its body again.
  auto after_head = transport->send(get(server.url("/again")));
  REQUIRE(after_head);
  CHECK(after_head->body.starts_with("GET /again"));
}

TEST_CASE("curl transport: non-2xx statuses are responses, not errors", "[http][curl][loopback]") {
  LoopbackHttpsServer server([](const httplib::Request&, httplib::Response& response) {
    response.status = 429;
    response.set_header("Retry-After", "30");
    response.set_content(R"({"type":"urn:ietf:params:acme:error:rateLimited"})", "application/problem+json");
  });
  auto transport = transport_trusting(server);
  auto response = transport->send(get(server.url("/limited")));
  REQUIRE(response);
  CHECK(response->status == 429);
  CHECK(response->headers.get("retry-after") == std::optional<std::string_view>("30"));
  CHECK(response->headers.get("Content-Type") == std::optional<std::string_view>("application/problem+json"));
}

TEST_CASE("curl transport: one TLS connection serves a whole flow", "[http][curl][loopback]") {
  LoopbackHttpsServer server(echo);
  auto transport = transport_trusting(server);
  for (int i = 0; i < 5; ++i) {
    Request request;
    request.method = i % 3 == 0 ? "GET" : i % 3 == 1 ? "POST" : "HEAD";
    request.url = server.url("/r" + std::to_string(i));
    auto response = transport->send(request);
    REQUIRE(response);
    CHECK(response->status == 200);
  }
  CHECK(transport->stats().requests == 5);
  CHECK(transport->stats().connections_opened == 1);
}

TEST_CASE("curl transport: the body cap holds for a chunked body of unknown length",
          "[http][curl][loopback]") {
  LoopbackHttpsServer server([](const httplib::Request&, httplib::Response& response) {
    response.set_chunked_content_provider("application/json",
                                          [](std::size_t offset, httplib::DataSink& sink) {
                                            const std::string chunk(4096, 'x');
                                            if (!sink.write(chunk.data(), chunk.size()))
                                              return false;  // the client hung up
                                            if (offset > 1024 * 1024) sink.done();
                                            return true;
                                          });
  });
  auto transport = transport_trusting(server);
  Request request = get(server.url("/huge"));
  request.max_body_bytes = 10 * 1024;
  auto response = transport->send(request);
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == Errc::Protocol);
  CHECK(mentions(response.error(), "exceeds 10240 bytes"));
  CHECK(mentions(response.error(), "/huge"));
}

TEST_CASE("curl transport: the body cap holds for a declared length, and a body at the cap passes",
          "[http][curl][loopback]") {
  LoopbackHttpsServer server([](const httplib::Request& request, httplib::Response& response) {
    response.set_content(std::string(request.path == "/big" ? 5000 : 1000, 'y'), "text/plain");
  });
  auto transport = transport_trusting(server);
  Request big = get(server.url("/big"));
  big.max_body_bytes = 1000;
  auto refused = transport->send(big);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Errc::Protocol);
  CHECK(mentions(refused.error(), "exceeds 1000 bytes"));

  Request exact = get(server.url("/exact"));
  exact.max_body_bytes = 1000;
  auto accepted = transport->send(exact);
  REQUIRE(accepted);
  CHECK(accepted->body.size() == 1000);
}

TEST_CASE("curl transport: a server that closes mid-body is a lost connection, worth retrying",
          "[http][curl][loopback]") {
  LoopbackHttpsServer server([](const httplib::Request&, httplib::Response& response) {
    response.set_content_provider(1000, "application/json",
                                  [](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                    if (offset > 0)
                                      return false;  // half of the declared body, then the connection closes
                                    return sink.write(std::string(500, 'z').data(), 500);
                                  });
  });
  auto transport = transport_trusting(server);
  auto response = transport->send(get(server.url("/cut")));
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == Errc::Network);
  CHECK(response.error().is_transient());
  CHECK(mentions(response.error(), "/cut"));
  CHECK(mentions(response.error(), "(connection lost)"));
}

TEST_CASE("curl transport: a server that does not answer in time is a timeout", "[http][curl][loopback]") {
  Gate gate;  // outlives the server, whose destructor waits for the handler
  LoopbackHttpsServer server([&gate](const httplib::Request&, httplib::Response& response) {
    gate.wait();
    response.set_content("late", "text/plain");
  });
  CurlOptions options;
  options.request_timeout = 1s;
  auto transport = transport_trusting(server, options);
  const auto started = std::chrono::steady_clock::now();
  auto response = transport->send(get(server.url("/slow")));
  const auto took = std::chrono::steady_clock::now() - started;
  gate.open();
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == Errc::Timeout);
  CHECK(mentions(response.error(), "GET https://127.0.0.1:"));
  CHECK(mentions(response.error(), "/slow"));
  CHECK(took < 3s);
}

TEST_CASE("curl transport: a transfer that stalls mid-body is a timeout", "[http][curl][loopback]") {
  Gate gate;
  LoopbackHttpsServer server([&gate](const httplib::Request&, httplib::Response& response) {
    response.set_chunked_content_provider("text/plain", [&gate](std::size_t offset, httplib::DataSink& sink) {
      if (offset == 0) return sink.write("x", 1);
      if (!gate.is_open()) {
        std::this_thread::sleep_for(10ms);
        return sink.is_writable();
      }
      sink.done();
      return true;
    });
  });
  CurlOptions options;
  options.request_timeout = 10s;
  options.stall_timeout = 1s;
  auto transport = transport_trusting(server, options);
  const auto started = std::chrono::steady_clock::now();
  auto response = transport->send(get(server.url("/stall")));
  const auto took = std::chrono::steady_clock::now() - started;
  gate.open();
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == Errc::Timeout);
  CHECK(took < 4s);
}

TEST_CASE("curl transport: an untrusted server certificate is refused", "[http][curl][loopback][security]") {
  LoopbackHttpsServer server(echo);
  auto transport = make_curl_transport(CurlOptions{});  // system roots only
  REQUIRE(transport);
  auto response = (*transport)->send(get(server.url("/dir?token=secret")));
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == Errc::Network);
  CHECK(mentions(response.error(), server.url("/dir")));
  CHECK_FALSE(mentions(response.error(), "secret"));  // the query stays out of messages
  CHECK(mentions(response.error(), "certificate"));   // libcurl's reason is kept
}

TEST_CASE("curl transport: a certificate for another host is refused", "[http][curl][loopback][security]") {
  LoopbackHttpsServer server(echo, {"other.example"});
  auto transport = transport_trusting(server);  // the CA is trusted, the name is wrong
  auto response = transport->send(get(server.url("/dir")));
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == Errc::Network);
}

TEST_CASE("curl transport: ca_bundle adds a root to the system roots, it does not replace them",
          "[http][curl][loopback][security]") {
  LoopbackHttpsServer system_server(echo);  // its CA stands in for the system roots
  LoopbackHttpsServer bundle_server(echo);  // its CA is the --ca-bundle root
  const std::string system_url = system_server.url("/a");
  const std::string bundle_url = bundle_server.url("/b");

  CurlOptions both;
  both.system_roots = system_server.ca_file();
  add_roots(both, bundle_server.ca_file());
  auto transport = make_curl_transport(both);
  REQUIRE(transport);
  CHECK((*transport)->send(get(system_url)).has_value());
  CHECK((*transport)->send(get(bundle_url)).has_value());
  CHECK((*transport)->send(get(system_url)).has_value());  // reused connection still fine

  // Controls: each server is reachable only through the root the test claims it needs.
  CurlOptions system_only;
  system_only.system_roots = system_server.ca_file();
  auto without_bundle = make_curl_transport(system_only);
  REQUIRE(without_bundle);
  CHECK((*without_bundle)->send(get(system_url)).has_value());
  auto refused = (*without_bundle)->send(get(bundle_url));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Errc::Network);

  CurlOptions bundle_only;
  add_roots(bundle_only, bundle_server.ca_file());
  auto real_system = make_curl_transport(bundle_only);
  REQUIRE(real_system);
  CHECK((*real_system)->send(get(bundle_url)).has_value());
  auto unknown = (*real_system)->send(get(system_url));
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code() == Errc::Network);
}

TEST_CASE("curl transport: http:// is refused before anything is sent", "[http][curl][loopback][security]") {
  std::atomic<int> hits{0};
  LoopbackHttpsServer server([&hits](const httplib::Request&, httplib::Response& response) {
    ++hits;
    response.set_content("ok", "text/plain");
  });
  auto transport = transport_trusting(server);
  const std::vector<std::string> urls = {"http://127.0.0.1:" + std::to_string(server.port()) + "/dir",
                                         "ftp://127.0.0.1/x", "127.0.0.1/dir", "https://"};
  for (const std::string& url : urls) {
    INFO(url);
    auto refused = transport->send(get(url));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == Errc::InvalidArgument);
  }
  CHECK(hits == 0);
  CHECK(transport->stats().requests == 0);
}

TEST_CASE("curl transport: redirects are returned, not followed", "[http][curl][loopback][security]") {
  std::atomic<int> hits{0};
  LoopbackHttpsServer server([&hits](const httplib::Request& request, httplib::Response& response) {
    ++hits;
    if (request.path == "/moved")
      response.set_redirect("/elsewhere", 302);
    else
      response.set_content("followed", "text/plain");
  });
  auto transport = transport_trusting(server);
  auto response = transport->send(get(server.url("/moved")));
  REQUIRE(response);
  CHECK(response->status == 302);
  CHECK(response->headers.get("Location") == std::optional<std::string_view>("/elsewhere"));
  CHECK(response->body != "followed");
  CHECK(hits == 1);
}

TEST_CASE("curl transport: malformed requests are refused", "[http][curl][loopback][security]") {
  LoopbackHttpsServer server(echo);
  auto transport = transport_trusting(server);
  Request injected = get(server.url("/dir"));
  injected.headers.add("X-Test", "a\r\nX-Injected: b");
  auto refused = transport->send(injected);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Errc::InvalidArgument);

  Request put = get(server.url("/dir"));
  put.method = "PUT";
  auto unsupported = transport->send(put);
  REQUIRE_FALSE(unsupported);
  CHECK(unsupported.error().code() == Errc::InvalidArgument);
}

TEST_CASE("curl transport: nothing listening is a network error", "[http][curl][loopback]") {
  int port = 0;
  {
    LoopbackHttpsServer server(echo);
    port = server.port();
  }
  auto transport = make_curl_transport(CurlOptions{});
  REQUIRE(transport);
  auto response = (*transport)->send(get("https://127.0.0.1:" + std::to_string(port) + "/dir"));
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == Errc::Network);
  CHECK(response.error().is_transient());
}

TEST_CASE("curl transport: unusable options are usage errors", "[http][curl]") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("certkeep-curl-options-" +
                    std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "garbage.pem") << "not a certificate\n";

  // Missing or garbage --ca-bundle files are refused where they are loaded, before a transport.
  for (const char* name : {"missing.pem", "garbage.pem"}) {
    auto roots = crypto::TrustRoots::load(dir / name);
    REQUIRE_FALSE(roots);
    CHECK(roots.error().code() == Errc::InvalidArgument);
  }
  CurlOptions missing_system;
  missing_system.system_roots = dir / "missing.pem";
  CurlOptions bad_system;
  bad_system.system_roots = dir / "garbage.pem";
  CurlOptions zero_timeout;
  zero_timeout.request_timeout = 0s;
  CurlOptions zero_stall;
  zero_stall.stall_timeout = 0s;
  for (const CurlOptions& options : {missing_system, bad_system, zero_timeout, zero_stall}) {
    auto transport = make_curl_transport(options);
    REQUIRE_FALSE(transport);
    CHECK(transport.error().code() == Errc::InvalidArgument);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("curl transport: a configure_tls_context hook that refuses fails the connection",
          "[http][curl][loopback][security]") {
  LoopbackHttpsServer server(echo);
  CurlOptions options;
  options.system_roots = server.ca_file();
  int calls = 0;
  options.configure_tls_context = [&calls](void* ssl_ctx) {
    ++calls;
    CHECK(ssl_ctx != nullptr);
    return false;
  };
  auto transport = make_curl_transport(options);
  REQUIRE(transport);
  auto refused = (*transport)->send(get(server.url("/a")));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Errc::Network);
  CHECK(calls >= 1);
}
