// SPDX-License-Identifier: Apache-2.0
// `certkeep issue`'s flags as CLI11 parses them, and the request they become.
#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "cli/issue_request.hpp"
#include "support/temp_dir.hpp"

using namespace certkeep;

namespace {

// Parses `args` (after "issue") the way the CLI does and builds the request.
Result<lifecycle::IssueRequest> request_for(std::vector<std::string> args) {
  CLI::App app{"test"};
  cli::IssueFlags flags;
  cli::add_issue_flags(app, flags);
  std::reverse(args.begin(), args.end());  // CLI11 takes the vector form last-first
  app.parse(args);
  return cli::build_issue_request(flags);
}

}  // namespace

TEST_CASE("issue flags with only names make a standalone ec256 Let's Encrypt request", "[cli]") {
  auto request = request_for({"-d", "Example.COM", "-d", "www.example.com"});
  REQUIRE(request);
  CHECK(request->names == std::vector<std::string>{"example.com", "www.example.com"});
  CHECK(request->lineage == "example.com");
  CHECK(request->settings.directory_url == "https://acme-v02.api.letsencrypt.org/directory");
  CHECK(request->settings.key_type == KeyType::EcdsaP256);
  CHECK(request->settings.challenge_method == store::ChallengeMethod::Standalone);
  CHECK(request->settings.http_listen == ":80");
  CHECK_FALSE(request->account.agree_terms_of_service);
}

TEST_CASE("issue flags carry every setting into the request", "[cli]") {
  testing::TempDir dir("cli-request");
  const auto bundle = dir.path() / "root.pem";
  std::ofstream(bundle) << "not parsed here\n";
  auto request = request_for({"-d",
                              "a.example",
                              "--name",
                              "site",
                              "--email",
                              "ops@example.com",
                              "--agree-tos",
                              "--server",
                              "staging",
                              "--ca-bundle",
                              bundle.string(),
                              "--key-type",
                              "rsa3072",
                              "--http-listen",
                              "127.0.0.1:5002",
                              "--preferred-chain",
                              "ISRG Root X1",
                              "--deploy-hook",
                              "systemctl reload nginx",
                              "--reuse-key"});
  REQUIRE(request);
  CHECK(request->lineage == "site");
  CHECK(request->settings.directory_url == "https://acme-staging-v02.api.letsencrypt.org/directory");
  CHECK(request->settings.ca_bundle == bundle.string());
  CHECK(request->settings.key_type == KeyType::Rsa3072);
  CHECK(request->settings.http_listen == "127.0.0.1:5002");
  CHECK(request->settings.preferred_chain == "ISRG Root X1");
  CHECK(request->settings.deploy_hook == "systemctl reload nginx");
  CHECK(request->settings.reuse_key);
  CHECK(request->settings.email == "ops@example.com");
  CHECK(request->account.email == "ops@example.com");
  CHECK(request->account.agree_terms_of_service);
}

TEST_CASE("a --webroot flag becomes an absolute directory and selects the webroot method", "[cli]") {
  testing::TempDir dir("cli-webroot");
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  auto request = request_for({"-d", "a.example", "--webroot", "."});
  std::filesystem::current_path(cwd);
  REQUIRE(request);
  CHECK(request->settings.challenge_method == store::ChallengeMethod::Webroot);
  CHECK(std::filesystem::path(request->settings.webroot).is_absolute());
  CHECK(std::filesystem::equivalent(request->settings.webroot, dir.path()));
}

TEST_CASE("bad issue flags are refused naming the flag, as usage errors", "[cli]") {
  testing::TempDir dir("cli-bad");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"-d", "bad name!"}, "bad name!"},
      {{"-d", "a.example", "--server", "http://ca.example/dir"}, "--server"},
      {{"-d", "a.example", "--key-type", "dsa1024"}, "--key-type"},
      {{"-d", "a.example", "--ca-bundle", (dir.path() / "missing.pem").string()}, "--ca-bundle"},
      {{"-d", "a.example", "--webroot", (dir.path() / "missing").string()}, "--webroot"},
      {{"-d", "a.example", "--name", "../escape"}, "../escape"},
  };
  for (const auto& c : cases) {
    INFO(c.args.back());
    auto request = request_for(c.args);
    REQUIRE_FALSE(request);
    CHECK(request.error().code() == Errc::InvalidArgument);
    CHECK_THAT(request.error().message(), Catch::Contains(c.message));
  }
}

