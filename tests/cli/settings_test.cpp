// SPDX-License-Identifier: Apache-2.0
// Config file and environment (cli/settings.hpp): names derived from the definitions,
// precedence command line > environment > file > default, exclusions, hook variables never
// read as options, and every kind of config error named with its line and key.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "cli/command_tree.hpp"
#include "cli/settings.hpp"
#include "lifecycle/deployer.hpp"
#include "support/temp_dir.hpp"

using namespace certkeep;

namespace {

using EnvMap = std::map<std::string, std::string>;

cli::EnvironmentLookup fake_env(EnvMap values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

std::unique_ptr<cli::CommandTree> parse_args(std::vector<std::string> args, std::string* error = nullptr) {
  auto tree = cli::make_command_tree();
  args.insert(args.begin(), "certkeep");
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  try {
    tree->app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    if (error != nullptr) *error = e.get_name() + std::string(": ") + e.what();
  }
  return tree;
}

struct Run {
  std::unique_ptr<cli::CommandTree> tree;
  cli::Layering layers;
  std::string error;
};

// What run_command_line does before running a command: parse, layer, parse again.
Run layered(const std::vector<std::string>& args, const EnvMap& env, const std::string& toml = "") {
  auto first = parse_args(args);
  std::optional<config::Document> document;
  if (!toml.empty()) {
    auto parsed = config::parse_text(toml, "certkeep.toml");
    REQUIRE(parsed);
    REQUIRE(cli::check_config(*parsed, 0600).empty());
    document = std::move(*parsed);
  }
  Run run;
  run.layers = cli::layer_settings(*first, document ? &*document : nullptr, fake_env(env), false);
  std::vector<std::string> all = args;
  all.insert(all.end(), run.layers.arguments.begin(), run.layers.arguments.end());
  run.tree = parse_args(all, &run.error);
  return run;
}

std::string value_of(cli::CommandTree& tree, const std::vector<std::string>& path,
                     const std::string& option) {
  CLI::App* app = &tree.app;
  for (const std::string& part : path) app = app->get_subcommand(part);
  const CLI::Option* found = app->get_option("--" + option);
  return found->count() > 0 ? found->as<std::string>() : "";
}

std::vector<std::string> problems_of(const std::string& toml, unsigned mode = 0600,
                                     const cli::TreeFactory& make_tree = cli::make_command_tree) {
  auto parsed = config::parse_text(toml, "certkeep.toml");
  REQUIRE(parsed);
  return cli::check_config(*parsed, mode, make_tree);
}

bool mentions(const std::vector<std::string>& problems, const std::string& part) {
  for (const std::string& problem : problems)
    if (problem.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("environment names and config keys follow from the option definitions", "[cli][settings]") {
  auto tree = cli::make_command_tree();
  auto option = [&](std::vector<std::string> path, const std::string& name) {
    CLI::App* app = &tree->app;
    for (const auto& part : path) app = app->get_subcommand(part);
    return app->get_option("--" + name);
  };
  CHECK(cli::environment_name({}, *option({}, "state-dir")) == "CERTKEEP_STATE_DIR");
  CHECK(cli::config_key({}, *option({}, "state-dir")) == "state-dir");
  CHECK(cli::environment_name({"issue"}, *option({"issue"}, "email")) == "CERTKEEP_ISSUE_EMAIL");
  CHECK(cli::config_key({"issue"}, *option({"issue"}, "email")) == "issue.email");
  CHECK(cli::environment_name({"ca", "init"}, *option({"ca", "init"}, "cn")) == "CERTKEEP_CA_INIT_CN");
  CHECK(cli::config_key({"ca", "init"}, *option({"ca", "init"}, "cn")) == "ca.init.cn");
}

TEST_CASE("no option is read from a variable hooks get, and every other option has one", "[cli][settings]") {
  auto tree = cli::make_command_tree();
  const auto reserved = lifecycle::hook_variable_names();
  std::set<std::string> seen;
  for (const cli::CommandNode& node : cli::command_nodes(tree->app)) {
    for (CLI::Option* option : cli::named_options(*node.app)) {
      const std::string name = cli::environment_name(node.path, *option);
      INFO(cli::command_name(node.path) << " --" << cli::long_name(*option) << " -> " << name);
      CHECK(std::find(reserved.begin(), reserved.end(), name) == reserved.end());
      if (name.empty()) continue;
      CHECK(name.rfind("CERTKEEP_", 0) == 0);
      CHECK(seen.insert(name).second);  // two options never share a variable
    }
  }
  CHECK(seen.size() > 40);
}

TEST_CASE("a hook's CERTKEEP_NAME and CERTKEEP_DOMAINS do not become options of a certkeep it runs",
          "[cli][settings]") {
  EnvMap hook_env{{"CERTKEEP_NAME", "hook.example"}, {"CERTKEEP_DOMAINS", "a.example b.example"},
                  {"CERTKEEP_CERT", "/x/cert.pem"},  {"CERTKEEP_KEY", "/x/privkey.pem"},
                  {"CERTKEEP_SERIAL", "0A"},         {"CERTKEEP_EVENT", "stale"},
                  {"CERTKEEP_REASON", "why"}};
  Run renew = layered({"renew"}, hook_env);
  CHECK(renew.error.empty());
  CHECK(renew.layers.arguments.empty());
  CHECK(value_of(*renew.tree, {"renew"}, "name").empty());
  Run issue = layered({"issue", "-d", "own.example"}, hook_env);
  CHECK(issue.layers.arguments.empty());
  CHECK(value_of(*issue.tree, {"issue"}, "name").empty());
  // The command's own variable still works.
  Run own = layered({"renew"}, {{"CERTKEEP_RENEW_NAME", "mine.example"}});
  CHECK(value_of(*own.tree, {"renew"}, "name") == "mine.example");
}

TEST_CASE("precedence: command line over environment over config file over default", "[cli][settings]") {
  const std::string toml = "state-dir = \"/from/file\"\n[issue]\nemail = \"file@example.com\"\n";
  const EnvMap env{{"CERTKEEP_STATE_DIR", "/from/env"}, {"CERTKEEP_ISSUE_EMAIL", "env@example.com"}};

  Run defaults = layered({"issue", "-d", "a.example"}, {});
  CHECK(defaults.tree->global.state_dir.empty());
  CHECK(value_of(*defaults.tree, {"issue"}, "email").empty());

  Run file = layered({"issue", "-d", "a.example"}, {}, toml);
  CHECK(file.tree->global.state_dir == "/from/file");
  CHECK(value_of(*file.tree, {"issue"}, "email") == "file@example.com");
  const cli::Setting* from_file = file.layers.settings.find("issue.email");
  REQUIRE(from_file);
  CHECK(from_file->source == cli::SettingSource::File);
  CHECK(from_file->line == 3);

  Run environment = layered({"issue", "-d", "a.example"}, env, toml);
  CHECK(environment.tree->global.state_dir == "/from/env");
  CHECK(value_of(*environment.tree, {"issue"}, "email") == "env@example.com");
  CHECK(environment.layers.settings.find("state-dir")->source == cli::SettingSource::Environment);

  Run flags = layered(
      {"--state-dir", "/from/flag", "issue", "-d", "a.example", "--email", "flag@example.com"}, env, toml);
  CHECK(flags.error.empty());
  CHECK(flags.tree->global.state_dir == "/from/flag");
  CHECK(value_of(*flags.tree, {"issue"}, "email") == "flag@example.com");
  CHECK(flags.layers.settings.find("issue.email")->source == cli::SettingSource::CommandLine);
  // A global option after the command is the command line's too.
  Run after = layered({"issue", "-d", "a.example", "--state-dir", "/after"}, env, toml);
  CHECK(after.tree->global.state_dir == "/after");
}

TEST_CASE("a layered value yields to an option the command line gives that excludes it", "[cli][settings]") {
  testing::TempDir dir("settings");
  const std::string toml = "[issue]\nwebroot = \"" + dir.path().string() + "\"\n";
  Run standalone = layered({"issue", "-d", "a.example", "--standalone"}, {}, toml);
  CHECK(standalone.error.empty());
  CHECK(value_of(*standalone.tree, {"issue"}, "webroot").empty());
  Run webroot = layered({"issue", "-d", "a.example"}, {}, toml);
  CHECK(value_of(*webroot.tree, {"issue"}, "webroot") == dir.path().string());
  // The environment's --standalone wins over the file's webroot the same way.
  Run env_first = layered({"issue", "-d", "a.example"}, {{"CERTKEEP_ISSUE_STANDALONE", "yes"}}, toml);
  CHECK(env_first.error.empty());
  CHECK(value_of(*env_first.tree, {"issue"}, "webroot").empty());
  // A false flag sets nothing, and excludes nothing.
  Run off = layered({"issue", "-d", "a.example"}, {{"CERTKEEP_ISSUE_STANDALONE", "0"}}, toml);
  CHECK(value_of(*off.tree, {"issue"}, "webroot") == dir.path().string());
}

TEST_CASE("a default whose option needs another applies only when that one is given", "[cli][settings]") {
  const std::string toml = "[issue]\nvalidity = 30\n";
  Run acme = layered({"issue", "-d", "a.example"}, {}, toml);
  CHECK(acme.error.empty());
  CHECK(value_of(*acme.tree, {"issue"}, "validity").empty());
  Run private_ca = layered({"issue", "-d", "a.example", "--ca", "internal"}, {}, toml);
  CHECK(private_ca.error.empty());
  CHECK(value_of(*private_ca.tree, {"issue"}, "validity") == "30");
}

TEST_CASE("repeatable options take arrays from the file and space-separated words from the environment",
          "[cli][settings]") {
  Run file = layered({"issue", "--email", "x@example.com"}, {},
                     "[issue]\ndomain = [\"a.example\", \"b.example\"]\n");
  CHECK(file.error.empty());
  Run env = layered({"issue"}, {{"CERTKEEP_ISSUE_DOMAIN", "a.example  b.example"}});
  CHECK(env.error.empty());
  for (Run* run : {&file, &env}) {
    auto names =
        run->tree->app.get_subcommand("issue")->get_option("--domain")->as<std::vector<std::string>>();
    CHECK(names == std::vector<std::string>{"a.example", "b.example"});
  }
}

TEST_CASE("config errors: each names the file, the line and the key", "[cli][settings][config]") {
  SECTION("an unknown global key") {
    auto problems = problems_of("state-dir = \"/x\"\nstate_dir = \"/y\"\n");
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].rfind("certkeep.toml:2: state_dir: unknown key", 0) == 0);
  }
  SECTION("an unknown key of a command, with where it belongs") {
    auto problems = problems_of("[renew]\nemail = \"a@b.c\"\n");
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].rfind("certkeep.toml:2: renew.email: unknown key", 0) == 0);
    CHECK(mentions(problems, "[issue]"));
  }
  SECTION("a table that is no command") {
    auto problems = problems_of("[isue]\nemail = \"a@b.c\"\n");
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].rfind("certkeep.toml:1: [isue]: no such command", 0) == 0);
  }
  SECTION("wrong types") {
    auto problems = problems_of(
        "quiet = \"yes\"\n[renew]\nconcurrency = \"four\"\n[issue]\nemail = 42\nname = [\"a\", \"b\"]\n");
    REQUIRE(problems.size() == 4);
    CHECK(problems[0] == "certkeep.toml:1: quiet: wrong type: a string, expected true or false");
    CHECK(problems[1] == "certkeep.toml:3: renew.concurrency: wrong type: a string, expected an integer");
    CHECK(problems[2] == "certkeep.toml:5: issue.email: wrong type: an integer, expected a string");
    CHECK(problems[3] == "certkeep.toml:6: issue.name: wrong type: an array, expected a string");
  }
  SECTION("a value the option's own check refuses") {
    auto problems = problems_of("[renew]\nconcurrency = 100\n");
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].rfind("certkeep.toml:2: renew.concurrency: ", 0) == 0);
    CHECK(mentions(problems, "100"));
  }
  SECTION("a TOML syntax error names its line") {
    auto parsed = config::parse_text("[issue]\nemail = \"unterminated\n", "certkeep.toml");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message().rfind("certkeep.toml:2:", 0) == 0);
  }
  SECTION("a clean file has no problem") {
    CHECK(problems_of("state-dir = \"/var/lib/certkeep\"\nquiet = true\n[issue]\nemail = \"a@b.c\"\n"
                      "key-type = \"ec384\"\n[renew]\nconcurrency = 4\n[ca.init]\ncn = \"Root\"\n")
              .empty());
  }
}

