// SPDX-License-Identifier: Apache-2.0
#include "deploy/process_runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "deploy/deploy_test_support.hpp"
#include "deploy/unique_fd.hpp"

using namespace certkeep;
using namespace certkeep::deploy;
using namespace certkeep::deploy::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

ProcessSpec shell(const std::string& script) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.timeout = 10s;
  return spec;
}

// True once `pid` no longer runs: gone, or a zombie waiting for its (new) parent to reap it.
bool is_dead(pid_t pid) {
  std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return true;
  auto close_paren = stat.rfind(')');
  return close_paren != std::string::npos && close_paren + 2 < stat.size() &&
         (stat[close_paren + 2] == 'Z' || stat[close_paren + 2] == 'X');
}

bool becomes_dead(pid_t pid, std::chrono::milliseconds within) {
  auto until = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < until) {
    if (is_dead(pid)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return is_dead(pid);
}

}  // namespace

TEST_CASE("the exit code and the interleaved output are reported", "[deploy][process]") {
  PosixProcessRunner runner;
  auto result = runner.run(shell("echo out; echo err >&2; exit 3"));
  REQUIRE(result);
  CHECK(result->exit_code == 3);
  CHECK(result->signal == 0);
  CHECK_FALSE(result->timed_out);
  CHECK(result->output_tail == "out\nerr\n");
  CHECK(result->elapsed < 5s);

  auto ok = runner.run(shell("true"));
  REQUIRE(ok);
  CHECK(ok->exit_code == 0);
  CHECK(ok->output_tail.empty());
}

TEST_CASE("the output tail keeps only the last N bytes", "[deploy][process]") {
  PosixProcessRunner runner;
  // 200 KB of output: more than a pipe buffer, so the child blocks unless the pipe is drained.
  auto spec = shell("i=0; while [ $i -lt 2000 ]; do printf '%0100d' $i; i=$((i+1)); done; printf END");
  spec.output_tail_bytes = 100;
  auto result = runner.run(spec);
  REQUIRE(result);
  CHECK(result->exit_code == 0);
  CHECK(result->output_tail.size() == 100);
  CHECK(result->output_tail.ends_with("1999END"));
}

TEST_CASE("control characters in the output are replaced", "[deploy][process]") {
  PosixProcessRunner runner;
  auto result = runner.run(shell("printf 'a\\033[31mb\\r\\nc\\td\\007\\n'"));
  REQUIRE(result);
  CHECK(result->output_tail == "a?[31mb\nc\td?\n");
  CHECK(sanitize_process_output("x\xc2\x9by", 10) == "x??y");
  CHECK(sanitize_process_output("h\xc3\xa9llo", 4) == "llo");  // never starts inside a UTF-8 sequence
}

TEST_CASE("the environment is inherited with the spec's variables added", "[deploy][process]") {
  PosixProcessRunner runner;
  ::setenv("CERTKEEP_TEST_INHERITED", "from parent", 1);
  ::setenv("CERTKEEP_TEST_OVERRIDDEN", "old", 1);
  auto spec =
      shell("printf '%s|%s|%s' \"$CERTKEEP_TEST_INHERITED\" \"$CERTKEEP_TEST_OVERRIDDEN\" \"$EXTRA\"");
  spec.env = {{"CERTKEEP_TEST_OVERRIDDEN", "new"}, {"EXTRA", "a b $(c) 'd'"}};
  auto result = runner.run(spec);
  ::unsetenv("CERTKEEP_TEST_INHERITED");
  ::unsetenv("CERTKEEP_TEST_OVERRIDDEN");
  REQUIRE(result);
  CHECK(result->output_tail == "from parent|new|a b $(c) 'd'");
}

TEST_CASE("stdin is /dev/null and other descriptors are not inherited", "[deploy][process]") {
  PosixProcessRunner runner;
  // Deliberately without O_CLOEXEC, as a careless library would open it.
  UniqueFd leaked(::open("/dev/null", O_RDONLY));  // NOLINT(android-cloexec-open)
  REQUIRE(leaked.get() > 2);
  auto spec = shell("cat; if [ -e /proc/self/fd/" + std::to_string(leaked.get()) +
                    " ]; then echo leaked; else echo closed; fi");
  spec.timeout = 5s;
  auto result = runner.run(spec);
  REQUIRE(result);
  CHECK_FALSE(result->timed_out);
  CHECK(result->output_tail == "closed\n");
}

