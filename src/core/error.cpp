// SPDX-License-Identifier: Apache-2.0
#include "certkeep/error.hpp"

#include <utility>

#include "core/strings.hpp"

namespace certkeep {

namespace {
constexpr std::string_view kAcmeErrorPrefix = "urn:ietf:params:acme:error:";
}  // namespace

std::string_view to_string(Errc code) noexcept {
  switch (code) {
    case Errc::InvalidArgument: return "invalid argument";
    case Errc::NotFound: return "not found";
    case Errc::Io: return "I/O error";
    case Errc::Network: return "network error";
    case Errc::Timeout: return "timed out";
    case Errc::Protocol: return "malformed response from CA";
    case Errc::CaProblem: return "CA problem";
    case Errc::Crypto: return "crypto error";
    case Errc::Store: return "store error";
    case Errc::Busy: return "busy";
    case Errc::Hook: return "hook failed";
    case Errc::Dns: return "DNS error";
    case Errc::Cancelled: return "cancelled";
    case Errc::Internal: return "internal error";
  }
  return "unknown error";
}

bool Problem::is(std::string_view acme_error_name) const noexcept {
  return type.size() == kAcmeErrorPrefix.size() + acme_error_name.size() &&
         type.starts_with(kAcmeErrorPrefix) && type.ends_with(acme_error_name);
}

Error::Error(Errc code, std::string message) : code_(code), message_(std::move(message)) {}

Error Error::from_problem(Problem problem, std::optional<std::chrono::seconds> retry_after) {
  Error error(Errc::CaProblem, "CA problem");
  error.problem_ = std::move(problem);
  error.retry_after_ = retry_after;
  return error;
}

bool Error::is_transient() const noexcept {
  switch (code_) {
    case Errc::Network:
    case Errc::Timeout:
    case Errc::Busy: return true;
    case Errc::CaProblem:
      return problem_ && (problem_->status >= 500 || problem_->is("rateLimited") || problem_->is("badNonce"));
    default: return false;
  }
}

Error Error::with_context(std::string_view what) && {
  message_ = std::string(what) + ": " + message_;
  return std::move(*this);
}

Error Error::with_context(std::string_view what) const& {
  Error copy = *this;
  return std::move(copy).with_context(what);
}

std::string Error::to_string() const {
  // Messages quote what the CA sent (URLs, statuses, identifiers): escape it for the terminal.
  std::string text = core::sanitize_for_terminal(message_, 4096);
  if (problem_) {
    text += ": " + core::sanitize_for_terminal(problem_->type, 256);
    if (!problem_->detail.empty()) text += ": " + core::sanitize_for_terminal(problem_->detail);
    if (problem_->status != 0) text += " (HTTP " + std::to_string(problem_->status) + ")";
    for (const Subproblem& sub : problem_->subproblems) {
      text += "; [" + core::sanitize_for_terminal(sub.identifier, 256) + "] " +
              core::sanitize_for_terminal(sub.type, 256);
      if (!sub.detail.empty()) text += ": " + core::sanitize_for_terminal(sub.detail);
    }
  }
  if (retry_after_) text += " (retry after " + std::to_string(retry_after_->count()) + " s)";
  return text;
}

}  // namespace certkeep
