// SPDX-License-Identifier: Apache-2.0
#include "http/curl_transport.hpp"

#include <curl/curl.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "core/result_macros.hpp"

namespace certkeep::http {

namespace {

struct EasyDeleter {
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using HeaderList = std::unique_ptr<curl_slist, ListDeleter>;

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<std::string> read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::InvalidArgument, "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// CURLOPT_CAINFO would replace the system roots; the bundle must add to them. So the trust
// store handed to curl is the system bundle followed by the extra roots.
Result<std::string> trust_bundle(const std::filesystem::path& extra) {
  std::string extra_pem = CERTKEEP_TRY(read_text_file(extra));
  if (extra_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return fail(Errc::InvalidArgument, "--ca-bundle " + extra.string() + " holds no PEM certificate");
  std::string bundle;
  EasyHandle probe(curl_easy_init());
  char* default_cainfo = nullptr;
  if (probe && curl_easy_getinfo(probe.get(), CURLINFO_CAINFO, &default_cainfo) == CURLE_OK && default_cainfo) {
    if (auto system = read_text_file(default_cainfo)) bundle = std::move(*system);
  }
  if (!bundle.empty() && bundle.back() != '\n') bundle.push_back('\n');
  return bundle + extra_pem;
}

struct Exchange {
  Response response;
  std::size_t max_body = 0;
  bool body_too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& exchange = *static_cast<Exchange*>(user);
  const std::size_t bytes = size * count;
  if (exchange.response.body.size() + bytes > exchange.max_body) {
    exchange.body_too_large = true;
    return 0;  // aborts the transfer: the cap holds whatever Content-Length claimed
  }
  exchange.response.body.append(data, bytes);
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& exchange = *static_cast<Exchange*>(user);
  const std::size_t bytes = size * count;
  std::string_view line(data, bytes);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    exchange.response.headers = Headers{};  // a new response (after 1xx): keep only the final one
    return bytes;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return bytes;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  if (exchange.response.headers.entries().size() < 200)
    exchange.response.headers.add(std::string(line.substr(0, colon)), std::string(value));
  return bytes;
}

// "https://host/path" without query, for error messages.
std::string describe_url(std::string_view url) {
  const std::size_t query = url.find('?');
  return std::string(url.substr(0, query));
}

class CurlTransport final : public Transport {
 public:
  CurlTransport(EasyHandle easy, CurlOptions options, std::string trust)
      : easy_(std::move(easy)), options_(std::move(options)), trust_(std::move(trust)) {
    configure_connection();
  }

  Result<Response> send(const Request& request) override {
    if (!request.url.starts_with("https://"))
      return fail(Errc::InvalidArgument, "refusing a non-https URL: " + describe_url(request.url));
    CURL* easy = easy_.get();
    Exchange exchange;
    exchange.max_body = request.max_body_bytes;

    HeaderList headers;
    for (const auto& [name, value] : request.headers.entries()) {
      curl_slist* appended = curl_slist_append(headers.get(), (name + ": " + value).c_str());
      if (!appended) return fail(Errc::Internal, "out of memory building request headers");
      (void)headers.release();
      headers.reset(appended);
    }
    // curl adds "Expect: 100-continue" to larger POSTs; ACME bodies never need the round trip.
    if (curl_slist* appended = curl_slist_append(headers.get(), "Expect:")) {
      (void)headers.release();
      headers.reset(appended);
    }

    curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &exchange);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &exchange);
    if (request.method == "POST") {
      curl_easy_setopt(easy, CURLOPT_NOBODY, 0L);
      curl_easy_setopt(easy, CURLOPT_POST, 1L);
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
    } else if (request.method == "HEAD") {
      curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else if (request.method == "GET") {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else {
      return fail(Errc::InvalidArgument, "unsupported HTTP method " + request.method);
    }

    error_buffer_[0] = '\0';
    const CURLcode code = curl_easy_perform(easy);
    ++stats_.requests;
    long connects = 0;
    if (curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0)
      stats_.connections_opened += static_cast<std::size_t>(connects);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);

    const std::string what = request.method + " " + describe_url(request.url);
    if (exchange.body_too_large)
      return fail(Errc::Protocol, what + ": response body exceeds " + std::to_string(request.max_body_bytes) + " bytes");
    if (code != CURLE_OK) {
      const std::string reason = error_buffer_[0] ? std::string(error_buffer_) : curl_easy_strerror(code);
      switch (code) {
        case CURLE_OPERATION_TIMEDOUT: return fail(Errc::Timeout, what + ": " + reason);
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT: return fail(Errc::InvalidArgument, what + ": " + reason);
        default: return fail(Errc::Network, what + ": " + reason);
      }
    }
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    exchange.response.status = static_cast<int>(status);
    return std::move(exchange.response);
  }

  TransportStats stats() const override { return stats_; }

 private:
  void configure_connection() {
    CURL* easy = easy_.get();
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer_);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count() * 1000));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count() * 1000));
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.stall_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &on_header);
    if (!trust_.empty()) {
      curl_blob blob{trust_.data(), trust_.size(), CURL_BLOB_NOCOPY};
      curl_easy_setopt(easy, CURLOPT_CAINFO_BLOB, &blob);
    }
  }

  EasyHandle easy_;
  CurlOptions options_;
  std::string trust_;  // outlives the handle's use of it (CURL_BLOB_NOCOPY)
  char error_buffer_[CURL_ERROR_SIZE] = {};
  TransportStats stats_;
};

}  // namespace

Result<std::unique_ptr<Transport>> make_curl_transport(CurlOptions options) {
  global_init_once();
  std::string trust;
  if (!options.ca_bundle.empty()) trust = CERTKEEP_TRY(trust_bundle(options.ca_bundle));
  EasyHandle easy(curl_easy_init());
  if (!easy) return fail(Errc::Internal, "curl_easy_init failed");
  return std::unique_ptr<Transport>(std::make_unique<CurlTransport>(std::move(easy), std::move(options), std::move(trust)));
}

}  // namespace certkeep::http