TEST_CASE("the --standalone and --webroot flags exclude each other at parse time", "[cli]") {
  CLI::App app{"test"};
  cli::IssueFlags flags;
  cli::add_issue_flags(app, flags);
  std::vector<std::string> args = {"/srv/www", "--webroot", "--standalone", "a.example", "-d"};
  CHECK_THROWS_AS(app.parse(args), CLI::ExcludesError);
}

TEST_CASE("issue --ca makes a private-CA request with no ACME server, and --validity its lifetime", "[cli]") {
  auto request = request_for({"--ca", "internal", "-d", "svc.internal", "--validity", "30"});
  REQUIRE(request);
  CHECK(request->settings.issuer_kind == store::IssuerKind::PrivateCa);
  CHECK(request->settings.ca_name == "internal");
  CHECK(request->settings.leaf_lifetime == std::chrono::hours(24 * 30));
  CHECK(request->settings.directory_url.empty());

  auto defaulted = request_for({"--ca", "internal", "-d", "svc.internal"});
  REQUIRE(defaulted);
  CHECK(defaulted->settings.leaf_lifetime == std::chrono::hours(24 * 90));
  CHECK(request_for({"-d", "a.example"}).value().settings.issuer_kind == store::IssuerKind::Acme);
}

TEST_CASE("issue --ca refuses ACME flags, a bad CA name and a lifetime out of range", "[cli]") {
  for (const char* acme_flag : {"--server", "--email", "--http-listen", "--webroot"}) {
    INFO(acme_flag);
    CHECK_THROWS_AS(request_for({"--ca", "internal", "-d", "a.internal", acme_flag, "x"}),
                    CLI::ExcludesError);
  }
  CHECK_THROWS_AS(request_for({"--ca", "internal", "-d", "a.internal", "--standalone"}), CLI::ExcludesError);
  CHECK_THROWS_AS(request_for({"-d", "a.internal", "--validity", "30"}), CLI::RequiresError);
  for (const char* days : {"0", "3651"}) {
    auto refused = request_for({"--ca", "internal", "-d", "a.internal", "--validity", days});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == Errc::InvalidArgument);
  }
  auto bad_name = request_for({"--ca", "../x", "-d", "a.internal"});
  REQUIRE_FALSE(bad_name);
  CHECK(bad_name.error().code() == Errc::InvalidArgument);
}

TEST_CASE("issue --dry-run goes to the CA's staging directory, or the one named, and drops the hook",
          "[cli]") {
  auto production = request_for({"-d", "a.example", "--dry-run", "--deploy-hook", "reload"});
  REQUIRE(production);
  CHECK(production->dry_run);
  CHECK(production->settings.directory_url == "https://acme-staging-v02.api.letsencrypt.org/directory");
  CHECK(production->settings.deploy_hook.empty());
  auto staging = request_for({"-d", "a.example", "--dry-run", "--server", "staging"});
  REQUIRE(staging);
  CHECK(staging->settings.directory_url == "https://acme-staging-v02.api.letsencrypt.org/directory");
  auto named = request_for({"-d", "a.example", "--dry-run", "--server", "https://ca.example/dir",
                            "--dry-run-server", "https://test.ca.example/dir"});
  REQUIRE(named);
  CHECK(named->settings.directory_url == "https://test.ca.example/dir");
  auto unknown = request_for({"-d", "a.example", "--dry-run", "--server", "https://ca.example/dir"});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code() == Errc::InvalidArgument);
  CHECK(unknown.error().message().find("--dry-run-server") != std::string::npos);
  auto plain_http =
      request_for({"-d", "a.example", "--dry-run", "--dry-run-server", "http://test.example/dir"});
  CHECK_FALSE(plain_http);
}

