// SPDX-License-Identifier: Apache-2.0
// What certkeep reports to Prometheus: label values of bounded cardinality, per-lineage
// readiness, the loopback rule, and an endpoint that answers from a snapshot (a scrape flood
// reads the store at most once per max_age).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "lifecycle/metrics_endpoint.hpp"
#include "lifecycle/metrics_report.hpp"

using namespace certkeep;
using namespace certkeep::lifecycle;

namespace {

store::LineageRecord lineage(std::string name, core::SystemTime not_after) {
  store::LineageRecord l;
  l.name = std::move(name);
  l.serial = "0A";
  l.deployed_serial = "0A";
  l.status = store::LineageStatus::Valid;
  l.settings.directory_url = "https://acme-v02.api.letsencrypt.org/directory";
  l.not_after = not_after;
  l.renew_at = not_after - std::chrono::hours(24 * 30);
  return l;
}

// One HTTP/1.0 GET over loopback; the whole answer.
std::string http_get(int port, const std::string& target) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  const std::string request = "GET " + target + " HTTP/1.0\r\n\r\n";
  REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
    answer.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return answer;
}

}  // namespace

TEST_CASE("endpoint labels: the directory, the CA's resource words, never an ID", "[lifecycle][metrics]") {
  const std::string le = "https://acme-v02.api.letsencrypt.org/directory";
  CHECK(endpoint_label(le, le) == "directory");
  CHECK(endpoint_label("https://acme-v02.api.letsencrypt.org/acme/new-order", le) == "new-order");
  CHECK(endpoint_label("https://acme-v02.api.letsencrypt.org/acme/authz-v3/123456789", le) == "authz-v3");
  CHECK(endpoint_label("https://acme-v02.api.letsencrypt.org/acme/chall-v3/1234/AbCd_9", le) == "chall-v3");
  CHECK(endpoint_label("https://acme-v02.api.letsencrypt.org/acme/finalize/11/22", le) == "finalize");
  CHECK(endpoint_label("https://acme-v02.api.letsencrypt.org/acme/cert/03a1b2c3d4e5f60718", le) == "cert");
  CHECK(endpoint_label("https://127.0.0.1:14000/my-order/PDFuMmXK-2c3rS1cuyUaq0xb2-pHX3H6PpEr5MSbEz8",
                       "https://127.0.0.1:14000/dir") == "my-order");
  CHECK(endpoint_label("https://ca.example/v2/DV90/order/abc123/finalize", "https://ca.example/v2/DV90") ==
        "finalize");
  CHECK(endpoint_label("https://ca.example/123/456", "https://ca.example/dir") == "other");
}

TEST_CASE("endpoint labels: at most 32 words per host, then other", "[lifecycle][metrics]") {
  const std::string dir = "https://words.example/dir";
  for (int i = 0; i < 32; ++i) {
    std::string word = "word";
    for (int n = i; n >= 0; n -= 26) word += static_cast<char>('a' + (n % 26));
    CHECK(endpoint_label("https://words.example/" + word, dir) == word);
  }
  CHECK(endpoint_label("https://words.example/onemoreword", dir) == "other");
  CHECK(endpoint_label("https://words.example/worda", dir) == "worda");  // already known
}

TEST_CASE("issuer labels and readiness per lineage", "[lifecycle][metrics]") {
  const core::SystemTime now = core::from_unix(1'800'000'000);
  auto valid = lineage("valid.example", now + std::chrono::hours(24 * 60));
  auto expired = lineage("expired.example", now - std::chrono::hours(1));
  auto owed = lineage("owed.example", now + std::chrono::hours(24 * 60));
  owed.deployed_serial = "09";
  auto pending = lineage("pending.example", now);
  pending.serial.clear();
  pending.not_after.reset();
  pending.settings.issuer_kind = store::IssuerKind::PrivateCa;
  pending.settings.ca_name = "internal";
  CHECK(issuer_label(valid.settings) == "acme-v02.api.letsencrypt.org");
  CHECK(issuer_label(pending.settings) == "private-ca/internal");
  metrics::Exposition out;
  write_lineage_metrics(out, {valid, expired, owed, pending}, now);
  const std::string& text = out.text();
  auto has = [&](const std::string& line) { return text.find(line + "\n") != std::string::npos; };
  CHECK(
      has("certkeep_certificate_expiration_timestamp_seconds{name=\"valid.example\",issuer=\"acme-v02.api."
          "letsencrypt.org\"} 1805184000"));
  CHECK(
      has("certkeep_certificate_ready_status{name=\"valid.example\",issuer=\"acme-v02.api.letsencrypt.org\","
          "condition=\"True\"} 1"));
  CHECK(
      has("certkeep_certificate_ready_status{name=\"expired.example\",issuer=\"acme-v02.api.letsencrypt."
          "org\",condition=\"False\"} 1"));
  CHECK(
      has("certkeep_certificate_ready_status{name=\"owed.example\",issuer=\"acme-v02.api.letsencrypt.org\","
          "condition=\"False\"} 1"));
  CHECK(
      has("certkeep_certificate_ready_status{name=\"pending.example\",issuer=\"private-ca/"
          "internal\",condition=\"Unknown\"} 1"));
  // A lineage without a certificate has no expiry sample.
  CHECK(text.find("expiration_timestamp_seconds{name=\"pending.example\"") == std::string::npos);
}

TEST_CASE("metrics listener: loopback addresses only, unless allowed", "[lifecycle][metrics]") {
  CHECK(check_metrics_listen("127.0.0.1:9817", false));
  CHECK(check_metrics_listen("127.8.9.1:9817", false));
  CHECK(check_metrics_listen("[::1]:9817", false));
  for (const char* remote : {"0.0.0.0:9817", ":9817", "192.0.2.7:9817", "[::]:9817", "[2001:db8::1]:9817"}) {
    INFO(remote);
    auto refused = check_metrics_listen(remote, false);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == Errc::InvalidArgument);
    CHECK(refused.error().message().find("not a loopback address") != std::string::npos);
    CHECK(check_metrics_listen(remote, true));
  }
  CHECK_FALSE(check_metrics_listen("localhost:9817", true));  // names are not addresses
}

TEST_CASE("the endpoint answers from its snapshot: a scrape flood reads the store at most once per max_age",
          "[lifecycle][metrics]") {
  std::atomic<int> reads{0};
  const core::SystemTime not_after = core::from_unix(1'900'000'000);
  auto started = MetricsEndpoint::start(
      {.listen = "127.0.0.1:0", .max_age = std::chrono::seconds(3600)},
      [&]() -> Result<std::vector<store::LineageRecord>> {
        ++reads;
        return std::vector<store::LineageRecord>{lineage("scraped.example", not_after)};
      },
      core::system_clock());
  REQUIRE(started);
  MetricsEndpoint& endpoint = **started;
  CHECK(reads == 1);
  for (int i = 0; i < 50; ++i) {
    const std::string answer = http_get(endpoint.port(), "/metrics");
    REQUIRE(answer.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(answer.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
    CHECK(answer.find("name=\"scraped.example\"") != std::string::npos);
  }
  CHECK(reads == 1);
  CHECK(http_get(endpoint.port(), "/").rfind("HTTP/1.1 404", 0) == 0);
  // After a renewal pass the daemon asks for a new snapshot: read on the endpoint's thread.
  endpoint.refresh();
  for (int i = 0; i < 200 && reads < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(reads == 2);
}
