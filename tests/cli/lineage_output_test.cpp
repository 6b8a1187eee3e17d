// SPDX-License-Identifier: Apache-2.0
// What list, show and issue print: the table, the details text and the JSON, from records.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <string>

#include "cli/lineage_output.hpp"
#include "core/time_format.hpp"

using namespace certkeep;

namespace {

core::SystemTime at(const char* rfc3339) { return *core::parse_rfc3339(rfc3339); }

lifecycle::LineageRecord sample_lineage() {
  lifecycle::LineageRecord lineage;
  lineage.name = "example.com";
  lineage.identifiers = {"example.com", "www.example.com"};
  lineage.status = store::LineageStatus::Valid;
  lineage.serial = "0A1B2C";
  lineage.issuer = "Pebble Intermediate CA";
  lineage.not_before = at("2026-12-01T00:00:00Z");
  lineage.not_after = at("2027-03-01T00:00:00Z");
  lineage.renew_at = at("2027-01-30T00:00:00Z");
  lineage.deployed_serial = "0A1B2C";
  lineage.key_pem = core::Secret(std::string("-----BEGIN PRIVATE KEY-----\nSECRETKEYBYTES\n"));
  lineage.settings.directory_url = "https://127.0.0.1:14000/dir";
  lineage.settings.key_type = KeyType::EcdsaP384;
  lineage.settings.challenge_method = store::ChallengeMethod::Webroot;
  lineage.settings.webroot = "/srv/www";
  lineage.settings.deploy_hook = "systemctl reload nginx";
  return lineage;
}

}  // namespace

TEST_CASE("format_time and days_left print minutes in UTC and whole days, '-' when unknown", "[cli]") {
  CHECK(cli::format_time(at("2026-02-01T12:34:56Z")) == "2026-02-01 12:34 UTC");
  CHECK(cli::format_time(std::nullopt) == "-");
  const auto now = at("2026-12-01T00:00:00Z");
  CHECK(cli::days_left(at("2026-12-31T12:00:00Z"), now) == "30");
  CHECK(cli::days_left(at("2026-11-29T00:00:00Z"), now) == "-2");
  CHECK(cli::days_left(std::nullopt, now) == "-");
}

TEST_CASE("lineage_json names every field a script reads and never the key", "[cli]") {
  const std::string text = cli::lineage_json("/var/lib/certkeep", sample_lineage());
  CHECK(text.find("SECRETKEYBYTES") == std::string::npos);
  CHECK(text.find("PRIVATE KEY") == std::string::npos);
  rapidjson::Document json;
  json.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(json.HasParseError());
  CHECK(std::string(json["name"].GetString()) == "example.com");
  REQUIRE(json["names"].Size() == 2);
  CHECK(std::string(json["names"][1].GetString()) == "www.example.com");
  CHECK(std::string(json["status"].GetString()) == "valid");
  CHECK(std::string(json["serial"].GetString()) == "0A1B2C");
  CHECK(std::string(json["not_after"].GetString()) == "2027-03-01T00:00:00Z");
  CHECK(json["next_attempt_at"].IsNull());
  CHECK(json["attempts"].GetInt() == 0);
  CHECK(json["hook_pending"].GetBool() == false);
  CHECK(std::string(json["key_type"].GetString()) == "ec384");
  CHECK(std::string(json["challenge"].GetString()) == "webroot");
  CHECK(std::string(json["fullchain_path"].GetString()) ==
        "/var/lib/certkeep/live/example.com/fullchain.pem");
  CHECK(std::string(json["key_path"].GetString()) == "/var/lib/certkeep/live/example.com/privkey.pem");
  CHECK(std::string(json["issuer_kind"].GetString()) == "acme");
}

TEST_CASE("a private-CA lineage names its issuer kind and CA in JSON, the table and the details", "[cli]") {
  auto lineage = sample_lineage();
  lineage.settings.issuer_kind = store::IssuerKind::PrivateCa;
  lineage.settings.ca_name = "internal";
  lineage.settings.directory_url.clear();
  rapidjson::Document json;
  const std::string text = cli::lineage_json("/var/lib/certkeep", lineage);
  json.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(json.HasParseError());
  CHECK(std::string(json["issuer_kind"].GetString()) == "private-ca");
  CHECK(std::string(json["ca"].GetString()) == "internal");
  CHECK_THAT(cli::lineage_table({lineage}, at("2026-12-01T00:00:00Z")),
             Catch::Contains("private-ca: internal"));
}

