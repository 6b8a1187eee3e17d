// SPDX-License-Identifier: Apache-2.0
#include "challenge/http01_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "challenge/request_head.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/start_thread.hpp"

namespace certkeep::challenge {

namespace {

using Clock = std::chrono::steady_clock;

// After the answer, unread request bytes are drained for at most this long before close():
// closing with unread data makes the kernel send RST, which can destroy the answer in flight.
constexpr std::chrono::milliseconds kMaxDrain{1000};
// accept() failing for lack of descriptors leaves the listener readable; pause it this long
// instead of spinning.
constexpr std::chrono::milliseconds kAcceptBackoff{100};
constexpr std::size_t kMaxAcceptsPerRound = 64;
constexpr std::size_t kReadChunk = 4096;
// Reads per readiness event, so one client streaming bytes cannot keep the thread from the
// others; what is left is read on the next round.
constexpr int kMaxReadsPerEvent = 16;
// A target longer than this is cut in the debug log line.
constexpr std::size_t kMaxLoggedTarget = 200;

enum class Phase { Reading, Writing, Draining };

struct Connection {
  SocketFd fd;
  Phase phase = Phase::Reading;
  std::string received;
  std::string response;
  std::size_t written = 0;
  Clock::time_point deadline;
};

std::string reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    default: return "Error";
  }
}

std::string make_response(int status, std::string_view body, bool include_body,
                          std::string_view extra_headers = {}, std::string_view content_type = "text/plain") {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
  out += "Content-Type: ";
  out += content_type;
  out += "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += extra_headers;
  out += "Connection: close\r\n\r\n";
  if (include_body) out += body;
  return out;
}

std::string answer(const HeadParse& parsed, const TargetLookup& lookup, const ServerLimits& limits) {
  switch (parsed.status) {
    case HeadStatus::Malformed: return make_response(400, "bad request\n", true);
    case HeadStatus::TargetTooLong: return make_response(414, "request target too long\n", true);
    case HeadStatus::HeadersTooLarge: return make_response(431, "request header too large\n", true);
    case HeadStatus::Incomplete:
    case HeadStatus::Complete: break;
  }
  const RequestHead& head = parsed.head;
  const bool is_head = head.method == "HEAD";
  if (head.method != "GET" && !is_head)
    return make_response(405, "method not allowed\n", true, "Allow: GET, HEAD\r\n");
  std::optional<std::string> body = lookup(head.target);
  if (!body) return make_response(404, "not found\n", !is_head);
  return make_response(200, *body, !is_head, {}, limits.content_type);
}

int poll_timeout_ms(Clock::time_point now, Clock::time_point earliest) {
  if (earliest == Clock::time_point::max()) return -1;
  if (earliest <= now) return 0;
  // Round up, so a deadline is never polled a millisecond early and spun on.
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(earliest - now).count();
  return static_cast<int>(std::min<long long>(wait, 60'000));
}

// Sends what is left of the answer; once all is sent, half-closes and starts draining.
void write_some(Connection& c, Clock::time_point now, const ServerLimits& limits) {
  while (c.written < c.response.size()) {
    const ssize_t n =
        ::send(c.fd.get(), c.response.data() + c.written, c.response.size() - c.written, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) c.fd.reset();
      return;
    }
    c.written += static_cast<std::size_t>(n);
  }
  ::shutdown(c.fd.get(), SHUT_WR);
  c.phase = Phase::Draining;
  c.deadline = now + std::min<std::chrono::milliseconds>(limits.read_timeout, kMaxDrain);
}

// Reads what arrived (a bounded number of reads per event); once the request head is complete,
// answers it and starts writing. While draining, what arrives is read and dropped.
void read_some(Connection& c, Clock::time_point now, const ServerLimits& limits, const TargetLookup& lookup) {
  char buffer[kReadChunk];
  for (int reads = 0; reads < kMaxReadsPerEvent; ++reads) {
    const ssize_t n = ::recv(c.fd.get(), buffer, sizeof buffer, 0);
    if (n == 0) {
      c.fd.reset();  // EOF: the peer gave up, or finished reading our answer
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) c.fd.reset();
      return;
    }
    if (c.phase == Phase::Draining) continue;
    // Keep at most one byte past the limit: enough to tell "too large" from "exactly full".
    const std::size_t room =
        limits.max_request_bytes + 1 - std::min(c.received.size(), limits.max_request_bytes + 1);
    c.received.append(buffer, std::min<std::size_t>(static_cast<std::size_t>(n), room));
    const HeadParse parsed = parse_request_head(c.received, limits.max_request_bytes);
    if (parsed.status == HeadStatus::Incomplete) continue;
    c.response = answer(parsed, lookup, limits);
    c.received.clear();
    c.received.shrink_to_fit();
    if (core::log::enabled(core::log::Level::Debug))
      core::log::debug("HTTP-01 responder: " + c.response.substr(0, c.response.find('\r')) + " for " +
                       parsed.head.method + " " + parsed.head.target.substr(0, kMaxLoggedTarget));
    c.phase = Phase::Writing;
    c.deadline = now + limits.read_timeout;
    write_some(c, now, limits);
    return;
  }
}

