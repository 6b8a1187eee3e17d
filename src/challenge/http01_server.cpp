// SPDX-License-Identifier: Apache-2.0
#include "challenge/http01_server.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>

#include "challenge/request_head.hpp"
#include "core/log.hpp"

namespace certkeep::challenge {

namespace {

constexpr std::size_t kReadChunk = 4096;
// Reads per readiness event, so one client streaming bytes cannot keep the thread from the
// others; what is left is read on the next round.
constexpr int kMaxReadsPerEvent = 16;
// A target longer than this is cut in the debug log line.
constexpr std::size_t kMaxLoggedTarget = 200;

enum class Http01Phase { Reading, Writing, Draining };

struct Http01Connection final : PolledConnection {
  using PolledConnection::PolledConnection;
  Http01Phase phase = Http01Phase::Reading;
  std::string received;
  std::string response;
  std::size_t written = 0;
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

// Sends what is left of the answer; once all is sent, half-closes and starts draining.
void write_some(Http01Connection& c, PollClock::time_point now, const ServerLimits& limits) {
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
  c.phase = Http01Phase::Draining;
  c.events = POLLIN;
  c.deadline = now + std::min<std::chrono::milliseconds>(limits.read_timeout, kMaxDrain);
}

// Reads what arrived (a bounded number of reads per event); once the request head is complete,
// answers it and starts writing. While draining, what arrives is read and dropped.
void read_some(Http01Connection& c, PollClock::time_point now, const ServerLimits& limits,
               const TargetLookup& lookup) {
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
    if (c.phase == Http01Phase::Draining) continue;
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
    c.phase = Http01Phase::Writing;
    c.events = POLLOUT;
    c.deadline = now + limits.read_timeout;
    write_some(c, now, limits);
    return;
  }
}

class Http01Protocol final : public PollProtocol {
 public:
  Http01Protocol(const ServerLimits& limits, TargetLookup lookup) : limits_(limits), lookup_(std::move(lookup)) {}

  std::unique_ptr<PolledConnection> open(SocketFd client, PollClock::time_point now) override {
    return std::make_unique<Http01Connection>(std::move(client), now + limits_.read_timeout);
  }

  void step(PolledConnection& polled, PollClock::time_point now) override {
    auto& c = static_cast<Http01Connection&>(polled);
    if (c.phase == Http01Phase::Writing) {
      write_some(c, now, limits_);
    } else {
      read_some(c, now, limits_, lookup_);
    }
  }

 private:
  const ServerLimits limits_;
  const TargetLookup lookup_;
};

}  // namespace

Result<std::unique_ptr<PollServer>> serve_http01(SocketFd listener, const ServerLimits& limits, TargetLookup lookup,
                                                 std::string name) {
  return PollServer::start(std::move(name), std::move(listener), limits.max_connections,
                           std::make_unique<Http01Protocol>(limits, std::move(lookup)));
}

}  // namespace certkeep::challenge