TEST_CASE("an unreadable config file is an error naming it", "[cli][settings][config]") {
  testing::TempDir dir("settings");
  auto as_directory = config::parse_file(dir.path());
  REQUIRE_FALSE(as_directory);
  CHECK(as_directory.error().message().find(dir.path().string()) != std::string::npos);
  auto missing = config::parse_file(dir.path() / "absent.toml");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message().find("absent.toml") != std::string::npos);
}

TEST_CASE("a secret in a file group or others can read is refused, 0600 is fine", "[cli][settings][config]") {
  // issue's --eab-hmac-key is a secret option (cli/eab_flags.cpp); --key-type is not.
  const std::string toml = "[issue]\neab-hmac-key = \"c2VjcmV0\"\n";
  auto readable = problems_of(toml, 0644);
  REQUIRE(readable.size() == 1);
  CHECK(readable[0].rfind(
            "certkeep.toml:2: issue.eab-hmac-key: a secret in a file that group or others can read", 0) == 0);
  CHECK(readable[0].find("c2VjcmV0") == std::string::npos);  // never quoted
  CHECK(problems_of(toml, 0640).size() == 1);
  CHECK(problems_of(toml, 0600).empty());
  auto tree = cli::make_command_tree();
  CHECK(cli::is_secret(*tree->app.get_subcommand("issue")->get_option("--eab-hmac-key")));
  CHECK_FALSE(cli::is_secret(*tree->app.get_subcommand("issue")->get_option("--key-type")));
}