TEST_CASE("issue --confirm and --deploy-haproxy are checked and stored canonically", "[cli]") {
  auto request = request_for({"-d", "a.example", "--confirm", "127.0.0.1:8443", "--confirm",
                              "127.0.0.1:9443/www.a.example", "--deploy-haproxy",
                              "/run/haproxy/admin.sock:/etc/haproxy/certs/a.pem"});
  REQUIRE(request);
  CHECK(request->settings.confirm_targets ==
        std::vector<std::string>{"127.0.0.1:8443", "127.0.0.1:9443/www.a.example"});
  CHECK(request->settings.haproxy_targets ==
        std::vector<std::string>{"/run/haproxy/admin.sock:/etc/haproxy/certs/a.pem"});
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"-d", "a.example", "--confirm", "127.0.0.1"},
        std::vector<std::string>{"-d", "a.example", "--confirm", "127.0.0.1:0"},
        std::vector<std::string>{"-d", "a.example", "--deploy-haproxy", "admin.sock:/etc/haproxy/a.pem"},
        std::vector<std::string>{"-d", "a.example", "--deploy-haproxy", "/run/admin.sock"}}) {
    auto refused = request_for(bad);
    INFO(bad[3]);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == Errc::InvalidArgument);
    CHECK_THAT(refused.error().message(), Catch::Contains(bad[3]));
  }
}

