// SPDX-License-Identifier: Apache-2.0
#include "challenge/poll_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/start_thread.hpp"

namespace certkeep::challenge {

namespace {

// accept() failing for lack of descriptors leaves the listener readable; pause it this long
// instead of spinning.
constexpr std::chrono::milliseconds kAcceptBackoff{100};
constexpr std::size_t kMaxAcceptsPerRound = 64;

using Connections = std::vector<std::unique_ptr<PolledConnection>>;

int poll_timeout_ms(PollClock::time_point now, PollClock::time_point earliest) {
  if (earliest == PollClock::time_point::max()) return -1;
  if (earliest <= now) return 0;
  // Round up, so a deadline is never polled a millisecond early and spun on.
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(earliest - now).count();
  return static_cast<int>(std::min<long long>(wait, 60'000));
}

// Accepts what the listener's queue holds (a bounded number per round). False when accept()
// failed for lack of descriptors or memory: the caller pauses the listener.
bool accept_pending(const std::string& name, int listener, Connections& connections, std::size_t max_connections,
                    PollProtocol& protocol, PollClock::time_point now) {
  for (std::size_t accepted = 0; accepted < kMaxAcceptsPerRound; ++accepted) {
    SocketFd client(::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!client) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        core::log::warn(name + ": accept: " + std::strerror(errno));
        return false;
      }
      return true;  // EAGAIN: queue empty; ECONNABORTED and the like: try again next round
    }
    // Over the limit the connection is accepted and closed at once: it costs the client a
    // retry, and the backlog never fills with connections nobody will serve.
    if (connections.size() >= max_connections) continue;
    if (auto connection = protocol.open(std::move(client), now)) connections.push_back(std::move(connection));
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<PollServer>> PollServer::start(std::string name, SocketFd listener,
                                                      std::size_t max_connections,
                                                      std::unique_ptr<PollProtocol> protocol) {
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
    return fail(Errc::Io, name + ": pipe: " + std::strerror(errno));
  std::unique_ptr<PollServer> server(new PollServer(name, std::move(listener), SocketFd(fds[0]), SocketFd(fds[1]),
                                                    max_connections, std::move(protocol)));
  server->thread_ = CERTKEEP_TRY(core::start_thread(name, [raw = server.get()] { raw->run(); }));
  return server;
}

PollServer::PollServer(std::string name, SocketFd listener, SocketFd wake_read, SocketFd wake_write,
                       std::size_t max_connections, std::unique_ptr<PollProtocol> protocol)
    : name_(std::move(name)),
      listener_(std::move(listener)),
      wake_read_(std::move(wake_read)),
      wake_write_(std::move(wake_write)),
      max_connections_(max_connections),
      protocol_(std::move(protocol)) {}

PollServer::~PollServer() {
  if (thread_.joinable()) {
    const char byte = 'x';
    // The pipe is empty (only this writes to it, once), so the write cannot block or fail
    // for lack of room; EINTR is retried.
    while (::write(wake_write_.get(), &byte, 1) < 0 && errno == EINTR) {
    }
    thread_.join();
  }
}

void PollServer::run() noexcept {
  // OpenSSL writes with write(2): a client that vanished must give EPIPE, not kill the process.
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);

  Connections connections;
  std::vector<pollfd> fds;
  PollClock::time_point listener_paused_until = PollClock::time_point::min();
  for (;;) {
    PollClock::time_point now = PollClock::now();
    fds.clear();
    fds.push_back({wake_read_.get(), POLLIN, 0});
    const bool listening = now >= listener_paused_until;
    fds.push_back({listening ? listener_.get() : -1, POLLIN, 0});
    PollClock::time_point earliest = listening ? PollClock::time_point::max() : listener_paused_until;
    for (const auto& c : connections) {
      fds.push_back({c->fd.get(), c->events, 0});
      earliest = std::min(earliest, c->deadline);
    }

    const int ready = ::poll(fds.data(), fds.size(), poll_timeout_ms(now, earliest));
    if (ready < 0 && errno != EINTR) {
      core::log::error(name_ + ": poll: " + std::strerror(errno));
      return;
    }
    if (ready > 0 && (fds[0].revents & POLLIN) != 0) return;  // stop requested
    now = PollClock::now();

    // Existing connections first, so connections a client just closed free their slots before
    // new ones are counted against max_connections.
    for (std::size_t i = 0; i < connections.size(); ++i) {
      PolledConnection& c = *connections[i];
      if (ready > 0 && fds[i + 2].revents != 0) protocol_->step(c, now);
      if (c.fd && now >= c.deadline) c.fd.reset();  // a slow or silent client is cut
    }
    std::erase_if(connections, [](const auto& c) { return !c->fd; });

    if (ready > 0 && listening && (fds[1].revents & POLLIN) != 0) {
      if (!accept_pending(name_, listener_.get(), connections, max_connections_, *protocol_, now))
        listener_paused_until = now + kAcceptBackoff;
    }
  }
}

}  // namespace certkeep::challenge
