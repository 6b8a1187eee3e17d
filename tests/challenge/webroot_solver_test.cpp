// SPDX-License-Identifier: Apache-2.0
#include "challenge/webroot_solver.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support/example_challenge.hpp"
#include "support/temp_dir.hpp"

using namespace certkeep;
namespace fs = std::filesystem;
using certkeep::challenge::make_webroot_solver;

using namespace certkeep::testing::rfc8555;

namespace {

class TempDir : public certkeep::testing::TempDir {
 public:
  TempDir() : certkeep::testing::TempDir("webroot") {}
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// Everything inside `dir`, recursively, as relative paths.
std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> entries;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    entries.push_back(fs::relative(entry.path(), dir).string());
  std::sort(entries.begin(), entries.end());
  return entries;
}

// Runs `body` with the process umask set to `mask`, restoring it afterwards.
class UmaskScope {
 public:
  explicit UmaskScope(mode_t mask) : previous_(::umask(mask)) {}
  ~UmaskScope() { ::umask(previous_); }
  UmaskScope(const UmaskScope&) = delete;
  UmaskScope& operator=(const UmaskScope&) = delete;

 private:
  mode_t previous_;
};

}  // namespace

TEST_CASE("webroot solver writes the key authorization 0644 under created 0755 directories",
          "[challenge][webroot]") {
  TempDir root;
  auto solver = make_webroot_solver(root.path());
  REQUIRE(solver);
  const Challenge challenge = make_challenge(kToken);
  {
    UmaskScope strict(077);  // the web server must still be able to read what we write
    REQUIRE((*solver)->present(challenge));
  }
  const fs::path dir = root.path() / ".well-known" / "acme-challenge";
  const fs::path file = dir / kToken;
  CHECK(read_file(file) == challenge.key_authorization);
  CHECK(mode_of(file) == 0644);
  CHECK(mode_of(dir) == 0755);
  CHECK(mode_of(root.path() / ".well-known") == 0755);
  CHECK(listing(root.path()) == std::vector<std::string>{".well-known", ".well-known/acme-challenge",
                                                         ".well-known/acme-challenge/" + kToken});

  const Challenge second = make_challenge("second_token_0123456789abcdef");
  REQUIRE((*solver)->present(second));
  (*solver)->cleanup(challenge);
  CHECK_FALSE(fs::exists(file));
  CHECK(read_file(dir / second.token) == second.key_authorization);  // others stay

  (*solver)->cleanup(second);
  CHECK(listing(root.path()).empty());  // the directories it created are gone too
}

TEST_CASE("webroot solver keeps directories and files it did not create", "[challenge][webroot]") {
  TempDir root;
  const fs::path dir = root.path() / ".well-known" / "acme-challenge";
  fs::create_directories(dir);
  fs::permissions(root.path() / ".well-known", fs::perms(0750));
  std::ofstream(root.path() / ".well-known" / "security.txt") << "Contact: x";
  std::ofstream(dir / "someone_elses_token_0123456789") << "theirs";

  auto solver = make_webroot_solver(root.path());
  REQUIRE(solver);
  const Challenge challenge = make_challenge(kToken);
  REQUIRE((*solver)->present(challenge));
  CHECK(mode_of(root.path() / ".well-known") == 0750);  // not ours: untouched
  (*solver)->cleanup(challenge);
  CHECK(listing(root.path()) ==
        std::vector<std::string>{".well-known", ".well-known/acme-challenge",
                                 ".well-known/acme-challenge/someone_elses_token_0123456789",
                                 ".well-known/security.txt"});

  SECTION("a created acme-challenge under an existing .well-known is removed alone") {
    fs::remove_all(dir);
    REQUIRE((*solver)->present(challenge));
    CHECK(fs::exists(dir / kToken));
    (*solver)->cleanup(challenge);
    CHECK_FALSE(fs::exists(dir));
    CHECK(fs::exists(root.path() / ".well-known" / "security.txt"));
  }
  SECTION("cleanup of a token never presented removes nothing") {
    std::ofstream(dir / kToken) << "not ours";
    (*solver)->cleanup(challenge);
    CHECK(read_file(dir / kToken) == "not ours");
  }
}

