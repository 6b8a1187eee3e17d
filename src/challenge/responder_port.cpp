// SPDX-License-Identifier: Apache-2.0
#include "challenge/responder_port.hpp"

#include <sys/socket.h>

#include <algorithm>

#include "core/log.hpp"
#include "core/result_macros.hpp"

namespace certkeep::challenge {

Result<void> ResponderPort::open(const ServeOn& serve) {
  if (server_) return {};
  const int backlog = static_cast<int>(std::clamp<std::size_t>(options_.max_connections, 16, SOMAXCONN));
  PortLock lock = CERTKEEP_TRY(take_lock());  // released on any early return
  SocketFd listener = CERTKEEP_TRY(bind_listener(options_.address, backlog));
  const int bound_port = local_port(listener.get());
  server_ = CERTKEEP_TRY(serve(std::move(listener)));
  lock_ = std::move(lock);
  port_.store(bound_port);
  core::log::info(options_.protocol + " responder listening on " + options_.address.to_string() +
                  (options_.address.port == 0 ? " (port " + std::to_string(bound_port) + ")" : ""));
  return {};
}

void ResponderPort::close() noexcept {
  if (!server_) return;
  server_.reset();
  lock_.release();
  port_.store(0);
  core::log::info(options_.protocol + " responder on " + options_.address.to_string() + " stopped");
}

Result<PortLock> ResponderPort::take_lock() const {
  if (options_.lock_dir.empty() || options_.address.port == 0) return PortLock();
  const auto path =
      options_.lock_dir / (options_.lock_prefix + "-" + std::to_string(options_.address.port) + ".lock");
  auto lock = PortLock::acquire(path, std::chrono::milliseconds::zero());
  if (!lock && lock.error().code() == Errc::Busy) {
    core::log::info(options_.protocol + " port " + std::to_string(options_.address.port) +
                    " is in use by another certkeep process; waiting for it");
    lock = PortLock::acquire(path, options_.lock_wait);
  }
  return lock;
}

}  // namespace certkeep::challenge