TEST_CASE("lineage_table aligns columns and shows a pending hook and the next attempt", "[cli]") {
  auto lineage = sample_lineage();
  auto failing = sample_lineage();
  failing.name = "b.example";
  failing.identifiers = {"b.example"};
  failing.status = store::LineageStatus::Failed;
  failing.last_error = "order: rateLimited\x1b[31m";
  failing.next_attempt_at = at("2027-02-01T06:00:00Z");
  lineage.hook_pending_serial = lineage.serial;
  const std::string table = cli::lineage_table({lineage, failing}, at("2026-12-01T00:00:00Z"));
  const auto first_newline = table.find('\n');
  const std::string header = table.substr(0, first_newline);
  CHECK(header.rfind("NAME", 0) == 0);
  CHECK_THAT(header, Catch::Contains("NEXT RENEWAL") && Catch::Contains("LAST ERROR"));
  CHECK_THAT(table, Catch::Contains("valid (hook pending)"));
  CHECK_THAT(table, Catch::Contains("2027-02-01 06:00 UTC"));  // the backoff, later than renew_at
  CHECK(table.find('\x1b') == std::string::npos);              // the error text is sanitized
  // Every row starts its second column where the header's does.
  const auto names_column = header.find("NAMES");
  std::size_t start = first_newline + 1;
  while (start < table.size()) {
    const auto end = table.find('\n', start);
    const std::string row = table.substr(start, end - start);
    CHECK(row.at(names_column - 1) == ' ');
    CHECK(row.at(names_column) != ' ');
    start = end + 1;
  }
}

TEST_CASE("lineage_details_text shows the method's target and one line per event", "[cli]") {
  lifecycle::LineageDetails details;
  details.lineage = sample_lineage();
  details.events.push_back({.kind = store::HistoryKind::Issued,
                            .serial = "0A1B2C",
                            .detail = "first\nsecond line",
                            .at = at("2026-12-01T00:00:00Z")});
  details.events.push_back(
      {.kind = store::HistoryKind::HookFailed, .detail = "exit 3", .at = at("2026-12-01T00:01:00Z")});
  const std::string text = cli::lineage_details_text("/state", details, at("2026-12-01T00:00:00Z"));
  CHECK_THAT(text, Catch::Contains("challenge:       webroot /srv/www\n"));
  CHECK_THAT(text, Catch::Contains("not after:       2027-03-01 00:00 UTC (90 days left)\n"));
  CHECK_THAT(
      text, Catch::Contains("files:           /state/live/example.com/{cert,chain,fullchain,privkey}.pem\n"));
  CHECK_THAT(text, Catch::Contains("2026-12-01T00:00:00Z  issued"));
  CHECK_THAT(text, Catch::Contains("0A1B2C  first\n"));
  CHECK(text.find("second line") == std::string::npos);  // only an event's first line
  CHECK_THAT(text, Catch::Contains("hook_failed"));
  CHECK(text.find("SECRETKEYBYTES") == std::string::npos);
}

TEST_CASE("lineage_details_json holds the lineage and every event in full", "[cli]") {
  lifecycle::LineageDetails details;
  details.lineage = sample_lineage();
  details.events.push_back({.kind = store::HistoryKind::Failed,
                            .detail = R"({"type":"urn:ietf:params:acme:error:rateLimited"})",
                            .at = at("2026-12-01T00:00:00Z")});
  const std::string text = cli::lineage_details_json("/state", details);
  rapidjson::Document json;
  json.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(json.HasParseError());
  CHECK(std::string(json["lineage"]["name"].GetString()) == "example.com");
  REQUIRE(json["events"].Size() == 1);
  CHECK(std::string(json["events"][0]["kind"].GetString()) == "failed");
  CHECK(std::string(json["events"][0]["detail"].GetString()) ==
        R"({"type":"urn:ietf:params:acme:error:rateLimited"})");
  CHECK(text.find("SECRETKEYBYTES") == std::string::npos);
}

