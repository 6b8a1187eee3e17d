// SPDX-License-Identifier: Apache-2.0
// `certkeep ca init|rotate|export|list`: certkeep's private CAs, the "self-signed" way to
// terminate TLS. Certificates come from them with `certkeep issue --ca NAME`.
#include <fstream>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/lineage_output.hpp"
#include "core/json_writer.hpp"
#include "core/result_macros.hpp"
#include "core/time_format.hpp"
#include "lifecycle/private_ca.hpp"

namespace certkeep::cli {

namespace {

// The flags that describe a new CA generation, shared by init and rotate.
struct NewCaFlags {
  std::string name{lifecycle::kDefaultCaName};
  std::string common_name;
  std::string key_type = "ec256";
  int validity_days = 3650;

  void add_to(CLI::App& cmd, bool name_is_positional) {
    if (name_is_positional)
      cmd.add_option("name", name, "The CA's name (default certkeep-ca)");
    else
      cmd.add_option("--name", name, "The CA's name (default certkeep-ca)");
    cmd.add_option("--cn", common_name, "The root's common name (default: the CA's name)");
    cmd.add_option("--key-type", key_type, "ec256 (default), ec384, rsa2048, rsa3072, rsa4096");
    cmd.add_option("--validity", validity_days, "The root's lifetime in days (default 3650)");
  }

  Result<lifecycle::CaOptions> options() const {
    CERTKEEP_TRY(lifecycle::check_ca_name(name));
    auto parsed_key_type = parse_key_type(key_type);
    if (!parsed_key_type)
      return fail(Errc::InvalidArgument, "--key-type must be ec256, ec384, rsa2048, rsa3072 or rsa4096");
    if (validity_days < 1 || validity_days > 36500)
      return fail(Errc::InvalidArgument, "--validity must be 1 to 36500 days");
    if (common_name.size() > 64) return fail(Errc::InvalidArgument, "--cn must be at most 64 characters");
    return lifecycle::CaOptions{.name = name,
                                .common_name = common_name,
                                .key_type = *parsed_key_type,
                                .validity = std::chrono::days(validity_days)};
  }
};

std::string describe(const store::PrivateCaRecord& ca) {
  return "private CA " + ca.name + " generation " + std::to_string(ca.generation) + " (" +
         std::string(store::to_string(ca.state)) + ", " + std::string(to_string(ca.key_type)) + ")";
}

class CaCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("ca", "Private CAs: init, rotate, export, list");
    cmd->require_subcommand(1);

    init_ = cmd->add_subcommand("init", "Create a private CA: its key and self-signed root");
    init_flags_.add_to(*init_, false);
    init_->add_flag(
        "--force", force_,
        "Replace an existing CA at once (its old root stays exported until its leaves are renewed)");

    rotate_ = cmd->add_subcommand(
        "rotate", "Add the CA's next root, exported beside the current one; --activate makes it sign");
    rotate_flags_.add_to(*rotate_, true);
    rotate_->add_flag(
        "--activate", activate_,
        "The next root (from an earlier rotate) signs from now on; its leaves renew on the next pass");

    export_ = cmd->add_subcommand("export", "Print the CA's roots (never its key) for clients to trust");
    export_->add_option("name", export_name_, "The CA's name (default certkeep-ca)");
    export_->add_option("-o,--out", export_path_, "Write to this file instead of stdout");

    list_ = cmd->add_subcommand("list", "List the private CAs and their generations");
    list_->add_flag("--json", list_json_, "Print a JSON array");
    return cmd;
  }

  int run(const GlobalOptions& global, const Output& out) override {
    if (init_->parsed()) return run_init(global, out);
    if (rotate_->parsed()) return run_rotate(global, out);
    if (export_->parsed()) return run_export(global, out);
    return run_list(global, out);
  }

