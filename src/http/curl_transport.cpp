// SPDX-License-Identifier: Apache-2.0
#include "http/curl_transport.hpp"

#include <curl/curl.h>

#include <cctype>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

#include "core/result_macros.hpp"

namespace certkeep::http {

namespace {

// Response headers beyond these bounds are a hostile or broken server, not a CA.
constexpr std::size_t kMaxResponseHeaders = 200;
constexpr std::size_t kMaxResponseHeaderBytes = 64 * 1024;

struct EasyDeleter {
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using HeaderList = std::unique_ptr<curl_slist, ListDeleter>;

// curl_global_init is not thread-safe in 7.88 and must run once before any handle exists.
void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One request's receiving state; the callbacks see it through CURLOPT_WRITEDATA/HEADERDATA.
struct Exchange {
  Response response;
  std::size_t max_body = 0;
  std::size_t header_bytes = 0;
  bool body_too_large = false;
  bool headers_too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& exchange = *static_cast<Exchange*>(user);
  const std::size_t bytes = size * count;
  // libcurl's CURLOPT_MAXFILESIZE does not stop a body of unknown length (chunked), so the
  // cap is enforced here, before the bytes are kept.
  if (bytes > exchange.max_body - exchange.response.body.size()) {
    exchange.body_too_large = true;
    return 0;  // CURLE_WRITE_ERROR: libcurl aborts the transfer and drops the connection
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
    // A new status line: an interim 1xx response came first. Keep only the final headers.
    exchange.response.headers = Headers{};
    exchange.header_bytes = 0;
    return bytes;
  }
  exchange.header_bytes += bytes;
  if (exchange.header_bytes > kMaxResponseHeaderBytes) {
    exchange.headers_too_large = true;
    return 0;  // CURLE_WRITE_ERROR
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return bytes;  // blank line, folding
  if (exchange.response.headers.entries().size() >= kMaxResponseHeaders) {
    exchange.headers_too_large = true;
    return 0;
  }
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  exchange.response.headers.add(std::string(line.substr(0, colon)), std::string(value));
  return bytes;
}

CURLcode on_ssl_context(CURL*, void* ssl_ctx, void* user) {
  const auto& configure = *static_cast<const std::function<bool(void*)>*>(user);
  try {
    return configure(ssl_ctx) ? CURLE_OK : CURLE_SSL_CERTPROBLEM;
  } catch (...) {  // nothing may unwind through libcurl's C frames
    return CURLE_SSL_CERTPROBLEM;
  }
}

// A readable file holding at least one PEM certificate block (libcurl parses it; a bad block
// still fails the first connection).
Result<void> check_roots_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad())
    return fail(Errc::InvalidArgument, "trust roots " + path.string() + ": cannot be read");
  if (text.view().find("-----BEGIN CERTIFICATE-----") == std::string_view::npos)
    return fail(Errc::InvalidArgument, "trust roots " + path.string() + ": holds no PEM certificate");
  return {};
}

// "https://host:port/path" for messages: no user info, query or fragment (they may carry
// secrets, and the path is what tells one ACME resource from another).
std::string describe_url(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const std::size_t authority = scheme_end + 3;
  const std::size_t path = url.find('/', authority);
  const std::size_t at = url.substr(0, path).find('@', authority);
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, authority)) + std::string(url.substr(at + 1));
}

bool is_https(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.size() <= kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(url[i])) != kScheme[i]) return false;
  return true;
}

bool has_line_break(std::string_view text) { return text.find_first_of("\r\n") != std::string_view::npos; }

// True when the connection was up and then ended before the answer was whole: libcurl's own
// words for this ("HTTP/2 stream 11 was not closed cleanly…", "transfer closed with…") do not
// say that the peer went away.
bool lost_connection(CURLcode code) {
  switch (code) {
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2_STREAM:  // includes the connection closing under an open stream
      return true;
    default: return false;
  }
}

Errc classify(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: return Errc::Timeout;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT: return Errc::InvalidArgument;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_TOO_MANY_REDIRECTS: return Errc::Protocol;
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_NOT_BUILT_IN: return Errc::Internal;
    default:
      // Resolve, connect, TLS handshake and verification, reset, send, receive, empty reply:
      // the network or the peer failed, and another attempt may succeed.
      return Errc::Network;
  }
}