TEST_CASE("environment values the options refuse are reported by name", "[cli][settings][config]") {
  auto problems = cli::check_environment(fake_env({{"CERTKEEP_RENEW_CONCURRENCY", "lots"},
                                                   {"CERTKEEP_DAEMON_RECHECK", "0"},
                                                   {"CERTKEEP_ISSUE_EMAIL", "fine@example.com"},
                                                   {"CERTKEEP_NAME", "hook's, ignored"}}));
  REQUIRE(problems.size() == 2);
  CHECK(mentions(problems, "environment CERTKEEP_RENEW_CONCURRENCY"));
  CHECK(mentions(problems, "environment CERTKEEP_DAEMON_RECHECK"));
}

TEST_CASE("the config file: --config, then CERTKEEP_CONFIG, then the default when it exists",
          "[cli][settings]") {
  CHECK(cli::choose_config_file("/etc/x.toml", fake_env({{"CERTKEEP_CONFIG", "/env.toml"}})).file ==
        "/etc/x.toml");
  auto from_env = cli::choose_config_file("", fake_env({{"CERTKEEP_CONFIG", "/env.toml"}}));
  CHECK(from_env.file == "/env.toml");
  CHECK(from_env.named);
  auto fallback = cli::choose_config_file("", fake_env({}));
  CHECK_FALSE(fallback.named);
  CHECK((fallback.file.empty() || fallback.file == cli::kDefaultConfigFile));
}