TEST_CASE("issue: a DNS method alone proves every name (with HTTP-01, wildcards go to DNS-01)", "[cli][challenges]") {
  testing::TempDir dir("cli-dns");
  const auto key = dir.path() / "update.key";
  std::ofstream(key) << "key \"update\" { algorithm hmac-sha256; secret \"AAAA\"; };\n";
  std::filesystem::permissions(key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto dns_only = request_for({"-d", "example.com", "-d", "*.example.com", "--dns-rfc2136", "ns1.example.com:5353",
                               "--tsig-key", key.string(), "--dns-ttl", "120", "--dns-propagation-timeout", "30"});
  REQUIRE(dns_only);
  CHECK(dns_only->settings.challenge_method == store::ChallengeMethod::None);
  CHECK(dns_only->settings.dns.method == store::DnsMethod::Rfc2136);
  CHECK(dns_only->settings.dns.server == "ns1.example.com:5353");
  CHECK(dns_only->settings.dns.tsig_key_file == key.string());
  CHECK(dns_only->settings.dns.ttl == std::chrono::seconds(120));
  CHECK(dns_only->settings.dns.propagation_timeout == std::chrono::seconds(30));
  CHECK(dns_only->lineage == "example.com");

  auto mixed = request_for({"-d", "example.com", "-d", "*.example.com", "-d", "internal.example.com", "--webroot",
                            dir.path().string(), "--dns-hook", "/usr/local/bin/dns-hook", "--challenge",
                            "internal.example.com=dns-01"});
  REQUIRE(mixed);
  CHECK(mixed->settings.challenge_method == store::ChallengeMethod::Webroot);
  CHECK(mixed->settings.dns.method == store::DnsMethod::Hook);
  CHECK(mixed->settings.challenge_overrides == "internal.example.com=dns-01");

  auto alpn = request_for({"-d", "example.com", "--tls-alpn"});
  REQUIRE(alpn);
  CHECK(alpn->settings.challenge_method == store::ChallengeMethod::TlsAlpn);
  CHECK(alpn->settings.tls_alpn_listen == ":443");
  CHECK(request_for({"-d", "example.com", "--tls-alpn", "8443"})->settings.tls_alpn_listen == ":8443");
  CHECK(request_for({"-d", "example.com", "--tls-alpn=127.0.0.1:5001"})->settings.tls_alpn_listen == "127.0.0.1:5001");
  CHECK(request_for({"-d", "example.com", "--tls-alpn=[::1]:5001"})->settings.tls_alpn_listen == "[::1]:5001");
  CHECK(request_for({"-d", "example.com", "--http-listen", "[::1]:5002"})->settings.http_listen == "[::1]:5002");
}

TEST_CASE("issue: challenge flags that cannot work are refused before anything is stored", "[cli][challenges]") {
  testing::TempDir dir("cli-dns-bad");
  const auto loose = dir.path() / "loose.key";
  std::ofstream(loose) << "key \"update\" { algorithm hmac-sha256; secret \"AAAA\"; };\n";
  std::filesystem::permissions(loose, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                          std::filesystem::perms::others_read);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"-d", "*.example.com"}, "a wildcard needs the dns-01 challenge"},
      {{"-d", "*.example.com", "--tls-alpn"}, "tls-alpn-01 cannot prove it"},
      {{"-d", "a.example", "--dns-rfc2136", "ns1.example"}, "--tsig-key"},
      {{"-d", "a.example", "--dns-rfc2136", "ns1.example", "--tsig-key", loose.string()}, "chmod 600"},
      {{"-d", "a.example", "--dns-rfc2136", "ns1.example:0", "--tsig-key", loose.string()}, "--dns-rfc2136"},
      {{"-d", "a.example", "--dns-hook", "x", "--dns-ttl", "0"}, "--dns-ttl"},
      {{"-d", "a.example", "--dns-hook", "x", "--dns-propagation-timeout", "99999"}, "--dns-propagation-timeout"},
      {{"-d", "a.example", "--challenge", "a.example=dns-01"}, "no dns-01 method"},
      {{"-d", "a.example", "--challenge", "b.example=http-01"}, "not one of the certificate's names"},
      {{"-d", "a.example", "--challenge", "a.example"}, "NAME=TYPE"},
      // A listen address is numeric: a host name or a bad port would leave a responder that can
      // never start stored with the lineage.
      {{"-d", "a.example", "--tls-alpn", "a.example"}, "--tls-alpn a.example: listen address"},
      {{"-d", "a.example", "--tls-alpn", "70000"}, "--tls-alpn 70000"},
      {{"-d", "a.example", "--http-listen", "localhost:80"}, "--http-listen: listen address \"localhost:80\""},
      {{"-d", "a.example", "--http-listen", "bogus"}, "--http-listen"},
  };
  for (const auto& c : cases) {
    INFO(c.args.back());
    auto request = request_for(c.args);
    REQUIRE_FALSE(request);
    CHECK(request.error().code() == Errc::InvalidArgument);
    CHECK_THAT(request.error().message(), Catch::Contains(c.message));
  }
  CLI::App app{"test"};
  cli::IssueFlags flags;
  cli::add_issue_flags(app, flags);
  std::vector<std::string> both = {"x", "--dns-hook", "ns1", "--dns-rfc2136", "a.example", "-d"};
  CHECK_THROWS_AS(app.parse(both), CLI::ExcludesError);
  // Refused by CLI11 itself, so a config file's or the environment's value yields to the
  // command line instead (cli/settings.hpp): one HTTP-01 or TLS-ALPN-01 method, a key file only
  // with its server, a resolver only with a hook.
  const std::vector<std::vector<std::string>> excluded = {
      {"-d", "a.example", "--standalone", "--tls-alpn"},
      {"-d", "a.example", "--webroot", dir.path().string(), "--tls-alpn=:8443"},
      {"-d", "a.example", "--http-listen", ":8080", "--tls-alpn"},
  };
  for (std::vector<std::string> args : excluded) {
    CLI::App excluding{"test"};
    cli::IssueFlags parsed;
    cli::add_issue_flags(excluding, parsed);
    std::reverse(args.begin(), args.end());
    CHECK_THROWS_AS(excluding.parse(args), CLI::ExcludesError);
  }
  const std::vector<std::vector<std::string>> needing = {
      {"-d", "a.example", "--tsig-key", loose.string()},
      {"-d", "a.example", "--dns-rfc2136", "ns1.example", "--dns-resolver", "127.0.0.1"},
  };
  for (std::vector<std::string> args : needing) {
    CLI::App needs{"test"};
    cli::IssueFlags parsed;
    cli::add_issue_flags(needs, parsed);
    std::reverse(args.begin(), args.end());
    CHECK_THROWS_AS(needs.parse(args), CLI::RequiresError);
  }
}
