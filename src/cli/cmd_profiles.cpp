// SPDX-License-Identifier: Apache-2.0
// `certkeep profiles [--server URL]`: the ACME profiles a CA offers (its directory's
// meta.profiles), and whether it requires External Account Binding. Needs no state directory.
#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_document.hpp"
#include "core/json_writer.hpp"
#include "core/strings.hpp"
#include "lifecycle/ca_directory.hpp"
#include "lifecycle/request_checks.hpp"
#include "lifecycle/server_ca_pin.hpp"

namespace certkeep::cli {

namespace {

class ProfilesCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("profiles", "List the ACME profiles a CA offers");
    cmd->add_option("--server", server_, "letsencrypt (default), staging, or an ACME directory URL");
    cmd->add_option("--ca-bundle", ca_bundle_, "Extra PEM root to trust for the CA's HTTPS");
    cmd->add_option("--server-ca-checksum", checksum_, "Pin the CA's server by its CA's sha256");
    return cmd;
  }

  int run(const GlobalOptions&, const Output& out) override {
    auto url = resolve_server(server_);
    if (!url) return out.error(url.error());
    std::string bundle;
    if (!ca_bundle_.empty()) {
      auto checked = lifecycle::check_ca_bundle(ca_bundle_, "--ca-bundle");
      if (!checked) return out.error(checked.error());
      bundle = checked->string();
    }
    std::string checksum;
    if (!checksum_.empty()) {
      auto checked = lifecycle::check_server_ca_checksum(checksum_);
      if (!checked) return out.error(checked.error());
      checksum = *checked;
    }
    core::SystemClock clock;
    auto ca = lifecycle::describe_ca(*url, bundle, checksum, clock);
    if (!ca) return out.error(ca.error());
    out.raw(out.json() ? json(*ca) + "\n" : text(*ca));
    return kExitSuccess;
  }

 private:
  static std::string json(const lifecycle::CaDescription& ca) {
    core::JsonWriter body = json_document("profiles");
    body.field("server", ca.directory_url).key("profiles").begin_array();
    for (const acme::Profile& profile : ca.profiles)
      body.begin_object().field("name", profile.name).field("description", profile.description).end_object();
    body.end_array()
        .field("external_account_required", ca.external_account_required)
        .field("terms_of_service", ca.terms_of_service)
        .field("renewal_info", ca.renewal_info)
        .field("key_change", ca.key_change)
        .end_object();
    return body.str();
  }

  static std::string text(const lifecycle::CaDescription& ca) {
    std::string out = "server: " + ca.directory_url + "\n";
    if (ca.profiles.empty()) {
      out += "profiles: none (the CA offers no ACME profiles; --profile cannot be used with it)\n";
    } else {
      std::size_t width = 7;
      for (const acme::Profile& profile : ca.profiles) width = std::max(width, profile.name.size());
      out += "PROFILE" + std::string(width - 7 + 2, ' ') + "DESCRIPTION\n";
      for (const acme::Profile& profile : ca.profiles) {
        const std::string name = core::sanitize_for_terminal(profile.name, 64);
        out += name + std::string(width > name.size() ? width - name.size() + 2 : 2, ' ') +
               core::sanitize_for_terminal(profile.description, 200) + "\n";
      }
    }
    if (ca.external_account_required)
      out += "external account binding: required (--eab-kid and --eab-hmac-key[-file])\n";
    return out;
  }

  std::string server_;
  std::string ca_bundle_;
  std::string checksum_;
};

}  // namespace

std::unique_ptr<Command> make_profiles_command() { return std::make_unique<ProfilesCommand>(); }

}  // namespace certkeep::cli
