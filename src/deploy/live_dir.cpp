// SPDX-License-Identifier: Apache-2.0
#include "deploy/live_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <system_error>
#include <vector>

#include "core/failpoint.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "deploy/atomic_file.hpp"

namespace certkeep::deploy {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kVersionsKept = 3;
constexpr std::size_t kCounterDigits = 8;
constexpr std::size_t kMaxSerialLength = 128;

Result<void> check_name(const std::string& name) {
  if (!core::is_valid_lineage_name(name))
    return fail(Errc::InvalidArgument, "invalid lineage name \"" + core::sanitize_for_terminal(name, 64) +
                                           "\" (allowed: a-z 0-9 . _ -, not starting with . or -)");
  return {};
}

bool is_valid_serial(std::string_view serial) {
  if (serial.empty() || serial.size() > kMaxSerialLength) return false;
  return std::all_of(serial.begin(), serial.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  });
}

struct Version {
  unsigned long counter = 0;
  std::string serial;
  std::string directory_name;
};

// "v00000012-0A1B2C" -> {12, "0A1B2C"}; anything else is not ours and is left alone.
std::optional<Version> parse_version(std::string_view directory_name) {
  if (directory_name.size() < kCounterDigits + 3 || directory_name.front() != 'v') return std::nullopt;
  std::size_t dash = directory_name.find('-');
  if (dash == std::string_view::npos || dash < 1 + kCounterDigits) return std::nullopt;
  Version version;
  const char* first = directory_name.data() + 1;
  const char* last = directory_name.data() + dash;
  auto [end, ec] = std::from_chars(first, last, version.counter);
  if (ec != std::errc() || end != last) return std::nullopt;
  version.serial = std::string(directory_name.substr(dash + 1));
  if (!is_valid_serial(version.serial)) return std::nullopt;
  version.directory_name = std::string(directory_name);
  return version;
}

std::string version_name(unsigned long counter, const std::string& serial) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "v%0*lu-", static_cast<int>(kCounterDigits), counter);
  return digits + serial;
}

std::string link_target(const std::string& name, const std::string& version) {
  return "../archive/" + name + "/" + version;
}

// What live/<name> is now: nothing, or a symlink to one of our version directories. A real
// directory or file, or a symlink elsewhere, belongs to the user and is refused.
Result<std::optional<Version>> read_live_link(const fs::path& live_path, const std::string& name) {
  struct stat status {};
  if (::lstat(live_path.c_str(), &status) != 0) {
    if (errno == ENOENT) return std::optional<Version>();
    return io_error("stat", live_path, errno);
  }
  if (!S_ISLNK(status.st_mode))
    return fail(Errc::Io, live_path.string() +
                              " exists and is not a symlink made by certkeep; "
                              "refusing to replace it (move it away first)");
  std::string target(4096, '\0');
  ssize_t length = ::readlink(live_path.c_str(), target.data(), target.size());
  if (length < 0) return io_error("readlink", live_path, errno);
  target.resize(static_cast<std::size_t>(length));
  const std::string prefix = "../archive/" + name + "/";
  std::optional<Version> version;
  if (target.starts_with(prefix)) version = parse_version(std::string_view(target).substr(prefix.size()));
  if (!version)
    return fail(Errc::Io, live_path.string() + " points to " + core::sanitize_for_terminal(target, 256) +
                              ", outside certkeep's archive; refusing to replace it");
  return version;
}

Result<std::vector<Version>> list_versions(const fs::path& lineage_archive) {
  std::vector<Version> versions;
  std::error_code ec;
  for (fs::directory_iterator it(lineage_archive, ec), end; !ec && it != end; it.increment(ec)) {
    if (auto version = parse_version(it->path().filename().string())) versions.push_back(std::move(*version));
  }
  if (ec) return fail(Errc::Io, "list " + lineage_archive.string() + ": " + ec.message());
  std::sort(versions.begin(), versions.end(),
            [](const Version& a, const Version& b) { return a.counter > b.counter; });
  return versions;
}

// Reserves the next version directory; mkdir decides, so two writers never share one.
Result<fs::path> create_version_directory(const fs::path& lineage_archive, const std::string& serial) {
  auto versions = CERTKEEP_TRY(list_versions(lineage_archive));
  unsigned long counter = versions.empty() ? 1 : versions.front().counter + 1;
  for (int attempt = 0; attempt < 100; ++attempt, ++counter) {
    fs::path directory = lineage_archive / version_name(counter, serial);
    if (::mkdir(directory.c_str(), 0700) == 0) {
      if (::chmod(directory.c_str(), 0700) != 0) return io_error("chmod", directory, errno);
      return directory;
    }
    if (errno != EEXIST) return io_error("create directory", directory, errno);
  }
  return fail(Errc::Io, "create a version directory in " + lineage_archive.string() + ": too many clashes");
}

