// SPDX-License-Identifier: Apache-2.0
#include "deploy/hook_runner.hpp"

#include <catch2/catch.hpp>

#include "core/strings.hpp"
#include "deploy/deploy_test_support.hpp"

using namespace certkeep;
using namespace certkeep::deploy;
using namespace certkeep::deploy::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

ProcessResult result(int exit_code, int signal = 0, bool timed_out = false, std::string output = "") {
  ProcessResult r;
  r.exit_code = exit_code;
  r.signal = signal;
  r.timed_out = timed_out;
  r.output_tail = std::move(output);
  return r;
}

// Records the spec it was given and answers with a scripted result.
class RecordingRunner final : public ProcessRunner {
 public:
  Result<ProcessResult> run(const ProcessSpec& spec) override {
    specs.push_back(spec);
    return answer;
  }
  std::vector<ProcessSpec> specs;
  Result<ProcessResult> answer = result(0);
};

HookSpec sample_hook(std::string command) {
  HookSpec hook;
  hook.command = std::move(command);
  hook.lineage = "example.com";
  hook.domains = {"example.com", "www.example.com"};
  hook.cert_path = "/state/live/example.com/cert.pem";
  hook.chain_path = "/state/live/example.com/chain.pem";
  hook.fullchain_path = "/state/live/example.com/fullchain.pem";
  hook.key_path = "/state/live/example.com/privkey.pem";
  hook.serial = "0A1B2C";
  hook.not_after = "2030-01-02T03:04:05Z";
  hook.timeout = 7s;
  return hook;
}

const std::map<std::string, std::string> kExpectedEnvironment = {
    {"CERTKEEP_NAME", "example.com"},
    {"CERTKEEP_DOMAINS", "example.com www.example.com"},
    {"CERTKEEP_CERT", "/state/live/example.com/cert.pem"},
    {"CERTKEEP_CHAIN", "/state/live/example.com/chain.pem"},
    {"CERTKEEP_FULLCHAIN", "/state/live/example.com/fullchain.pem"},
    {"CERTKEEP_KEY", "/state/live/example.com/privkey.pem"},
    {"CERTKEEP_SERIAL", "0A1B2C"},
    {"CERTKEEP_NOT_AFTER", "2030-01-02T03:04:05Z"},
};

}  // namespace

TEST_CASE("hook_environment has exactly the eight CERTKEEP variables", "[deploy][hook]") {
  CHECK(hook_environment(sample_hook("true")) == kExpectedEnvironment);
}

TEST_CASE("a CSR lineage's hook gets no key path and CERTKEEP_KEY_EXTERNAL=1", "[deploy][hook][csr]") {
  HookSpec hook = sample_hook("true");
  hook.key_path.clear();
  auto expected = kExpectedEnvironment;
  expected["CERTKEEP_KEY"] = "";
  expected["CERTKEEP_KEY_EXTERNAL"] = "1";
  CHECK(hook_environment(hook) == expected);
}

TEST_CASE("the hook command reaches sh -c byte for byte, with facts only in the environment",
          "[deploy][hook]") {
  RecordingRunner runner;
  const std::string command = "systemctl reload nginx && echo \"$CERTKEEP_NAME\" '`x`' $(true)\n# done";
  auto outcome = run_deploy_hook(runner, sample_hook(command));
  REQUIRE(outcome);
  REQUIRE(runner.specs.size() == 1);
  CHECK(runner.specs[0].argv == std::vector<std::string>{"/bin/sh", "-c", command});
  CHECK(runner.specs[0].env == kExpectedEnvironment);
  CHECK(runner.specs[0].timeout == 7s);
  CHECK(outcome->succeeded);
  CHECK(outcome->describe() == "exit 0");
}

TEST_CASE("a real hook sees the CERTKEEP variables with the right values", "[deploy][hook]") {
  PosixProcessRunner runner;
  auto outcome = run_deploy_hook(runner, sample_hook("env | grep '^CERTKEEP_'"));
  REQUIRE(outcome);
  CHECK(outcome->succeeded);
  std::map<std::string, std::string> seen;
  for (const auto& line : core::split(outcome->output_tail, '\n')) {
    if (line.empty()) continue;
    auto equals = line.find('=');
    REQUIRE(equals != std::string::npos);
    seen[line.substr(0, equals)] = line.substr(equals + 1);
  }
  CHECK(seen == kExpectedEnvironment);
}

TEST_CASE("hostile values in the environment are never evaluated by the shell", "[deploy][hook]") {
  PosixProcessRunner runner;
  TempDir dir;
  const fs::path marker = dir.path() / "pwned";
  HookSpec hook = sample_hook("printf '%s' \"$CERTKEEP_SERIAL\"");
  hook.serial = "$(touch " + marker.string() + ")";
  auto outcome = run_deploy_hook(runner, hook);
  REQUIRE(outcome);
  CHECK(outcome->succeeded);
  CHECK(outcome->output_tail == hook.serial);
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("failing, killed and hanging hooks are outcomes, not errors", "[deploy][hook]") {
  RecordingRunner runner;
  SECTION("non-zero exit") {
    runner.answer = result(3, 0, false, "boom\n");
    auto outcome = run_deploy_hook(runner, sample_hook("exit 3"));
    REQUIRE(outcome);
    CHECK_FALSE(outcome->succeeded);
    CHECK(outcome->exit_code == 3);
    CHECK(outcome->output_tail == "boom\n");
    CHECK(outcome->describe() == "exit 3");
  }
  SECTION("killed by a signal") {
    runner.answer = result(-1, 9);
    auto outcome = run_deploy_hook(runner, sample_hook("kill -9 $$"));
    REQUIRE(outcome);
    CHECK_FALSE(outcome->succeeded);
    CHECK(outcome->describe() == "killed by signal 9");
  }
  SECTION("timed out") {
    runner.answer = result(-1, 15, true);
    HookSpec hook = sample_hook("sleep 1000");
    hook.timeout = 300s;
    auto outcome = run_deploy_hook(runner, hook);
    REQUIRE(outcome);
    CHECK_FALSE(outcome->succeeded);
    CHECK(outcome->timed_out);
    CHECK(outcome->describe() == "timed out after 300 s");
  }
}

TEST_CASE("a hook that cannot start is an Io error with context", "[deploy][hook]") {
  RecordingRunner runner;
  runner.answer = tl::unexpected<Error>(Error(Errc::Io, "start /bin/sh: No such file or directory"));
  auto outcome = run_deploy_hook(runner, sample_hook("true"));
  REQUIRE_FALSE(outcome);
  CHECK(outcome.error().code() == Errc::Io);
  CHECK_THAT(outcome.error().message(), Catch::StartsWith("deploy hook for example.com: "));

  auto empty = run_deploy_hook(runner, sample_hook(""));
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code() == Errc::InvalidArgument);
}
