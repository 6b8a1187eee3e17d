// SPDX-License-Identifier: Apache-2.0
#include "challenge/port_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/backoff.hpp"

namespace certkeep::challenge {

Result<PortLock> PortLock::acquire(const std::filesystem::path& path, std::chrono::milliseconds max_wait) {
  SocketFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd)
    return fail(Errc::Io, "cannot open the HTTP-01 port lock " + path.string() + ": " + std::strerror(errno));
  const auto deadline = std::chrono::steady_clock::now() + max_wait;
  core::Backoff backoff(std::chrono::milliseconds(20), std::chrono::milliseconds(500));
  for (;;) {
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return PortLock(std::move(fd));
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK)
      return fail(Errc::Io, "cannot lock " + path.string() + ": " + std::strerror(errno));
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline)
      return fail(Errc::Busy,
                  "the HTTP-01 port is still in use by another certkeep process after " +
                      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(max_wait).count()) +
                      " s (lock " + path.string() + ")");
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(backoff.next(), deadline - now));
  }
}

}  // namespace certkeep::challenge