TEST_CASE("a timeout kills the process group within the timeout plus a margin", "[deploy][process]") {
  PosixProcessRunner runner;
  TempDir dir;
  const fs::path pid_file = dir.path() / "background.pid";
  auto spec = shell("sleep 30 & echo $! > '" + pid_file.string() + "'; sleep 30; echo not reached");
  spec.timeout = 300ms;
  auto started = std::chrono::steady_clock::now();
  auto result = runner.run(spec);
  auto took = std::chrono::steady_clock::now() - started;
  REQUIRE(result);
  CHECK(result->timed_out);
  CHECK(result->exit_code == -1);
  CHECK(result->signal == SIGTERM);
  CHECK(took >= 300ms);
  CHECK(took < 1500ms);
  CHECK(result->output_tail.find("not reached") == std::string::npos);
  // The background child of the shell was in the same group, so it died too.
  std::string background = read_text(pid_file);
  REQUIRE_FALSE(background.empty());
  CHECK(becomes_dead(static_cast<pid_t>(std::stol(background)), 1000ms));
}

TEST_CASE("a process that ignores SIGTERM is killed after the grace period", "[deploy][process]") {
  PosixProcessRunner runner;
  auto spec = shell("trap '' TERM; sleep 30");
  spec.timeout = 200ms;
  spec.kill_grace = 200ms;
  auto started = std::chrono::steady_clock::now();
  auto result = runner.run(spec);
  auto took = std::chrono::steady_clock::now() - started;
  REQUIRE(result);
  CHECK(result->timed_out);
  CHECK(result->signal == SIGKILL);
  CHECK(took >= 400ms);
  CHECK(took < 1500ms);
}

TEST_CASE("a background child holding the output pipe does not delay the result", "[deploy][process]") {
  PosixProcessRunner runner;
  TempDir dir;
  const fs::path pid_file = dir.path() / "daemon.pid";
  auto spec = shell("sleep 5 & echo $! > '" + pid_file.string() + "'; echo started");
  auto started = std::chrono::steady_clock::now();
  auto result = runner.run(spec);
  auto took = std::chrono::steady_clock::now() - started;
  REQUIRE(result);
  CHECK(result->exit_code == 0);
  CHECK(result->output_tail == "started\n");
  CHECK(took < 2s);
  ::kill(static_cast<pid_t>(std::stol(read_text(pid_file))), SIGKILL);
}

TEST_CASE("a command that does not exist is an error of the start", "[deploy][process]") {
  PosixProcessRunner runner;
  auto command = GENERATE(as<std::string>{}, "/nonexistent/certkeep-hook", "certkeep-no-such-command-9f3c");
  ProcessSpec spec;
  spec.argv = {command};
  auto result = runner.run(spec);
  REQUIRE_FALSE(result);
  CHECK(result.error().code() == Errc::Io);
  CHECK_THAT(result.error().message(), Catch::Contains(command));
  CHECK_THAT(result.error().message(), Catch::Contains("No such file"));
}

TEST_CASE("a command missing inside the shell is exit 127", "[deploy][process]") {
  PosixProcessRunner runner;
  auto result = runner.run(shell("certkeep-no-such-command-9f3c"));
  REQUIRE(result);
  CHECK(result->exit_code == 127);
}

TEST_CASE("malformed specs are refused before anything starts", "[deploy][process]") {
  PosixProcessRunner runner;
  ProcessSpec empty;
  CHECK(runner.run(empty).error().code() == Errc::InvalidArgument);
  auto bad_env = shell("true");
  bad_env.env = {{"A=B", "c"}};
  CHECK(runner.run(bad_env).error().code() == Errc::InvalidArgument);
  auto nul = shell(std::string("echo a\0b", 8));
  CHECK(runner.run(nul).error().code() == Errc::InvalidArgument);
}

TEST_CASE("a signal that ends the process is reported", "[deploy][process]") {
  PosixProcessRunner runner;
  auto result = runner.run(shell("kill -KILL $$"));
  REQUIRE(result);
  CHECK(result->signal == SIGKILL);
  CHECK(result->exit_code == -1);
  CHECK_FALSE(result->timed_out);
}