TEST_CASE("a URL with a password is a secret wherever it stands: refused in a readable file, never shown",
          "[cli][settings][config]") {
  CHECK(cli::has_password("postgresql://certkeep:s3cret@db.example/certkeep"));
  CHECK(cli::has_password("postgres://u:p@/certkeep?host=/run/postgresql"));
  CHECK_FALSE(cli::has_password("postgresql://certkeep@db.example/certkeep"));
  CHECK_FALSE(cli::has_password("postgresql://db.example:5432/certkeep"));
  CHECK_FALSE(cli::has_password("/var/lib/certkeep/certkeep.db"));
  CHECK_FALSE(cli::has_password("https://acme.example/dir?a=b:c@d"));
  const std::string toml = "store = \"postgresql://certkeep:s3cret@db.example/certkeep\"\n";
  auto readable = problems_of(toml, 0644);
  REQUIRE(readable.size() == 1);
  CHECK(readable[0].rfind("certkeep.toml:1: store: a secret in a file that group or others can read", 0) == 0);
  CHECK(readable[0].find("s3cret") == std::string::npos);
  CHECK(problems_of(toml, 0600).empty());
  Run run = layered({"list"}, {}, toml);
  const cli::Setting* store = run.layers.settings.find("store");
  REQUIRE(store);
  CHECK(store->secret);
  CHECK(store->source == cli::SettingSource::File);
}

