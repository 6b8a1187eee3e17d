// SPDX-License-Identifier: Apache-2.0
#include "challenge/webroot_solver.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "challenge/independent_solver.hpp"
#include "challenge/socket_fd.hpp"
#include "challenge/token.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"

namespace certkeep::challenge {

namespace {

constexpr const char* kWellKnown = ".well-known";
constexpr const char* kAcmeChallenge = "acme-challenge";
constexpr mode_t kDirectoryMode = 0755;
constexpr mode_t kTokenFileMode = 0644;
// How long placing a token starts over while other processes remove the directories they
// created. One collision costs microseconds, but two processes that keep presenting and
// cleaning up can collide many times in a row on a loaded machine (20 tries were not enough).
constexpr std::chrono::seconds kDirectoryRaceLimit{2};

// Lets the other process finish its cleanup: a yield at first, then a millisecond, so a
// process that keeps losing does not spin.
void wait_for_other_cleanup(int attempt) {
  if (attempt < 8)
    std::this_thread::yield();
  else
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

std::string system_error(std::string_view what, const std::string& path, int error_number) {
  return std::string(what) + " " + path + ": " + std::strerror(error_number);
}

// Opens the directory `name` inside `parent` without following a symlink.
// Errc::NotFound when it does not exist, Errc::Io "unsafe webroot path" when it is a symlink
// or not a directory.
Result<SocketFd> open_directory_at(int parent, const char* name, const std::string& shown) {
  SocketFd fd(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd) return fd;
  const int error_number = errno;
  if (error_number == ENOENT) return fail(Errc::NotFound, system_error("open", shown, error_number));
  // O_NOFOLLOW on a symlink gives ELOOP; O_DIRECTORY on a non-directory gives ENOTDIR.
  if (error_number == ELOOP || error_number == ENOTDIR)
    return fail(Errc::Io, "unsafe webroot path: " + shown + " is a symlink or not a directory");
  return fail(Errc::Io, system_error("open", shown, error_number));
}

// Opens `name` inside `parent`, creating it 0755 when missing; `created` says which happened.
Result<SocketFd> open_or_create_directory_at(int parent, const char* name, const std::string& shown,
                                             bool& created) {
  created = false;
  auto opened = open_directory_at(parent, name, shown);
  if (opened || opened.error().code() != Errc::NotFound) return opened;
  if (::mkdirat(parent, name, kDirectoryMode) != 0) {
    // EEXIST: someone else created it in between: open what is there, as above. ENOENT: another
    // process's cleanup removed the (empty) parent after we opened it; the caller starts over.
    if (errno == ENOENT) return fail(Errc::NotFound, system_error("create directory", shown, errno));
    if (errno != EEXIST) return fail(Errc::Io, system_error("create directory", shown, errno));
  } else {
    created = true;
  }
  SocketFd fd = CERTKEEP_TRY(open_directory_at(parent, name, shown));
  // The umask must not make the directory unreadable for the web server.
  if (created && ::fchmod(fd.get(), kDirectoryMode) != 0)
    return fail(Errc::Io, system_error("chmod", shown, errno));
  return fd;
}

Result<void> write_all(int fd, std::string_view data, const std::string& shown) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::Io, system_error("write", shown, errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

class WebrootSolver final : public IndependentSolver {
 public:
  explicit WebrootSolver(std::filesystem::path webroot) : webroot_(std::move(webroot)) {}

  ChallengeType type() const noexcept override { return ChallengeType::Http01; }

 protected:
  Result<void> present_one(const Challenge& challenge) override {
    CERTKEEP_TRY(check_http01_challenge(challenge));
    std::lock_guard lock(mutex_);
    auto result = write_token(challenge);
    // A failed first present must not leave directories behind.
    if (!result && tokens_.empty()) remove_created_directories();
    return result;
  }

  void cleanup_one(const Challenge& challenge) noexcept override {
    std::lock_guard lock(mutex_);
    auto it = tokens_.find(challenge.token);
    if (it == tokens_.end()) return;  // never presented (or refused): nothing of ours is there
    tokens_.erase(it);
    if (auto dir = open_challenge_directory(); dir) {
      if (::unlinkat(dir->get(), challenge.token.c_str(), 0) != 0 && errno != ENOENT)
        core::log::warn(system_error("HTTP-01 webroot: remove", shown(challenge.token), errno));
    } else {
      core::log::warn("HTTP-01 webroot: cleanup: " + dir.error().message());
    }
    if (tokens_.empty()) remove_created_directories();
  }

 private:
  std::string shown(std::string_view below) const {
    return (webroot_ / kWellKnown / kAcmeChallenge / below).string();
  }

  Result<SocketFd> open_webroot() const {
    // The webroot itself is the operator's choice and may be a symlink; only what lies below
    // it is walked without following links.
    SocketFd fd(::open(webroot_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return fail(Errc::Io, system_error("open webroot", webroot_.string(), errno));
    return fd;
  }

  Result<SocketFd> open_challenge_directory() const {
    SocketFd root = CERTKEEP_TRY(open_webroot());
    SocketFd well_known =
        CERTKEEP_TRY(open_directory_at(root.get(), kWellKnown, (webroot_ / kWellKnown).string()));
    return open_directory_at(well_known.get(), kAcmeChallenge, shown(""));
  }

  Result<SocketFd> open_or_create_challenge_directory() {
    SocketFd root = CERTKEEP_TRY(open_webroot());
    bool created = false;
    SocketFd well_known = CERTKEEP_TRY(
        open_or_create_directory_at(root.get(), kWellKnown, (webroot_ / kWellKnown).string(), created));
    created_well_known_ = created_well_known_ || created;
    SocketFd dir =
        CERTKEEP_TRY(open_or_create_directory_at(well_known.get(), kAcmeChallenge, shown(""), created));
    created_challenge_dir_ = created_challenge_dir_ || created;
    return dir;
  }

  Result<void> write_token(const Challenge& challenge) {
    // Temp file + rename: the web server sees no file or the whole key authorization.
    const std::string temp = "." + challenge.token + ".tmp" + std::to_string(random_());
    // Another certkeep process sharing this webroot removes the directories it created once
    // they are empty, possibly just after we opened them; a file in them keeps them alive, so
    // start over while creating it meets a directory that was removed.
    SocketFd dir;
    SocketFd file;
    int open_error = 0;
    const auto give_up = std::chrono::steady_clock::now() + kDirectoryRaceLimit;
    for (int attempt = 1;; ++attempt) {
      const bool last = std::chrono::steady_clock::now() >= give_up;
      auto opened = open_or_create_challenge_directory();
      if (!opened && (opened.error().code() != Errc::NotFound || last))
        return fail(std::move(opened).error());
      if (!opened) {
        wait_for_other_cleanup(attempt);
        continue;
      }
      dir = std::move(*opened);
      const int fd = ::openat(dir.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                              kTokenFileMode);
      open_error = errno;
      file = SocketFd(fd);
      if (file || open_error != ENOENT || last) break;
      wait_for_other_cleanup(attempt);
    }
    {
      if (!file) return fail(Errc::Io, system_error("create", shown(temp), open_error));
      auto written = write_all(file.get(), challenge.key_authorization, shown(temp));
      if (written && ::fchmod(file.get(), kTokenFileMode) != 0)
        written = fail(Errc::Io, system_error("chmod", shown(temp), errno));
      if (!written) {
        ::unlinkat(dir.get(), temp.c_str(), 0);
        return written;
      }
    }
    if (::renameat(dir.get(), temp.c_str(), dir.get(), challenge.token.c_str()) != 0) {
      const int error_number = errno;
      ::unlinkat(dir.get(), temp.c_str(), 0);
      return fail(Errc::Io, system_error("rename into", shown(challenge.token), error_number));
    }
    tokens_.insert(challenge.token);
    return {};
  }

  // rmdir only what present() created, deepest first; a directory someone else filled stays.
  void remove_created_directories() noexcept {
    auto root = open_webroot();
    if (!root) return;
    if (created_challenge_dir_) {
      auto well_known = open_directory_at(root->get(), kWellKnown, (webroot_ / kWellKnown).string());
      if (well_known && ::unlinkat(well_known->get(), kAcmeChallenge, AT_REMOVEDIR) != 0 && errno != ENOENT &&
          errno != ENOTEMPTY)
        core::log::warn(system_error("HTTP-01 webroot: remove directory", shown(""), errno));
      created_challenge_dir_ = false;
    }
    if (created_well_known_) {
      if (::unlinkat(root->get(), kWellKnown, AT_REMOVEDIR) != 0 && errno != ENOENT && errno != ENOTEMPTY)
        core::log::warn(
            system_error("HTTP-01 webroot: remove directory", (webroot_ / kWellKnown).string(), errno));
      created_well_known_ = false;
    }
  }

  const std::filesystem::path webroot_;
  std::mutex mutex_;
  std::set<std::string, std::less<>> tokens_;  // tokens whose file we wrote
  bool created_well_known_ = false;
  bool created_challenge_dir_ = false;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace

Result<std::unique_ptr<Solver>> make_webroot_solver(std::filesystem::path webroot) {
  std::error_code ec;
  if (webroot.empty() || !std::filesystem::is_directory(webroot, ec))
    return fail(Errc::InvalidArgument, "webroot " + webroot.string() + " is not an existing directory");
  return std::unique_ptr<Solver>(std::make_unique<WebrootSolver>(std::move(webroot)));
}

}  // namespace certkeep::challenge