TEST_CASE("the last confirmation: stale in the table and JSON, none once the certificate changed", "[cli]") {
  auto lineage = sample_lineage();
  lineage.settings.confirm_targets = {"127.0.0.1:8443"};
  lineage.settings.haproxy_targets = {"/run/haproxy/admin.sock:/etc/haproxy/certs/site.pem"};
  lineage.confirmation = store::ConfirmationState::Stale;
  lineage.confirmed_serial = lineage.serial;
  lineage.confirmed_at = at("2026-12-01T00:02:00Z");
  lineage.confirmation_detail = "stale: 127.0.0.1:8443 serves 09FF (4 probes)";
  const auto now = at("2026-12-01T00:05:00Z");
  CHECK_THAT(cli::lineage_table({lineage}, now), Catch::Contains("valid (stale: a server serves another)"));
  rapidjson::Document json;
  const std::string text = cli::lineage_json("/var/lib/certkeep", lineage);
  json.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(json.HasParseError());
  CHECK(std::string(json["confirmation"]["state"].GetString()) == "stale");
  CHECK(std::string(json["confirmation"]["at"].GetString()) == "2026-12-01T00:02:00Z");
  CHECK(std::string(json["confirmation"]["serial"].GetString()) == "0A1B2C");
  REQUIRE(json["confirm_targets"].Size() == 1);
  CHECK(std::string(json["deploy_haproxy"][0].GetString()) ==
        "/run/haproxy/admin.sock:/etc/haproxy/certs/site.pem");
  lifecycle::LineageDetails details;
  details.lineage = lineage;
  CHECK_THAT(cli::lineage_details_text("/state", details, now),
             Catch::Contains("stale 2026-12-01 00:02 UTC") && Catch::Contains("serves 09FF"));

  // A renewal since: the verdict is about the old certificate, so none for the new one.
  lineage.serial = "0A1B2D";
  CHECK(cli::lineage_table({lineage}, now).find("stale") == std::string::npos);
  const std::string renewed = cli::lineage_json("/var/lib/certkeep", lineage);
  json.Parse(renewed.c_str(), renewed.size());
  REQUIRE_FALSE(json.HasParseError());
  CHECK(std::string(json["confirmation"]["state"].GetString()) == "none");
}

TEST_CASE("show, list and --json name each name's challenge type and the DNS method, never a secret",
          "[cli][challenges]") {
  auto lineage = sample_lineage();
  lineage.identifiers = {"example.com", "*.example.com", "internal.example.com"};
  lineage.settings.dns.method = store::DnsMethod::Rfc2136;
  lineage.settings.dns.server = "ns1.example.com";
  lineage.settings.dns.tsig_key_file = "/etc/certkeep/update.key";
  lineage.settings.challenge_overrides = "internal.example.com=dns-01";
  rapidjson::Document json;
  const std::string text = cli::lineage_json("/var/lib/certkeep", lineage);
  json.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(json.HasParseError());
  CHECK(std::string(json["challenges"]["example.com"].GetString()) == "http-01");
  CHECK(std::string(json["challenges"]["*.example.com"].GetString()) == "dns-01");
  CHECK(std::string(json["challenges"]["internal.example.com"].GetString()) == "dns-01");
  CHECK(std::string(json["dns"]["method"].GetString()) == "rfc2136");
  CHECK(std::string(json["dns"]["tsig_key_file"].GetString()) == "/etc/certkeep/update.key");
  CHECK(json["dns"]["ttl"].GetInt() == 60);

  const std::string table = cli::lineage_table({lineage}, at("2026-12-01T00:00:00Z"));
  CHECK_THAT(table, Catch::Contains("CHALLENGES") && Catch::Contains("http-01,dns-01,dns-01"));
  const std::string details = cli::lineage_details_text("/var/lib/certkeep", {lineage, {}}, at("2026-12-01T00:00:00Z"));
  CHECK_THAT(details, Catch::Contains("example.com (http-01), *.example.com (dns-01), internal.example.com (dns-01)"));
  CHECK_THAT(details, Catch::Contains("dns-01:          rfc2136 ns1.example.com (key /etc/certkeep/update.key)"));
}