TEST_CASE("webroot solver refuses a symlink below the webroot", "[challenge][webroot]") {
  TempDir root;
  TempDir elsewhere;
  const Challenge challenge = make_challenge(kToken);
  auto solver = make_webroot_solver(root.path());
  REQUIRE(solver);

  SECTION(".well-known is a symlink") {
    fs::create_directories(elsewhere.path() / "acme-challenge");
    fs::create_directory_symlink(elsewhere.path(), root.path() / ".well-known");
  }
  SECTION("acme-challenge is a symlink") {
    fs::create_directory(root.path() / ".well-known");
    fs::create_directory_symlink(elsewhere.path(), root.path() / ".well-known" / "acme-challenge");
  }
  SECTION(".well-known is a regular file") { std::ofstream(root.path() / ".well-known") << "x"; }
  auto presented = (*solver)->present(challenge);
  REQUIRE_FALSE(presented);
  CHECK(presented.error().code() == Errc::Io);
  CHECK(presented.error().message().find("unsafe webroot path") != std::string::npos);
  CHECK_FALSE(fs::exists(elsewhere.path() / kToken));
  CHECK_FALSE(fs::exists(elsewhere.path() / "acme-challenge" / kToken));
  (*solver)->cleanup(challenge);  // harmless after a refused present
}

TEST_CASE("webroot solver refuses a malformed token before touching the disk", "[challenge][webroot]") {
  TempDir root;
  auto solver = make_webroot_solver(root.path());
  REQUIRE(solver);
  for (const std::string& token : std::vector<std::string>{"../../../../tmp/evil_aaaaaaaaaaaa", "short",
                                                           ".hidden_token_0123456789abcdef"}) {
    CAPTURE(token);
    auto presented = (*solver)->present({"example.com", token, token + "." + kThumbprint});
    REQUIRE_FALSE(presented);
    CHECK(presented.error().code() == Errc::InvalidArgument);
  }
  auto bad_key_authorization = (*solver)->present({"example.com", kToken, "x"});
  REQUIRE_FALSE(bad_key_authorization);
  CHECK(bad_key_authorization.error().code() == Errc::InvalidArgument);
  CHECK(listing(root.path()).empty());
}

TEST_CASE("webroot solver needs an existing directory", "[challenge][webroot]") {
  TempDir root;
  std::ofstream(root.path() / "file") << "x";
  for (const fs::path& webroot : {root.path() / "missing", root.path() / "file", fs::path()}) {
    CAPTURE(webroot);
    auto solver = make_webroot_solver(webroot);
    REQUIRE_FALSE(solver);
    CHECK(solver.error().code() == Errc::InvalidArgument);
  }
}

TEST_CASE("webroot: two solvers sharing a webroot never fail while the other removes its directories",
          "[challenge][webroot][race]") {
  // Two certkeep processes on one webroot: each removes the directories it created once they
  // are empty, which can happen just after the other opened them (faults.renew_and_daemon_race
  // caught "create directory …: No such file or directory" this way).
  TempDir root;
  constexpr int kRounds = 400;
  std::atomic<int> failures{0};
  std::string first_failure;
  std::mutex failure_mutex;
  auto challenge_for = [](const std::string& token) { return make_challenge(token); };
  auto worker = [&](const std::string& token) {
    for (int round = 0; round < kRounds; ++round) {
      // No Catch2 assertion in here: Catch2 v2 is not thread-safe.
      auto solver = make_webroot_solver(root.path());  // a fresh one owns what it creates
      auto presented = solver ? (*solver)->present(challenge_for(token)) : Result<void>(fail(solver.error()));
      if (!presented) {
        std::lock_guard lock(failure_mutex);
        if (failures++ == 0) first_failure = presented.error().to_string();
        continue;
      }
      (*solver)->cleanup(challenge_for(token));
    }
  };
  std::thread a(worker, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  std::thread b(worker, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
  a.join();
  b.join();
  INFO(first_failure);
  CHECK(failures == 0);
  // Directories either one created may stay when the other had filled them at its cleanup,
  // but no token is left behind.
  CHECK_FALSE(
      fs::exists(root.path() / ".well-known/acme-challenge" / "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
  CHECK_FALSE(
      fs::exists(root.path() / ".well-known/acme-challenge" / "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
}