TEST_CASE("the challenge options follow the same conventions, a TSIG key file's path is no secret",
          "[cli][settings][challenges]") {
  auto tree = cli::make_command_tree();
  CLI::App* issue = tree->app.get_subcommand("issue");
  CLI::App* edit = tree->app.get_subcommand("edit");
  CHECK(cli::environment_name({"issue"}, *issue->get_option("--tsig-key")) == "CERTKEEP_ISSUE_TSIG_KEY");
  CHECK(cli::config_key({"issue"}, *issue->get_option("--dns-rfc2136")) == "issue.dns-rfc2136");
  CHECK(cli::environment_name({"edit"}, *edit->get_option("--dns-hook")) == "CERTKEEP_EDIT_DNS_HOOK");
  CHECK(cli::environment_name({"issue"}, *issue->get_option("--tls-alpn")) == "CERTKEEP_ISSUE_TLS_ALPN");
  // The key stays in its file (whose own mode certkeep checks); the option holds only the path.
  CHECK_FALSE(cli::is_secret(*issue->get_option("--tsig-key")));
  CHECK_FALSE(cli::is_secret(*edit->get_option("--tsig-key")));
  CHECK(problems_of("[issue]\ndns-rfc2136 = \"ns1.example\"\ntsig-key = \"/etc/certkeep/update.key\"\n"
                    "dns-ttl = 120\nchallenge = [\"a.example=dns-01\"]\ntls-alpn = \":8443\"\n",
                    0644)
            .empty());
  auto wrong = problems_of("[issue]\ndns-ttl = \"sixty\"\n[edit]\nno-dns = \"yes\"\n");
  REQUIRE(wrong.size() == 2);
  CHECK(wrong[0] == "certkeep.toml:2: issue.dns-ttl: wrong type: a string, expected an integer");
  CHECK(wrong[1] == "certkeep.toml:4: edit.no-dns: wrong type: a string, expected true or false");

  testing::TempDir dir("settings-challenges");
  const std::string toml = "[issue]\nwebroot = \"" + dir.path().string() +
                           "\"\ndns-hook = \"/usr/local/bin/dns\"\ndns-resolver = \"127.0.0.1:53\"\n";
  // The file's defaults apply to an issue that gives no challenge option…
  Run defaults = layered({"issue", "-d", "a.example"}, {}, toml);
  CHECK(defaults.error.empty());
  CHECK(value_of(*defaults.tree, {"issue"}, "webroot") == dir.path().string());
  CHECK(value_of(*defaults.tree, {"issue"}, "dns-hook") == "/usr/local/bin/dns");
  CHECK(value_of(*defaults.tree, {"issue"}, "dns-resolver") == "127.0.0.1:53");
  // …and yield to the command line's other methods: --tls-alpn drops the webroot, --dns-rfc2136
  // the hook, and with the hook gone its resolver.
  Run other = layered({"issue", "-d", "a.example", "--tls-alpn", "--dns-rfc2136", "ns1.example", "--tsig-key",
                       "/etc/certkeep/update.key"},
                      {}, toml);
  CHECK(other.error.empty());
  CHECK(value_of(*other.tree, {"issue"}, "webroot").empty());
  CHECK(value_of(*other.tree, {"issue"}, "dns-hook").empty());
  CHECK(value_of(*other.tree, {"issue"}, "dns-resolver").empty());
  CHECK(value_of(*other.tree, {"issue"}, "tsig-key") == "/etc/certkeep/update.key");
  // A key file from the environment is shown like any path, and --challenge takes words.
  Run env = layered({"issue", "-d", "a.example", "-d", "b.example", "--dns-rfc2136", "ns1.example"},
                    {{"CERTKEEP_ISSUE_TSIG_KEY", "/etc/certkeep/env.key"},
                     {"CERTKEEP_ISSUE_CHALLENGE", "a.example=dns-01 b.example=http-01"}});
  CHECK(env.error.empty());
  CHECK(value_of(*env.tree, {"issue"}, "tsig-key") == "/etc/certkeep/env.key");
  const cli::Setting* key = env.layers.settings.find("issue.tsig-key");
  REQUIRE(key);
  CHECK(key->source == cli::SettingSource::Environment);
  CHECK_FALSE(key->secret);
  CHECK(env.tree->app.get_subcommand("issue")->get_option("--challenge")->as<std::vector<std::string>>() ==
        std::vector<std::string>{"a.example=dns-01", "b.example=http-01"});
  // Without its server, an environment's key file is left out rather than refused.
  Run alone = layered({"issue", "-d", "a.example"}, {{"CERTKEEP_ISSUE_TSIG_KEY", "/etc/certkeep/env.key"}});
  CHECK(alone.error.empty());
  CHECK(value_of(*alone.tree, {"issue"}, "tsig-key").empty());
}