 private:
  int run_init(const GlobalOptions& global, const Output& out) {
    auto options = init_flags_.options();
    if (!options) return out.error(options.error());
    auto app = open_app(global, out);
    if (!app) return out.error(app.error());
    auto ca = lifecycle::init_private_ca((*app)->services().store, *options, force_,
                                         (*app)->services().clock.now());
    if (!ca) return out.error(ca.error());
    out.result("created " + describe(*ca) + "; `certkeep ca export " + ca->name + "` prints its root");
    return kExitSuccess;
  }

  int run_rotate(const GlobalOptions& global, const Output& out) {
    auto options = rotate_flags_.options();
    if (!options) return out.error(options.error());
    auto app = open_app(global, out);
    if (!app) return out.error(app.error());
    store::Store& store = (*app)->services().store;
    if (activate_) {
      auto due = lifecycle::activate_private_ca(store, options->name, (*app)->services().clock.now());
      if (!due) return out.error(due.error());
      out.result("the next root of private CA " + options->name + " signs from now on; " +
                 std::to_string(*due) + " lineage(s) are due for renewal onto it (certkeep renew)");
      return kExitSuccess;
    }
    auto ca = lifecycle::rotate_private_ca(store, *options);
    if (!ca) return out.error(ca.error());
    out.result("added " + describe(*ca) + ": `ca export " + ca->name +
               "` now prints both roots; once clients trust both, `ca rotate " + ca->name + " --activate`");
    return kExitSuccess;
  }

  int run_export(const GlobalOptions& global, const Output& out) {
    if (auto checked = lifecycle::check_ca_name(export_name_); !checked) return out.error(checked.error());
    auto app = open_app(global, out);
    if (!app) return out.error(app.error());
    auto roots = lifecycle::exported_roots((*app)->services().store, export_name_);
    if (!roots) return out.error(roots.error());
    std::string bundle;
    for (const std::string& root : *roots) bundle += root;
    if (export_path_.empty()) {
      out.raw(bundle);
      return kExitSuccess;
    }
    std::ofstream file(export_path_, std::ios::binary | std::ios::trunc);
    file << bundle;
    file.close();
    if (!file) return out.error(Error(Errc::Io, "ca export: cannot write " + export_path_));
    out.result("wrote " + std::to_string(roots->size()) + " root(s) of private CA " + export_name_ + " to " +
               export_path_);
    return kExitSuccess;
  }

  int run_list(const GlobalOptions& global, const Output& out) {
    auto app = open_app(global, out);
    if (!app) return out.error(app.error());
    auto generations = lifecycle::list_private_cas((*app)->services().store);
    if (!generations) return out.error(generations.error());
    if (list_json_) {
      core::JsonWriter json;
      json.begin_array();
      for (const auto& g : *generations)
        json.begin_object()
            .field("name", g.name)
            .field("generation", g.generation)
            .field("state", std::string(store::to_string(g.state)))
            .field("key_type", std::string(to_string(g.key_type)))
            .field("common_name", g.common_name)
            .field("serial", g.serial)
            .field("not_after", core::format_rfc3339(g.not_after))
            .end_object();
      json.end_array();
      out.raw(json.str() + "\n");
      return kExitSuccess;
    }
    std::vector<std::vector<std::string>> rows{
        {"NAME", "GENERATION", "STATE", "KEY", "COMMON NAME", "NOT AFTER"}};
    for (const auto& g : *generations)
      rows.push_back({g.name, std::to_string(g.generation), std::string(store::to_string(g.state)),
                      std::string(to_string(g.key_type)), g.common_name, format_time(g.not_after)});
    out.raw(format_table(rows));
    return kExitSuccess;
  }

  NewCaFlags init_flags_;
  NewCaFlags rotate_flags_;
  bool force_ = false;
  bool activate_ = false;
  bool list_json_ = false;
  std::string export_name_{lifecycle::kDefaultCaName};
  std::string export_path_;
  CLI::App* init_ = nullptr;
  CLI::App* rotate_ = nullptr;
  CLI::App* export_ = nullptr;
  CLI::App* list_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> make_ca_command() { return std::make_unique<CaCommand>(); }

}  // namespace certkeep::cli
