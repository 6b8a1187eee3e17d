// SPDX-License-Identifier: Apache-2.0
// `certkeep account list|show|register|rollover|deactivate`: the store's ACME accounts, by name.
// Keys and EAB MAC keys are never printed: `show` gives the key's JWK thumbprint.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/eab_flags.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_document.hpp"
#include "core/json_writer.hpp"
#include "core/strings.hpp"
#include "lifecycle/accounts.hpp"
#include "lifecycle/request_checks.hpp"
#include "lifecycle/server_ca_pin.hpp"

namespace certkeep::cli {

namespace {

void write_account(core::JsonWriter& out, const lifecycle::AccountDetails& details) {
  const store::AccountRecord& account = details.account;
  out.begin_object()
      .field("name", account.name)
      .field("server", account.directory_url)
      .field("account_url", account.account_url)
      .field("status", store::to_string(account.status))
      .field("contact", account.contact)
      .field("key_thumbprint", details.key_thumbprint)
      .field("rollover_pending", details.rollover_pending)
      .field("eab_key_id", account.eab_key_id)
      .field("lineages", details.lineages)
      .end_object();
}

// The `account` JSON document (docs/json.md) of show and register.
std::string account_document(const lifecycle::AccountDetails& details) {
  core::JsonWriter json = json_document("account");
  json.key("account");
  write_account(json, details);
  json.end_object();
  return json.str() + "\n";
}

std::string account_text(const lifecycle::AccountDetails& details) {
  const store::AccountRecord& account = details.account;
  std::string out;
  auto line = [&](std::string_view label, const std::string& value) {
    out += std::string(label) + ":" + std::string(std::max<std::size_t>(1, 18 - label.size()), ' ') +
           (value.empty() ? "-" : value) + "\n";
  };
  line("name", account.name);
  line("server", account.directory_url);
  line("account URL", account.account_url);
  line("status", std::string(store::to_string(account.status)) +
                     (details.rollover_pending ? " (key rollover pending)" : ""));
  line("contact", account.contact);
  line("key thumbprint", details.key_thumbprint);
  line("EAB key id", account.eab_key_id);
  line("lineages", core::join(details.lineages, ", "));
  return out;
}

// Deactivation cannot be undone: a person at a terminal types "yes"; a script passes --yes.
bool confirmed(const std::string& name, const lifecycle::AccountDetails& details) {
  if (::isatty(STDIN_FILENO) == 0) return false;
  std::cerr << "Deactivate account " << name << " (" << details.account.account_url << ") at its CA? "
            << details.lineages.size() << " lineage(s) use it and will fail to renew until given another "
            << "account. This cannot be undone. Type yes to go on: " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return core::trim(answer) == "yes";
}

class AccountCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd =
        app.add_subcommand("account", "List, show, register, roll over and deactivate ACME accounts");
    cmd->require_subcommand(1);
    list_ = cmd->add_subcommand("list", "List the store's accounts and how many lineages use each");
    show_ = cmd->add_subcommand("show", "Show one account and the lineages that use it");
    show_->add_option("name", name_, "Account name")->required();
    register_ = cmd->add_subcommand("register", "Register a new account with a CA");
    register_->add_option("--name", name_, "Account name (default: the CA's host)");
    register_->add_option(
        "--server", server_,
        "letsencrypt (default), staging, zerossl, google, google-staging or a directory URL");
    register_->add_option("--ca-bundle", ca_bundle_, "Extra PEM root to trust for the CA's HTTPS");
    register_->add_option("--server-ca-checksum", checksum_, "Pin the CA's server by its CA's sha256");
    register_->add_option("--email", email_, "Contact e-mail");
    register_->add_flag("--agree-tos", agree_tos_, "Agree to the CA's terms of service");
    add_eab_flags(*register_, eab_);
    rollover_ = cmd->add_subcommand("rollover", "Change an account's key at its CA (RFC 8555 key change)");
    rollover_->add_option("name", name_, "Account name")->required();
    deactivate_ = cmd->add_subcommand("deactivate", "Deactivate an account at its CA (cannot be undone)");
    deactivate_->add_option("name", name_, "Account name")->required();
    deactivate_->add_flag("--yes", yes_, "Do not ask for confirmation (needed off a terminal)");
    return cmd;
  }

  int run(const GlobalOptions& global, const Output& out) override {
    auto app = open_app(global, out);
    if (!app) return out.error(app.error());
    lifecycle::Services& services = (*app)->services();
    if (list_->parsed()) return list(services, out);
    if (show_->parsed()) return show(services, out);
    if (register_->parsed()) return register_account(services, out);
    if (rollover_->parsed()) return rollover(services, out);
    if (deactivate_->parsed()) return deactivate(services, out);
    return kExitUsage;
  }