// Accepts what the listener's queue holds (a bounded number per round). False when accept()
// failed for lack of descriptors or memory: the caller pauses the listener instead of spinning.
bool accept_pending(int listener, std::vector<Connection>& connections, const ServerLimits& limits,
                    Clock::time_point now) {
  for (std::size_t accepted = 0; accepted < kMaxAcceptsPerRound; ++accepted) {
    SocketFd client(::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!client) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        core::log::warn(std::string("HTTP-01 responder: accept: ") + std::strerror(errno));
        return false;
      }
      return true;  // EAGAIN: queue empty; ECONNABORTED and the like: try again next round
    }
    // Over the limit the connection is accepted and closed at once: it costs the client a
    // retry, and the backlog never fills with connections nobody will serve.
    if (connections.size() >= limits.max_connections) continue;
    Connection c;
    c.fd = std::move(client);
    c.deadline = now + limits.read_timeout;
    connections.push_back(std::move(c));
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<Http01Server>> Http01Server::start(SocketFd listener, const ServerLimits& limits,
                                                          TargetLookup lookup) {
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
    return fail(Errc::Io, std::string("HTTP-01 responder: pipe: ") + std::strerror(errno));
  std::unique_ptr<Http01Server> server(
      new Http01Server(std::move(listener), SocketFd(fds[0]), SocketFd(fds[1]), limits, std::move(lookup)));
  server->thread_ =
      CERTKEEP_TRY(core::start_thread("HTTP-01 responder", [raw = server.get()] { raw->run(); }));
  return server;
}

Http01Server::Http01Server(SocketFd listener, SocketFd wake_read, SocketFd wake_write,
                           const ServerLimits& limits, TargetLookup lookup)
    : listener_(std::move(listener)),
      wake_read_(std::move(wake_read)),
      wake_write_(std::move(wake_write)),
      limits_(limits),
      lookup_(std::move(lookup)) {}

Http01Server::~Http01Server() {
  if (thread_.joinable()) {
    const char byte = 'x';
    // The pipe is empty (only this writes to it, once), so the write cannot block or fail
    // for lack of room; EINTR is retried.
    while (::write(wake_write_.get(), &byte, 1) < 0 && errno == EINTR) {
    }
    thread_.join();
  }
}

void Http01Server::run() noexcept {
  std::vector<Connection> connections;
  std::vector<pollfd> fds;
  Clock::time_point listener_paused_until = Clock::time_point::min();

  for (;;) {
    Clock::time_point now = Clock::now();
    fds.clear();
    fds.push_back({wake_read_.get(), POLLIN, 0});
    const bool listening = now >= listener_paused_until;
    fds.push_back({listening ? listener_.get() : -1, POLLIN, 0});
    Clock::time_point earliest = listening ? Clock::time_point::max() : listener_paused_until;
    for (const Connection& c : connections) {
      fds.push_back({c.fd.get(), static_cast<short>(c.phase == Phase::Writing ? POLLOUT : POLLIN), 0});
      earliest = std::min(earliest, c.deadline);
    }

    const int ready = ::poll(fds.data(), fds.size(), poll_timeout_ms(now, earliest));
    if (ready < 0 && errno != EINTR) {
      core::log::error(std::string("HTTP-01 responder: poll: ") + std::strerror(errno));
      return;
    }
    if (ready > 0 && (fds[0].revents & POLLIN) != 0) return;  // stop requested
    now = Clock::now();

    // Existing connections first, so connections a client just closed free their slots before
    // new ones are counted against max_connections.
    for (std::size_t i = 0; i < connections.size(); ++i) {
      Connection& c = connections[i];
      const short revents = ready > 0 ? fds[i + 2].revents : 0;
      if (revents != 0) {
        if (c.phase == Phase::Writing) {
          write_some(c, now, limits_);
        } else {
          read_some(c, now, limits_, lookup_);
        }
      }
      if (c.fd && now >= c.deadline) c.fd.reset();  // a slow or silent client is cut
    }
    std::erase_if(connections, [](const Connection& c) { return !c.fd; });

    if (ready > 0 && listening && (fds[1].revents & POLLIN) != 0) {
      if (!accept_pending(listener_.get(), connections, limits_, now))
        listener_paused_until = now + kAcceptBackoff;
    }
  }
}

}  // namespace certkeep::challenge
