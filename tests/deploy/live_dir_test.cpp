// SPDX-License-Identifier: Apache-2.0
#include "deploy/live_dir.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "deploy/deploy_test_support.hpp"
#include "deploy/unique_fd.hpp"

using namespace certkeep;
using namespace certkeep::deploy;
using namespace certkeep::deploy::testing;
namespace fs = std::filesystem;

namespace {

// Files whose every line names `marker`, so a cert and key from different publishes, or a
// truncated file, are recognisable. Large enough to need several write(2) calls' worth of page
// cache, so a non-atomic writer would be caught.
std::string body(const std::string& kind, int marker) {
  std::string text = "-----BEGIN " + kind + "-----\n";
  for (int i = 0; i < 200; ++i)
    text += kind + " marker " + std::to_string(marker) + " line " + std::to_string(i) + "\n";
  return text + "-----END " + kind + " " + std::to_string(marker) + "-----\n";
}

// The marker of a file made by body(), or -1.
int marker_of(const std::string& text) {
  auto at = text.find(" marker ");
  if (at == std::string::npos) return -1;
  try {
    return std::stoi(text.substr(at + 8, 4));
  } catch (...) {
    return -1;
  }
}

LiveFiles files_for(int marker) {
  LiveFiles files;
  files.cert = body("CERTIFICATE", marker);
  files.chain = body("CHAIN", marker);
  files.fullchain = files.cert + files.chain;
  files.privkey = core::Secret(body("PRIVATE KEY", marker));
  return files;
}

std::string serial_for(int marker) { return "0A" + std::to_string(marker); }

std::size_t version_count(const fs::path& state, const std::string& name) {
  return entry_count(state / "archive" / name);
}

// Reads cert.pem and privkey.pem the way a careful terminator does: resolve live/<name> once,
// then open both files relative to that directory. Returns false when the version directory
// vanished underneath (pruned): that is a retry, not a mix.
bool read_pair(const fs::path& live, std::string& cert, std::string& key) {
  UniqueFd dir(::open(live.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return false;
  auto read_at = [&](const char* name, std::string& out) {
    UniqueFd fd(::openat(dir.get(), name, O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    out.clear();
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fd.get(), buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<std::size_t>(n));
    return n == 0;
  };
  return read_at("cert.pem", cert) && read_at("privkey.pem", key);
}

}  // namespace

TEST_CASE("publish_live_files writes four files with their modes behind a live symlink",
          "[deploy][live_dir]") {
  TempDir state;
  auto published = publish_live_files(state.path(), "example.com", "0A1B", files_for(1));
  REQUIRE(published);
  const fs::path live = state.path() / "live" / "example.com";
  REQUIRE(fs::is_symlink(live));
  CHECK(fs::read_symlink(live).is_relative());
  CHECK(fs::read_symlink(live).string().starts_with("../archive/example.com/"));
  CHECK(fs::equivalent(live, *published));
  CHECK(published->filename().string().ends_with("-0A1B"));

  CHECK(read_text(live / "cert.pem") == body("CERTIFICATE", 1));
  CHECK(read_text(live / "chain.pem") == body("CHAIN", 1));
  CHECK(read_text(live / "fullchain.pem") == body("CERTIFICATE", 1) + body("CHAIN", 1));
  CHECK(read_text(live / "privkey.pem") == body("PRIVATE KEY", 1));
  CHECK(mode_of(*published / "privkey.pem") == 0600);
  CHECK(mode_of(*published / "cert.pem") == 0644);
  CHECK(mode_of(*published / "chain.pem") == 0644);
  CHECK(mode_of(*published / "fullchain.pem") == 0644);
  CHECK(mode_of(*published) == 0700);
  CHECK(mode_of(state.path() / "live") == 0700);
  CHECK(mode_of(state.path() / "archive") == 0700);
  CHECK(entry_count(*published) == 4);
  // The temporary symlink is gone.
  CHECK(entry_count(state.path() / "live") == 1);

  auto serial = live_serial(state.path(), "example.com");
  REQUIRE(serial);
  CHECK(*serial == std::optional<std::string>("0A1B"));
}

TEST_CASE("without a key (a CSR's lineage) three files are published and no privkey.pem",
          "[deploy][live_dir][csr]") {
  TempDir state;
  LiveFiles files = files_for(1);
  files.privkey = core::Secret();
  auto published = publish_live_files(state.path(), "csr.example.com", "0C", files);
  REQUIRE(published);
  CHECK(entry_count(*published) == 3);
  CHECK_FALSE(fs::exists(*published / "privkey.pem"));
  CHECK(read_text(state.path() / "live" / "csr.example.com" / "fullchain.pem") ==
        body("CERTIFICATE", 1) + body("CHAIN", 1));
}

TEST_CASE("a second publish switches all four files and a later one prunes to three versions",
          "[deploy][live_dir]") {
  TempDir state;
  const fs::path live = state.path() / "live" / "site";
  REQUIRE(publish_live_files(state.path(), "site", serial_for(1), files_for(1)));
  auto second = publish_live_files(state.path(), "site", serial_for(2), files_for(2));
  REQUIRE(second);
  CHECK(read_text(live / "cert.pem") == body("CERTIFICATE", 2));
  CHECK(read_text(live / "chain.pem") == body("CHAIN", 2));
  CHECK(read_text(live / "fullchain.pem") == body("CERTIFICATE", 2) + body("CHAIN", 2));
  CHECK(read_text(live / "privkey.pem") == body("PRIVATE KEY", 2));
  CHECK(version_count(state.path(), "site") == 2);

  for (int marker = 3; marker <= 6; ++marker)
    REQUIRE(publish_live_files(state.path(), "site", serial_for(marker), files_for(marker)));
  CHECK(version_count(state.path(), "site") == 3);
  CHECK(read_text(live / "privkey.pem") == body("PRIVATE KEY", 6));
  CHECK(*live_serial(state.path(), "site") == std::optional<std::string>(serial_for(6)));
  // The three kept are the newest: markers 4, 5 and 6.
  for (const auto& entry : fs::directory_iterator(state.path() / "archive" / "site")) {
    std::string name = entry.path().filename().string();
    auto ends_with_serial = [&](int n) { return name.ends_with(std::string("-").append(serial_for(n))); };
    bool newest = ends_with_serial(4) || ends_with_serial(5) || ends_with_serial(6);
    CHECK(newest);
  }
}

TEST_CASE("republishing the same serial makes a new version", "[deploy][live_dir]") {
  TempDir state;
  auto first = publish_live_files(state.path(), "site", "AB", files_for(1));
  auto again = publish_live_files(state.path(), "site", "AB", files_for(2));
  REQUIRE(first);
  REQUIRE(again);
  CHECK(*first != *again);
  CHECK(read_text(state.path() / "live" / "site" / "cert.pem") == body("CERTIFICATE", 2));
}

TEST_CASE("a reader never sees a mixed or partial pair while 50 publishes happen", "[deploy][live_dir]") {
  TempDir state;
  const fs::path live = state.path() / "live" / "busy";
  REQUIRE(publish_live_files(state.path(), "busy", serial_for(0), files_for(0)));

  std::atomic<bool> done{false};
  std::atomic<int> good_reads{0};
  std::atomic<int> bad_reads{0};
  std::string first_bad;
  std::thread reader([&] {
    std::string cert, key;
    int last_marker = 0;
    while (!done.load()) {
      if (!read_pair(live, cert, key)) continue;
      // Which publish did this pair come from? Every line carries the marker.
      int marker = marker_of(cert);
      bool ok = marker >= 0 && cert == body("CERTIFICATE", marker) && key == body("PRIVATE KEY", marker) &&
                marker >= last_marker;
      if (ok) {
        last_marker = marker;
        ++good_reads;
      } else if (bad_reads++ == 0) {
        first_bad = cert.substr(0, 80) + " / " + key.substr(0, 80);
      }
    }
  });
  for (int marker = 1; marker <= 50; ++marker)
    REQUIRE(publish_live_files(state.path(), "busy", serial_for(marker), files_for(marker)));
  done = true;
  reader.join();

  INFO("first bad read: " << first_bad);
  CHECK(bad_reads.load() == 0);
  CHECK(good_reads.load() > 0);
  CHECK(read_text(live / "cert.pem") == body("CERTIFICATE", 50));
  CHECK(read_text(live / "privkey.pem") == body("PRIVATE KEY", 50));
  CHECK(version_count(state.path(), "busy") == 3);
}

TEST_CASE("publish_live_files refuses names that are not one safe path component", "[deploy][live_dir]") {
  TempDir state;
  auto name = GENERATE(as<std::string>{}, "../x", "", "a/b", "..", ".", ".hidden", "-rf", "x/../../y");
  auto published = publish_live_files(state.path(), name, "0A", files_for(1));
  REQUIRE_FALSE(published);
  CHECK(published.error().code() == Errc::InvalidArgument);
  CHECK_FALSE(fs::exists(state.path() / "x"));
  CHECK_FALSE(fs::exists(state.path() / "live"));
  CHECK_FALSE(remove_live_files(state.path(), name));
}

TEST_CASE("publish_live_files refuses a serial that is not plain hex", "[deploy][live_dir]") {
  TempDir state;
  auto serial = GENERATE(as<std::string>{}, "", "../0A", "0A/1", "0A 1B", std::string(129, 'A'));
  auto published = publish_live_files(state.path(), "site", serial, files_for(1));
  REQUIRE_FALSE(published);
  CHECK(published.error().code() == Errc::InvalidArgument);
}

TEST_CASE("a real directory at live/<name> is refused and left untouched", "[deploy][live_dir]") {
  TempDir state;
  const fs::path live = state.path() / "live" / "mine";
  fs::create_directories(live);
  write_text(live / "cert.pem", "user data");
  auto published = publish_live_files(state.path(), "mine", "0A", files_for(1));
  REQUIRE_FALSE(published);
  CHECK(published.error().code() == Errc::Io);
  CHECK_THAT(published.error().message(), Catch::Contains(live.string()));
  CHECK(fs::is_directory(live));
  CHECK_FALSE(fs::is_symlink(live));
  CHECK(read_text(live / "cert.pem") == "user data");
  CHECK(entry_count(live) == 1);
  // remove_live_files does not delete it either.
  auto removed = remove_live_files(state.path(), "mine");
  REQUIRE_FALSE(removed);
  CHECK(removed.error().code() == Errc::Io);
  CHECK(read_text(live / "cert.pem") == "user data");
}

TEST_CASE("a live symlink pointing outside the archive is refused", "[deploy][live_dir]") {
  TempDir state;
  fs::create_directories(state.path() / "live");
  fs::create_directories(state.path() / "elsewhere");
  fs::create_directory_symlink("../elsewhere", state.path() / "live" / "site");
  auto published = publish_live_files(state.path(), "site", "0A", files_for(1));
  REQUIRE_FALSE(published);
  CHECK(published.error().code() == Errc::Io);
  CHECK(fs::read_symlink(state.path() / "live" / "site") == "../elsewhere");
  CHECK_FALSE(live_serial(state.path(), "site"));
}

TEST_CASE("a publish that fails while writing leaves the previous version live", "[deploy][live_dir]") {
  TempDir state;
  const fs::path live = state.path() / "live" / "site";
  REQUIRE(publish_live_files(state.path(), "site", "01", files_for(1)));
  // A real write failure (EFBIG, root is not exempt) in a child process whose file size limit
  // is below the size of one PEM file.
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{2048, 2048};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    auto published = publish_live_files(state.path(), "site", "02", files_for(2));
    ::_exit(!published && published.error().code() == Errc::Io ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(*live_serial(state.path(), "site") == std::optional<std::string>("01"));
  CHECK(read_text(live / "cert.pem") == body("CERTIFICATE", 1));
  CHECK(read_text(live / "privkey.pem") == body("PRIVATE KEY", 1));
  // The half-written version was removed, and the temporary link too.
  CHECK(version_count(state.path(), "site") == 1);
  CHECK(entry_count(state.path() / "live") == 1);
}

TEST_CASE("an unusable archive directory fails the publish with Io", "[deploy][live_dir]") {
  TempDir state;
  fs::create_directories(state.path() / "archive");
  write_text(state.path() / "archive" / "site", "in the way");
  auto published = publish_live_files(state.path(), "site", "02", files_for(2));
  REQUIRE_FALSE(published);
  CHECK(published.error().code() == Errc::Io);
  CHECK_FALSE(fs::exists(fs::symlink_status(state.path() / "live" / "site")));
}

TEST_CASE("remove_live_files removes the link and the archive, missing is fine", "[deploy][live_dir]") {
  TempDir state;
  REQUIRE(publish_live_files(state.path(), "gone", "01", files_for(1)));
  REQUIRE(publish_live_files(state.path(), "kept", "01", files_for(1)));
  REQUIRE(remove_live_files(state.path(), "gone"));
  CHECK_FALSE(fs::exists(fs::symlink_status(state.path() / "live" / "gone")));
  CHECK_FALSE(fs::exists(state.path() / "archive" / "gone"));
  CHECK(read_text(state.path() / "live" / "kept" / "cert.pem") == body("CERTIFICATE", 1));
  CHECK(remove_live_files(state.path(), "gone"));
  CHECK(remove_live_files(state.path(), "never-existed"));
  auto serial = live_serial(state.path(), "gone");
  REQUIRE(serial);
  CHECK_FALSE(serial->has_value());
}