 private:
  int list(lifecycle::Services& services, const Output& out) {
    auto accounts = lifecycle::list_accounts(services.store);
    if (!accounts) return out.error(accounts.error());
    if (out.json()) {
      core::JsonWriter json = json_document("accounts");
      json.key("accounts").begin_array();
      for (const auto& details : *accounts) write_account(json, details);
      json.end_array().end_object();
      out.raw(json.str() + "\n");
      return kExitSuccess;
    }
    std::size_t width = 4;
    for (const auto& details : *accounts) width = std::max(width, details.account.name.size());
    auto pad = [&](const std::string& text) { return text + std::string(width + 2 - text.size(), ' '); };
    std::string table = pad("NAME") + "STATUS       LINEAGES  SERVER\n";
    for (const auto& details : *accounts) {
      std::string status(store::to_string(details.account.status));
      if (details.rollover_pending) status += "*";
      status.resize(std::max<std::size_t>(status.size(), 11), ' ');
      std::string count = std::to_string(details.lineages.size());
      count.resize(8, ' ');
      table +=
          pad(details.account.name) + status + "  " + count + "  " + details.account.directory_url + "\n";
    }
    out.raw(table);
    return kExitSuccess;
  }

  int show(lifecycle::Services& services, const Output& out) {
    auto details = lifecycle::show_account(services.store, name_);
    if (!details) return out.error(details.error());
    if (out.json()) {
      out.raw(account_document(*details));
    } else {
      out.raw(account_text(*details));
    }
    return kExitSuccess;
  }

  int register_account(lifecycle::Services& services, const Output& out) {
    auto server = resolve_server(server_);
    if (!server) return out.error(server.error());
    lifecycle::RegisterRequest request;
    request.where = {.name = name_, .directory_url = *server};
    if (!ca_bundle_.empty()) {
      auto bundle = lifecycle::check_ca_bundle(ca_bundle_, "--ca-bundle");
      if (!bundle) return out.error(bundle.error());
      request.where.ca_bundle = bundle->string();
    }
    if (!checksum_.empty()) {
      auto checksum = lifecycle::check_server_ca_checksum(checksum_);
      if (!checksum) return out.error(checksum.error());
      request.where.server_ca_checksum = *checksum;
    }
    auto eab = read_eab_flags(eab_, take_environment_variable, [&out](std::string_view line) { out.warning(line); });
    if (!eab) return out.error(eab.error());
    auto binding = lifecycle::parse_eab_input(*eab);
    if (!binding) return out.error(binding.error());
    request.options = {.email = email_, .agree_terms_of_service = agree_tos_, .external_account = *binding};
    auto account = lifecycle::register_account(services, request);
    if (!account) return out.error(account.error());
    if (out.json()) {
      auto details = lifecycle::show_account(services.store, account->name);
      if (!details) return out.error(details.error());
      out.raw(account_document(*details));
    } else {
      out.result("account " + account->name + " registered: " + account->account_url);
    }
    return kExitSuccess;
  }

  int rollover(lifecycle::Services& services, const Output& out) {
    auto account = lifecycle::rollover_account(services, name_);
    if (!account) return out.error(account.error());
    out.result("account " + account->name + " (" + account->account_url + ") now signs with a new key");
    return kExitSuccess;
  }

  int deactivate(lifecycle::Services& services, const Output& out) {
    auto details = lifecycle::show_account(services.store, name_);
    if (!details) return out.error(details.error());
    if (!yes_ && !confirmed(name_, *details))
      return out.error(
          Error(Errc::InvalidArgument,
                "deactivating account " + name_ + " cannot be undone: confirm on a terminal, or pass --yes"));
    auto deactivated = lifecycle::deactivate_account(services, name_);
    if (!deactivated) return out.error(deactivated.error());
    out.result("account " + name_ + " deactivated");
    if (!deactivated->lineages.empty())
      out.result("lineages that used it, which will not renew until given another account: " +
                 core::join(deactivated->lineages, ", "));
    return kExitSuccess;
  }

  CLI::App* list_ = nullptr;
  CLI::App* show_ = nullptr;
  CLI::App* register_ = nullptr;
  CLI::App* rollover_ = nullptr;
  CLI::App* deactivate_ = nullptr;
  std::string name_, server_, ca_bundle_, checksum_, email_;
  bool agree_tos_ = false;
  bool yes_ = false;
  EabFlags eab_;
};

}  // namespace

std::unique_ptr<Command> make_account_command() { return std::make_unique<AccountCommand>(); }

}  // namespace certkeep::cli
