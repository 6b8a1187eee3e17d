// SPDX-License-Identifier: Apache-2.0
#include "support/fake_transport.hpp"

#include <optional>
#include <stdexcept>

namespace certkeep::testing {

FakeTransport::FakeTransport(Handler handler) : handler_(std::move(handler)) {}

void FakeTransport::set_handler(Handler handler) {
  std::lock_guard lock(mutex_);
  handler_ = std::move(handler);
}

void FakeTransport::push(Result<http::Response> reply) {
  std::lock_guard lock(mutex_);
  replies_.push_back(std::move(reply));
}

void FakeTransport::push_response(int status, std::string body, HeaderList headers) {
  push(response(status, std::move(body), std::move(headers)));
}

void FakeTransport::push_error(Errc code, std::string message) { push(fail(code, std::move(message))); }

http::Response FakeTransport::response(int status, std::string body, HeaderList headers) {
  http::Response response;
  response.status = status;
  response.body = std::move(body);
  for (auto& [name, value] : headers) response.headers.add(std::move(name), std::move(value));
  return response;
}

Result<http::Response> FakeTransport::send(const http::Request& request) {
  const std::string what = request.method + " " + request.url;
  Handler handler;
  std::optional<Result<http::Response>> queued;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    // Refused before anything is sent, as CurlTransport does: no reply used, nothing counted.
    if (!request.url.starts_with("https://"))
      return fail(Errc::InvalidArgument, what + ": refusing a URL that is not https://");
    ++stats_.requests;
    if (!connected_) {
      ++stats_.connections_opened;
      connected_ = true;
    }
    if (handler_) {
      handler = handler_;
    } else if (!replies_.empty()) {
      queued.emplace(std::move(replies_.front()));
      replies_.pop_front();
    }
  }
  Result<http::Response> reply = handler ? handler(request)
                                 : queued
                                     ? std::move(*queued)
                                     : fail(Errc::Internal, "FakeTransport: no scripted reply for " + what);
  if (!reply) {
    if (reply.error().code() == Errc::Network || reply.error().code() == Errc::Timeout) drop_connection();
    return reply;
  }
  if (reply->body.size() > request.max_body_bytes)
    return fail(Errc::Protocol,
                what + ": response body exceeds " + std::to_string(request.max_body_bytes) + " bytes");
  return reply;
}

http::TransportStats FakeTransport::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::vector<http::Request> FakeTransport::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t FakeTransport::request_count() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

http::Request FakeTransport::last_request() const {
  std::lock_guard lock(mutex_);
  if (requests_.empty()) throw std::logic_error("FakeTransport: no request was sent");
  return requests_.back();
}

std::size_t FakeTransport::pending() const {
  std::lock_guard lock(mutex_);
  return replies_.size();
}

void FakeTransport::drop_connection() {
  std::lock_guard lock(mutex_);
  connected_ = false;
}

}  // namespace certkeep::testing
