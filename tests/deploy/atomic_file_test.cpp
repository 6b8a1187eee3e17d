// SPDX-License-Identifier: Apache-2.0
#include "deploy/atomic_file.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "deploy/deploy_test_support.hpp"

using namespace certkeep;
using namespace certkeep::deploy;
using namespace certkeep::deploy::testing;
namespace fs = std::filesystem;

namespace {

// Restores the process umask when a test is done with it.
class UmaskGuard {
 public:
  explicit UmaskGuard(mode_t mask) : old_(::umask(mask)) {}
  ~UmaskGuard() { ::umask(old_); }

 private:
  mode_t old_;
};

}  // namespace

TEST_CASE("write_file_atomically writes the content with exactly the requested mode",
          "[deploy][atomic_file]") {
  TempDir dir;
  const fs::path key = dir.path() / "privkey.pem";
  const fs::path cert = dir.path() / "cert.pem";

  SECTION("a permissive umask does not widen 0600") {
    UmaskGuard guard(0);
    REQUIRE(write_file_atomically(key, "secret key", 0600));
    CHECK(read_text(key) == "secret key");
    CHECK(mode_of(key) == 0600);
  }
  SECTION("a strict umask does not narrow 0644") {
    UmaskGuard guard(077);
    REQUIRE(write_file_atomically(cert, "certificate", 0644));
    CHECK(read_text(cert) == "certificate");
    CHECK(mode_of(cert) == 0644);
  }
  SECTION("empty content gives an empty file") {
    REQUIRE(write_file_atomically(cert, "", 0644));
    CHECK(fs::file_size(cert) == 0);
  }
  // Only the final file is left: no temporary files.
  CHECK(entry_count(dir.path()) == 1);
}

TEST_CASE("write_file_atomically replaces an existing file and leaves no temporary file",
          "[deploy][atomic_file]") {
  TempDir dir;
  const fs::path path = dir.path() / "fullchain.pem";
  REQUIRE(write_file_atomically(path, "one", 0644));
  REQUIRE(write_file_atomically(path, std::string(100000, 'y'), 0600));
  CHECK(read_text(path) == std::string(100000, 'y'));
  CHECK(mode_of(path) == 0600);
  CHECK(entry_count(dir.path()) == 1);
}

TEST_CASE("write_file_atomically replaces a symlink instead of writing through it", "[deploy][atomic_file]") {
  TempDir dir;
  const fs::path target = dir.path() / "elsewhere";
  const fs::path link = dir.path() / "cert.pem";
  write_text(target, "not yours");
  fs::create_symlink(target, link);
  REQUIRE(write_file_atomically(link, "new", 0644));
  CHECK_FALSE(fs::is_symlink(link));
  CHECK(read_text(link) == "new");
  CHECK(read_text(target) == "not yours");
}

TEST_CASE("write_file_atomically reports Io naming the path when the directory is unusable",
          "[deploy][atomic_file]") {
  TempDir dir;
  // The parent is a regular file: fails even for root, where permission bits do not.
  const fs::path parent = dir.path() / "plain-file";
  write_text(parent, "x");
  const fs::path path = parent / "cert.pem";
  auto written = write_file_atomically(path, "data", 0644);
  REQUIRE_FALSE(written);
  CHECK(written.error().code() == Errc::Io);
  CHECK_THAT(written.error().message(), Catch::Contains(path.string()));
  CHECK_THAT(written.error().message(), Catch::Contains("Not a directory"));
  CHECK(read_text(parent) == "x");
}

TEST_CASE("a write that fails midway keeps the old file and removes the temporary one",
          "[deploy][atomic_file]") {
  TempDir dir;
  const fs::path path = dir.path() / "cert.pem";
  write_text(path, "old content");
  // A real short write: in a child process, cap the file size (RLIMIT_FSIZE) below the new
  // content, so write(2) fails with EFBIG after the first bytes (root is not exempt).
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    auto written = write_file_atomically(path, std::string(64 * 1024, 'n'), 0644);
    bool as_expected = !written && written.error().code() == Errc::Io &&
                       written.error().message().find(path.string()) != std::string::npos;
    ::_exit(as_expected ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(read_text(path) == "old content");
  CHECK(entry_count(dir.path()) == 1);
}

TEST_CASE("write_new_file refuses an existing file", "[deploy][atomic_file]") {
  TempDir dir;
  const fs::path path = dir.path() / "privkey.pem";
  write_text(path, "keep me");
  auto written = write_new_file(path, "other", 0600);
  REQUIRE_FALSE(written);
  CHECK(written.error().code() == Errc::Io);
  CHECK(read_text(path) == "keep me");
}

TEST_CASE("ensure_private_directory creates missing components 0700 and refuses a symlink",
          "[deploy][atomic_file]") {
  TempDir dir;
  UmaskGuard guard(022);
  const fs::path nested = dir.path() / "state" / "live" / "deep";
  REQUIRE(ensure_private_directory(nested));
  CHECK(fs::is_directory(nested));
  CHECK(mode_of(dir.path() / "state") == 0700);
  CHECK(mode_of(nested) == 0700);
  REQUIRE(ensure_private_directory(nested));  // idempotent
  REQUIRE(ensure_private_directory(nested.string() + "/"));

  SECTION("an existing directory keeps its mode") {
    fs::create_directory(dir.path() / "shared");
    fs::permissions(dir.path() / "shared", fs::perms(0755));
    REQUIRE(ensure_private_directory(dir.path() / "shared"));
    CHECK(mode_of(dir.path() / "shared") == 0755);
  }
  SECTION("a symlink to a directory as the final component is refused") {
    fs::create_directory_symlink(nested, dir.path() / "link");
    auto made = ensure_private_directory(dir.path() / "link");
    REQUIRE_FALSE(made);
    CHECK(made.error().code() == Errc::Io);
    CHECK_THAT(made.error().message(), Catch::Contains("symlink"));
    auto with_slash = ensure_private_directory((dir.path() / "link").string() + "/");
    CHECK_FALSE(with_slash);
  }
  SECTION("a regular file in the way is refused") {
    write_text(dir.path() / "file", "x");
    CHECK_FALSE(ensure_private_directory(dir.path() / "file"));
    auto below = ensure_private_directory(dir.path() / "file" / "sub");
    REQUIRE_FALSE(below);
    CHECK(below.error().code() == Errc::Io);
  }
}

TEST_CASE("fsync_directory reports a missing directory", "[deploy][atomic_file]") {
  TempDir dir;
  CHECK(fsync_directory(dir.path()));
  auto missing = fsync_directory(dir.path() / "nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == Errc::Io);
}
