// SPDX-License-Identifier: Apache-2.0
// The challenge settings of a lineage (TLS-ALPN-01 listener, DNS-01 method, per-name choices)
// and the table of DNS-01 records added and not yet removed.
#include "store/lineage_state.hpp"
#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;

DnsRecordRow row(const std::string& lineage, const std::string& name, const std::string& value) {
  return DnsRecordRow{.lineage = lineage,
                      .method = DnsMethod::Rfc2136,
                      .server = "ns1.example.com:53",
                      .tsig_key_file = "/etc/certkeep/update.key",
                      .zone = "example.com",
                      .name = name,
                      .value = value,
                      .added_at = t0()};
}

TEST_CASE("challenge settings: the DNS method, TLS-ALPN listener and per-name choices survive a round trip",
          "[store][challenges]") {
  auto store = memory_store();
  LineageRecord lineage = pending_lineage("example.com");
  lineage.settings.challenge_method = ChallengeMethod::TlsAlpn;
  lineage.settings.tls_alpn_listen = "127.0.0.1:8443";
  lineage.settings.dns = DnsSettings{.method = DnsMethod::Hook,
                                     .hook = "/usr/local/bin/dns-hook",
                                     .resolver = "127.0.0.1:5353",
                                     .ttl = 90s,
                                     .propagation_timeout = 0s,
                                     .hook_timeout = 30s};
  lineage.settings.challenge_overrides = "internal.example.com=dns-01";
  REQUIRE(store->upsert_lineage(lineage));
  const LineageSettings found = store->find_lineage("example.com").value().value().settings;
  CHECK(found.challenge_method == ChallengeMethod::TlsAlpn);
  CHECK(found.tls_alpn_listen == "127.0.0.1:8443");
  CHECK(found.dns.method == DnsMethod::Hook);
  CHECK(found.dns.hook == "/usr/local/bin/dns-hook");
  CHECK(found.dns.resolver == "127.0.0.1:5353");
  CHECK(found.dns.ttl == 90s);
  CHECK(found.dns.propagation_timeout == 0s);
  CHECK(found.dns.hook_timeout == 30s);
  CHECK(found.challenge_overrides == "internal.example.com=dns-01");

  LineageSettings changed = found;
  changed.dns = DnsSettings{.method = DnsMethod::Rfc2136, .server = "ns1.example.com", .tsig_key_file = "/k"};
  REQUIRE(store->update_settings("example.com", changed));
  const LineageSettings updated = store->find_lineage("example.com").value().value().settings;
  CHECK(updated.dns.method == DnsMethod::Rfc2136);
  CHECK(updated.dns.tsig_key_file == "/k");
  CHECK(updated.dns.hook.empty());
}

TEST_CASE("dns records: noted, listed per lineage, forgotten by name and value only", "[store][challenges]") {
  auto store = memory_store();
  CHECK(store->lineages_with_dns_records().value().empty());
  REQUIRE(store->add_dns_records({row("a.example", "_acme-challenge.a.example", "v1"),
                                  row("a.example", "_acme-challenge.a.example", "v2"),
                                  row("b.example", "_acme-challenge.b.example", "v3")}));
  CHECK(store->lineages_with_dns_records().value() == std::vector<std::string>{"a.example", "b.example"});
  const auto rows = store->dns_records("a.example").value();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].value == "v1");
  CHECK(rows[0].method == DnsMethod::Rfc2136);
  CHECK(rows[0].server == "ns1.example.com:53");
  CHECK(rows[0].tsig_key_file == "/etc/certkeep/update.key");
  CHECK(rows[0].zone == "example.com");
  CHECK(rows[0].added_at == t0());

  // Only the given value of the given lineage goes; unknown ones are ignored.
  REQUIRE(store->remove_dns_records("a.example", {{"_acme-challenge.a.example", "v1"}, {"nope", "x"}}));
  CHECK(store->dns_records("a.example").value().size() == 1);
  REQUIRE(store->remove_dns_records("b.example", {{"_acme-challenge.a.example", "v2"}}));
  CHECK(store->dns_records("a.example").value().size() == 1);
  REQUIRE(store->remove_dns_records("a.example", {{"_acme-challenge.a.example", "v2"}}));
  CHECK(store->lineages_with_dns_records().value() == std::vector<std::string>{"b.example"});
  // The rows outlive the lineage: records still in DNS must be removed even after `remove`.
  REQUIRE(store->upsert_lineage(pending_lineage("b.example")));
  REQUIRE(store->remove_lineage("b.example"));
  CHECK(store->dns_records("b.example").value().size() == 1);
  CHECK_FALSE(store->add_dns_records({row("", "x", "y")}));
}

}  // namespace
}  // namespace certkeep::store
