// SPDX-License-Identifier: Apache-2.0
// BindServer: a real BIND 9 for one test case, started and stopped through pebble-test/bind.sh
// (its path in $CERTKEEP_BIND_SH), and `dig`/`nsupdate` to look at and change its zones the way
// an operator would. A missing BIND fails the test; nothing is skipped.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "dns/server_address.hpp"
#include "support/temp_dir.hpp"

namespace certkeep::testing {

// Runs `command` with /bin/sh; its stdout, and its exit status in `status`.
inline std::string run_shell(const std::string& command, int* status = nullptr) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int result = ::pclose(pipe);
  if (status != nullptr) *status = WIFEXITED(result) ? WEXITSTATUS(result) : -1;
  return output;
}

class BindServer {
 public:
  // bind.sh start DIR OPTIONS (e.g. "--second stale"); throws when it fails.
  explicit BindServer(const std::string& options = "") : dir_("bind") {
    const char* script = std::getenv("CERTKEEP_BIND_SH");
    if (script == nullptr) throw std::runtime_error("CERTKEEP_BIND_SH is not set (run through ctest)");
    script_ = script;
    int status = 0;
    const std::string log = run_shell("bash " + script_ + " start " + dir_.path().string() + " " + options + " 2>&1",
                                      &status);
    if (status != 0) throw std::runtime_error("bind.sh start failed:\n" + log);
    std::ifstream env(dir_.path() / "bind-env");
    std::string line;
    while (std::getline(env, line)) {
      if (!line.starts_with("export ")) continue;
      const std::size_t equals = line.find('=');
      env_[line.substr(7, equals - 7)] = line.substr(equals + 1);
    }
    port_ = static_cast<std::uint16_t>(std::stoi(env_.at("BIND_PORT")));
  }
  BindServer(const BindServer&) = delete;
  BindServer& operator=(const BindServer&) = delete;
  ~BindServer() { run_shell("bash " + script_ + " stop " + dir_.path().string() + " >/dev/null 2>&1"); }

  // Stops BIND, keeping its port reserved for restart().
  void stop() { run_shell("bash " + script_ + " stop " + dir_.path().string() + " --keep-port >/dev/null 2>&1"); }
  void restart() {
    int status = 0;
    const std::string log = run_shell("bash " + script_ + " restart " + dir_.path().string() + " 2>&1", &status);
    if (status != 0) throw std::runtime_error("bind.sh restart failed:\n" + log);
  }

  std::uint16_t port() const { return port_; }
  dns::ServerAddress address(const std::string& host = "127.0.0.1") const { return {host, port_}; }
  std::filesystem::path key_file() const { return env_.at("BIND_KEY_FILE"); }
  std::string key_name() const { return env_.at("BIND_KEY_NAME"); }
  const std::filesystem::path& dir() const { return dir_.path(); }

  // The TXT values of `name` as `host` answers them (dig +short, quotes removed), sorted.
  std::vector<std::string> txt(const std::string& name, const std::string& host = "127.0.0.1") const {
    const std::string output =
        run_shell("dig +short +norec +time=2 +tries=2 -p " + std::to_string(port_) + " @" + host + " TXT " + name);
    std::vector<std::string> values;
    std::size_t start = 0;
    while (start < output.size()) {
      std::size_t end = output.find('\n', start);
      if (end == std::string::npos) end = output.size();
      std::string value = output.substr(start, end - start);
      std::erase(value, '"');
      if (!value.empty()) values.push_back(value);
      start = end + 1;
    }
    std::sort(values.begin(), values.end());
    return values;
  }

  // The SOA serial of `zone` on 127.0.0.1 (each applied UPDATE raises it by one).
  long serial(const std::string& zone) const {
    const std::string output =
        run_shell("dig +short +norec -p " + std::to_string(port_) + " @127.0.0.1 SOA " + zone);
    // "ns1.a.test. hostmaster.a.test. SERIAL ..."
    std::size_t first = output.find(' ');
    std::size_t second = output.find(' ', first + 1);
    return std::stol(output.substr(second + 1));
  }

  // nsupdate with the harness key: `commands` are nsupdate lines ("update add …").
  int nsupdate(const std::string& zone, const std::string& commands) const {
    int status = 0;
    run_shell("printf 'server 127.0.0.1 " + std::to_string(port_) + "\\nzone " + zone + "\\n" + commands +
                  "\\nsend\\n' | nsupdate -k " + key_file().string() + " 2>&1",
              &status);
    return status;
  }

 private:
  TempDir dir_;
  std::string script_;
  std::map<std::string, std::string> env_;
  std::uint16_t port_ = 0;
};

// One server in the default mode for every case that neither stops it nor needs another mode
// (each cleans up its own records), started on first use: starting named is most of a case's
// time.
inline BindServer& shared_bind() {
  static BindServer server;
  return server;
}

}  // namespace certkeep::testing