Result<void> write_version(const fs::path& directory, const LiveFiles& files) {
  CERTKEEP_TRY(write_new_file(directory / "cert.pem", files.cert, 0644));
  core::failpoint("deploy_file_1_written");
  CERTKEEP_TRY(write_new_file(directory / "chain.pem", files.chain, 0644));
  core::failpoint("deploy_file_2_written");
  CERTKEEP_TRY(write_new_file(directory / "fullchain.pem", files.fullchain, 0644));
  core::failpoint("deploy_file_3_written");
  // A lineage of a CSR brought by its owner has no key here: no privkey.pem at all.
  if (!files.privkey.empty())
    CERTKEEP_TRY(write_new_file(directory / "privkey.pem", files.privkey.view(), 0600));
  core::failpoint("deploy_file_4_written");
  CERTKEEP_TRY(fsync_directory(directory));
  CERTKEEP_TRY(fsync_directory(directory.parent_path()));
  core::failpoint("deploy_version_synced");
  return {};
}

// rename(2) of a symlink over the old one is the single atomic step of a deployment. If
// live/<name> became a real directory meanwhile, rename fails (EISDIR) instead of replacing it.
Result<void> switch_live_link(const fs::path& live_dir, const std::string& name, const std::string& target) {
  const fs::path temporary = live_dir / ("." + name + ".tmp");
  const fs::path live_path = live_dir / name;
  if (::unlink(temporary.c_str()) != 0 && errno != ENOENT) return io_error("remove stale", temporary, errno);
  if (::symlink(target.c_str(), temporary.c_str()) != 0) return io_error("create symlink", temporary, errno);
  if (::rename(temporary.c_str(), live_path.c_str()) != 0) {
    int error = errno;
    ::unlink(temporary.c_str());
    return io_error("switch", live_path, error);
  }
  core::failpoint("deploy_link_switched");
  return fsync_directory(live_dir);
}

// Old versions are only a convenience (rollback by hand); failing to delete one does not undo
// a deployment that already happened, so it is logged, not returned.
void prune_versions(const fs::path& lineage_archive, const std::string& live_version) {
  auto versions = list_versions(lineage_archive);
  if (!versions) {
    core::log::warn("prune old versions: " + versions.error().message());
    return;
  }
  bool removed = false;
  for (std::size_t i = kVersionsKept; i < versions->size(); ++i) {
    const Version& version = (*versions)[i];
    if (version.directory_name == live_version) continue;
    std::error_code ec;
    fs::remove_all(lineage_archive / version.directory_name, ec);
    if (ec)
      core::log::warn("remove old version " + (lineage_archive / version.directory_name).string() + ": " +
                      ec.message());
    removed = true;
  }
  if (removed) {
    if (auto synced = fsync_directory(lineage_archive); !synced) core::log::warn(synced.error().message());
  }
}

}  // namespace

Result<fs::path> publish_live_files(const fs::path& state_dir, const std::string& name,
                                    const std::string& serial, const LiveFiles& files) {
  CERTKEEP_TRY(check_name(name));
  if (!is_valid_serial(serial))
    return fail(Errc::InvalidArgument, "publish " + name + ": invalid serial \"" +
                                           core::sanitize_for_terminal(serial, 64) + "\" (expected hex)");
  const fs::path live_dir = state_dir / "live";
  const fs::path lineage_archive = state_dir / "archive" / name;
  CERTKEEP_TRY(ensure_private_directory(live_dir));
  CERTKEEP_TRY(ensure_private_directory(lineage_archive));
  CERTKEEP_TRY(read_live_link(live_dir / name, name));

  const fs::path version_directory = CERTKEEP_TRY(create_version_directory(lineage_archive, serial));
  const std::string version = version_directory.filename().string();
  auto published = write_version(version_directory, files);
  if (published) published = switch_live_link(live_dir, name, link_target(name, version));
  if (!published) {
    // Nothing points at the new version yet (or the switch failed), so it can go.
    std::error_code ignored;
    fs::remove_all(version_directory, ignored);
    return fail(std::move(published).error().with_context("publish " + name));
  }
  prune_versions(lineage_archive, version);
  return version_directory;
}

Result<void> remove_live_files(const fs::path& state_dir, const std::string& name) {
  CERTKEEP_TRY(check_name(name));
  const fs::path live_dir = state_dir / "live";
  const fs::path live_path = live_dir / name;
  struct stat status {};
  if (::lstat(live_path.c_str(), &status) == 0) {
    if (!S_ISLNK(status.st_mode))
      return fail(Errc::Io,
                  "remove " + live_path.string() + ": not a symlink made by certkeep; left in place");
    if (::unlink(live_path.c_str()) != 0) return io_error("remove", live_path, errno);
    CERTKEEP_TRY(fsync_directory(live_dir));
  } else if (errno != ENOENT && errno != ENOTDIR) {
    return io_error("stat", live_path, errno);
  }
  const fs::path lineage_archive = state_dir / "archive" / name;
  std::error_code ec;
  fs::remove_all(lineage_archive, ec);
  if (ec) return fail(Errc::Io, "remove " + lineage_archive.string() + ": " + ec.message());
  return {};
}

Result<std::optional<std::string>> live_serial(const fs::path& state_dir, const std::string& name) {
  CERTKEEP_TRY(check_name(name));
  auto version = CERTKEEP_TRY(read_live_link(state_dir / "live" / name, name));
  if (!version) return std::optional<std::string>();
  return std::optional<std::string>(std::move(version->serial));
}

}  // namespace certkeep::deploy
