// SPDX-License-Identifier: Apache-2.0
#include "deploy/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <system_error>

#include "core/strings.hpp"
#include "deploy/unique_fd.hpp"

namespace certkeep::deploy {

namespace fs = std::filesystem;

tl::unexpected<Error> io_error(std::string_view step, const fs::path& path, int error_number) {
  return fail(Errc::Io, std::string(step) + " " + path.string() + ": " + core::errno_text(error_number));
}

namespace {

fs::path directory_of(const fs::path& path) {
  fs::path parent = path.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

// A name no other writer picks: the pid separates processes, the counter threads, and the
// clock a reused pid after a crash. O_EXCL still decides; a clash just tries the next name.
fs::path temporary_name(const fs::path& path, unsigned attempt) {
  static std::atomic<unsigned long> counter{0};
  auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
  // Appended, not "." + …: GCC 12's -Wstringop-overflow misreads operator+(const char*, string&&).
  std::string name = ".";
  name.append(path.filename().string()).append(".tmp-").append(std::to_string(::getpid())).append("-");
  name.append(std::to_string(counter.fetch_add(1))).append("-").append(std::to_string(ticks % 1000000));
  name.append("-").append(std::to_string(attempt));
  return directory_of(path) / name;
}

Result<void> write_all(int fd, std::string_view content, const fs::path& path) {
  while (!content.empty()) {
    ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return io_error("write", path, errno);
    }
    content.remove_prefix(static_cast<std::size_t>(written));
  }
  return {};
}

// Writes into an already created file; the caller unlinks it on failure.
Result<void> fill_file(UniqueFd fd, std::string_view content, mode_t mode, const fs::path& path) {
  // The umask may have narrowed `mode` at creation; never widened it. Set exactly what was asked.
  if (::fchmod(fd.get(), mode) != 0) return io_error("chmod", path, errno);
  if (auto written = write_all(fd.get(), content, path); !written) return written;
  if (::fsync(fd.get()) != 0) return io_error("fsync", path, errno);
  // close() can report a deferred write error (NFS): a file we cannot vouch for is a failure.
  if (fd.close() != 0) return io_error("close", path, errno);
  return {};
}

constexpr int kCreateFlags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;

}  // namespace

Result<void> write_new_file(const fs::path& path, std::string_view content, mode_t mode) {
  // Created with `mode` (minus umask) from the first instant: a 0600 key is never 0644, even briefly.
  UniqueFd fd(::open(path.c_str(), kCreateFlags, mode));
  if (!fd) return io_error("create", path, errno);
  auto filled = fill_file(std::move(fd), content, mode, path);
  if (!filled) ::unlink(path.c_str());
  return filled;
}

Result<void> write_file_atomically(const fs::path& path, std::string_view content, mode_t mode) {
  if (path.filename().empty()) return fail(Errc::Io, "write " + path.string() + ": not a file name");
  fs::path temporary;
  UniqueFd fd;
  for (unsigned attempt = 0; attempt < 100 && !fd; ++attempt) {
    temporary = temporary_name(path, attempt);
    fd.reset(::open(temporary.c_str(), kCreateFlags, mode));
    if (!fd && errno != EEXIST) return io_error("create temporary file for", path, errno);
  }
  if (!fd) return io_error("create temporary file for", path, EEXIST);

  if (auto filled = fill_file(std::move(fd), content, mode, path); !filled) {
    ::unlink(temporary.c_str());
    return filled;
  }
  // rename(2) is the atomic step: readers see the old inode or the new one, never a mix.
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(temporary.c_str());
    return io_error("rename into", path, error);
  }
  // Without this the rename itself may be lost in a crash, leaving the old file.
  return fsync_directory(directory_of(path));
}

Result<void> fsync_directory(const fs::path& directory) {
  UniqueFd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return io_error("open directory", directory, errno);
  if (::fsync(fd.get()) != 0) return io_error("fsync directory", directory, errno);
  return {};
}

Result<void> ensure_private_directory(const fs::path& path) {
  if (path.empty()) return fail(Errc::Io, "create directory: empty path");
  fs::path prefix;
  fs::path normal = path.lexically_normal();
  // "a/b/" ends in an empty element; lstat("a/b/") would follow a symlink at b.
  if (normal.filename().empty() && normal.has_relative_path()) normal = normal.parent_path();
  for (auto it = normal.begin(); it != normal.end(); ++it) {
    prefix /= *it;
    if (::mkdir(prefix.c_str(), 0700) == 0) {
      // mkdir already applied 0700 minus the umask; an odd umask (e.g. 0277) must not leave a
      // directory we cannot enter, so set it explicitly.
      if (::chmod(prefix.c_str(), 0700) != 0) return io_error("chmod", prefix, errno);
      continue;
    }
    if (errno != EEXIST) return io_error("create directory", prefix, errno);
  }
  struct stat status {};
  if (::lstat(normal.c_str(), &status) != 0) return io_error("stat", normal, errno);
  if (S_ISLNK(status.st_mode))
    return fail(Errc::Io, "directory " + normal.string() + " is a symlink; refusing to use it");
  if (!S_ISDIR(status.st_mode))
    return fail(Errc::Io, "directory " + normal.string() + " exists and is not a directory");
  return {};
}

}  // namespace certkeep::deploy
