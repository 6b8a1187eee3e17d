// SPDX-License-Identifier: Apache-2.0
// FakeTransport: a scripted http::Transport for unit tests. Replies come from a handler when
// one is set, otherwise from a queue in order; every request is recorded for assertions.
// It keeps the real transport's contract where a test could otherwise pass by accident: a URL
// that is not https:// is refused (Errc::InvalidArgument) and a body over the request's
// max_body_bytes is an Errc::Protocol error.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "certkeep/result.hpp"
#include "http/transport.hpp"

namespace certkeep::testing {

class FakeTransport final : public http::Transport {
 public:
  using Handler = std::function<Result<http::Response>(const http::Request&)>;
  using HeaderList = std::vector<std::pair<std::string, std::string>>;

  // Queue mode: replies are pushed with push()/push_response()/push_error().
  FakeTransport() = default;
  // Handler mode: every request goes to `handler` (called without the internal lock held, so
  // it may inspect the transport).
  explicit FakeTransport(Handler handler);

  void set_handler(Handler handler);
  // Queues one reply (a response or an error) for the next request not served by a handler.
  void push(Result<http::Response> reply);
  void push_response(int status, std::string body = {}, HeaderList headers = {});
  void push_error(Errc code, std::string message);

  static http::Response response(int status, std::string body = {}, HeaderList headers = {});

  // The next reply. With neither a handler nor a queued reply: Errc::Internal naming the
  // request, so a test that sends more than it scripted fails loudly.
  Result<http::Response> send(const http::Request& request) override;

  // requests: every send() with an https URL. connections_opened: 1 on the first request and
  // one more for the first request after a Network or Timeout error or drop_connection(), like
  // a keep-alive connection that the peer closed.
  http::TransportStats stats() const override;

  std::vector<http::Request> requests() const;  // every request sent, in order
  std::size_t request_count() const;
  // The most recent request. Throws std::logic_error when none was sent.
  http::Request last_request() const;
  // Queued replies not served yet (a test can check its script was used up).
  std::size_t pending() const;
  void drop_connection();

 private:
  mutable std::mutex mutex_;
  Handler handler_;
  std::deque<Result<http::Response>> replies_;
  std::vector<http::Request> requests_;
  http::TransportStats stats_;
  bool connected_ = false;
};

}  // namespace certkeep::testing