// Adds "Name: value" to `list`; false when out of memory.
bool append_header(HeaderList& list, const std::string& line) {
  curl_slist* appended = curl_slist_append(list.get(), line.c_str());
  if (!appended) return false;
  (void)list.release();  // curl_slist_append returned the same list, now one longer
  list.reset(appended);
  return true;
}

// libcurl's built-in CA directory (Debian: /etc/ssl/certs, with OpenSSL's hash links) when it
// exists and holds hashed roots, else nullptr.
const char* default_ca_directory() {
  static const std::string directory = [] {
    const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
    if (info == nullptr || info->capath == nullptr) return std::string();
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(info->capath, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.size() == 10 && name.ends_with(".0")) return std::string(info->capath);
    }
    return std::string();
  }();
  return directory.empty() ? nullptr : directory.c_str();
}

class CurlTransport final : public Transport {
 public:
  CurlTransport(EasyHandle easy, CurlOptions options)
      : easy_(std::move(easy)), options_(std::move(options)) {}

  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  // Settings that hold for every request on the handle. The handle keeps pointers to
  // error_buffer_ and extra_roots_, so this runs once the object sits at its final address.
  Result<void> configure() {
    CURL* easy = easy_.get();
    const auto ms = [](std::chrono::seconds s) {
      return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(s).count());
    };
    // Security settings: a libcurl that refuses one of these must not be used at all.
    const std::pair<const char*, CURLcode> required[] = {
        {"error buffer", curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer_)},
        {"https only", curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "https")},
        {"https-only redirects", curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "https")},
        {"no redirects", curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L)},
        {"TLS 1.2 minimum",
         curl_easy_setopt(easy, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2))},
        {"peer verification", curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L)},
        {"host verification", curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L)},
        {"connect timeout", curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, ms(options_.connect_timeout))},
        {"request timeout", curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, ms(options_.request_timeout))},
        {"stall limit", curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L)},
        {"stall timeout",
         curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.stall_timeout.count()))},
        {"write callback", curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body)},
        {"header callback", curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &on_header)},
        {"user agent", curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str())},
        // Timeouts would otherwise use SIGALRM, which is not safe with threads.
        {"no signals", curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L)},
    };
    for (const auto& [what, code] : required)
      if (code != CURLE_OK)
        return fail(Errc::Internal,
                    std::string("libcurl refused the ") + what + " setting: " + curl_easy_strerror(code));
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);

    if (!options_.system_roots.empty()) {
      // Both defaults are replaced: Debian's libcurl also searches /etc/ssl/certs.
      if (curl_easy_setopt(easy, CURLOPT_CAINFO, options_.system_roots.c_str()) != CURLE_OK ||
          curl_easy_setopt(easy, CURLOPT_CAPATH, static_cast<char*>(nullptr)) != CURLE_OK)
        return fail(Errc::Internal, "libcurl refused the trust roots " + options_.system_roots.string());
    } else if (const char* capath = default_ca_directory()) {
      // Parsing the whole system bundle costs ~60 ms of CPU per TLS context, most of an
      // issuance's CPU. The hashed directory holds the same roots and OpenSSL loads only the
      // issuer it needs from it, so use that alone when it exists.
      if (curl_easy_setopt(easy, CURLOPT_CAINFO, static_cast<char*>(nullptr)) != CURLE_OK ||
          curl_easy_setopt(easy, CURLOPT_CAPATH, capath) != CURLE_OK)
        return fail(Errc::Internal, std::string("libcurl refused the trust directory ") + capath);
    }
    if (options_.configure_tls_context) {
      // The callback runs for each new TLS context, after libcurl loaded the system roots into
      // its store, so extra roots are added to them rather than replacing them.
      if (curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, &on_ssl_context) != CURLE_OK ||
          curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, &options_.configure_tls_context) != CURLE_OK)
        return fail(Errc::Internal, "libcurl cannot add trust roots (it is not built with OpenSSL)");
      // The callback mutates the store; a cached store would outlive this transport's intent.
      curl_easy_setopt(easy, CURLOPT_CA_CACHE_TIMEOUT, 0L);
    }
    return {};
  }

  Result<Response> send(const Request& request) override {
    const std::string what = request.method + " " + describe_url(request.url);
    if (!is_https(request.url))
      return fail(Errc::InvalidArgument, what + ": refusing a URL that is not https://");
    if (has_line_break(request.url)) return fail(Errc::InvalidArgument, what + ": line break in the URL");
    CURL* easy = easy_.get();

    HeaderList headers;
    for (const auto& [name, value] : request.headers.entries()) {
      if (name.empty() || name.find(':') != std::string::npos || has_line_break(name) ||
          has_line_break(value))
        return fail(Errc::InvalidArgument,
                    what + ": malformed request header \"" + describe_header(name) + "\"");
      // "Name:" would tell libcurl to remove the header; "Name;" sends it empty.
      if (!append_header(headers, value.empty() ? name + ";" : name + ": " + value))
        return fail(Errc::Internal, what + ": out of memory");
    }
    // libcurl adds "Expect: 100-continue" to larger POSTs (an extra round trip) and a form
    // Content-Type to every POST; the Content-Type comes from the request or is not sent.
    if (!append_header(headers, "Expect:")) return fail(Errc::Internal, what + ": out of memory");
    if (!request.headers.get("Content-Type") && !append_header(headers, "Content-Type:"))
      return fail(Errc::Internal, what + ": out of memory");

    Exchange exchange;
    exchange.max_body = request.max_body_bytes;
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
      return fail(Errc::InvalidArgument, what + ": unsupported HTTP method");
    }
    // A declared Content-Length over the cap fails before the body is read. A HEAD response
    // describes a body that never comes, so it is not checked.
    const bool check_declared_length = request.method != "HEAD" && request.max_body_bytes > 0;
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(check_declared_length ? request.max_body_bytes : 0));
    curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &exchange);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &exchange);

    error_buffer_[0] = '\0';
    const CURLcode code = curl_easy_perform(easy);
    ++stats_.requests;
    long connects = 0;
    if (curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0)
      stats_.connections_opened += static_cast<std::size_t>(connects);
    // Nothing on the handle may point into this call's locals once it returns.
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, static_cast<void*>(nullptr));
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, static_cast<void*>(nullptr));

    if (exchange.body_too_large || code == CURLE_FILESIZE_EXCEEDED)
      return fail(Errc::Protocol,
                  what + ": response body exceeds " + std::to_string(request.max_body_bytes) + " bytes");
    if (exchange.headers_too_large)
      return fail(Errc::Protocol, what + ": response headers exceed " + std::to_string(kMaxResponseHeaders) +
                                      " lines or " + std::to_string(kMaxResponseHeaderBytes) + " bytes");
    if (code != CURLE_OK) {
      const std::string reason =
          error_buffer_[0] != '\0' ? std::string(error_buffer_) : curl_easy_strerror(code);
      const Errc errc = classify(code);
      // curl's own words for a stall ("Operation too slow…") do not say what happened.
      if (errc == Errc::Timeout) return fail(errc, what + ": timed out (" + reason + ")");
      if (lost_connection(code)) return fail(errc, what + ": " + reason + " (connection lost)");
      return fail(errc, what + ": " + reason);
    }
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    exchange.response.status = static_cast<int>(status);
    return std::move(exchange.response);
  }

  TransportStats stats() const override { return stats_; }

 private:
  static std::string describe_header(std::string_view name) {
    std::string shown;
    for (char c : name.substr(0, 64)) shown.push_back(c == '\r' || c == '\n' ? ' ' : c);
    return shown;
  }

  EasyHandle easy_;
  CurlOptions options_;  // user_agent's buffer is read by the handle
  char error_buffer_[CURL_ERROR_SIZE] = {};
  TransportStats stats_;
};

}  // namespace

Result<std::unique_ptr<Transport>> make_curl_transport(CurlOptions options) {
  if (options.connect_timeout.count() <= 0 || options.request_timeout.count() <= 0 ||
      options.stall_timeout.count() <= 0)
    return fail(Errc::InvalidArgument, "HTTP timeouts must be positive");
  // Checked here so a bad path is a usage error now, not a TLS failure on the first request.
  if (!options.system_roots.empty()) CERTKEEP_TRY(check_roots_file(options.system_roots));

  global_init_once();
  EasyHandle easy(curl_easy_init());
  if (!easy) return fail(Errc::Internal, "curl_easy_init failed");
  auto transport = std::make_unique<CurlTransport>(std::move(easy), std::move(options));
  CERTKEEP_TRY(transport->configure());
  return std::unique_ptr<Transport>(std::move(transport));
}

}  // namespace certkeep::http
