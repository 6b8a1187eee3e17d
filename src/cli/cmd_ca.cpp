// SPDX-License-Identifier: Apache-2.0
// `certkeep ca init|rotate|export|list`: certkeep's private CAs, the "self-signed" way to
// terminate TLS. Certificates come from them with `certkeep issue --ca NAME`.
#include <filesystem>
#include <fstream>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_document.hpp"
#include "cli/lineage_output.hpp"
#include "core/json_writer.hpp"
#include "core/result_macros.hpp"
#include "core/small_file.hpp"
#include "core/time_format.hpp"
#include "lifecycle/private_ca.hpp"
#include "lifecycle/server_ca_pin.hpp"

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
    CLI::App* cmd = app.add_subcommand("ca", "Private CAs (init, rotate, export, list) and CA checksums");
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

    checksum_ = cmd->add_subcommand(
        "checksum", "Print a CA certificate's sha256 as Rancher's agents compare it (CATTLE_CA_CHECKSUM)");
    auto* file =
        checksum_->add_option("file", checksum_file_, "A PEM file (default: what `ca export` prints)");
    auto* of_ca =
        checksum_->add_option("--ca", checksum_ca_, "The roots of this private CA (default certkeep-ca)");
    auto* of_lineage =
        checksum_->add_option("--lineage", checksum_lineage_, "The CA this lineage's chain ends in");
    auto* of_server = checksum_->add_option("--server", checksum_server_,
                                            "The CA an https URL's verified TLS chain ends in (one GET)");
    checksum_->add_option("--ca-bundle", checksum_bundle_, "With --server: extra roots to trust")
        ->needs(of_server);
    checksum_->add_flag("--kubeconfig", kubeconfig_,
                        "Print the base64 certificate-authority-data of the same bytes instead");
    file->excludes(of_ca)->excludes(of_lineage)->excludes(of_server);
    of_ca->excludes(of_lineage)->excludes(of_server);
    of_lineage->excludes(of_server);

    list_ = cmd->add_subcommand("list", "List the private CAs and their generations");
    return cmd;
  }

  int run(const GlobalOptions& global, const Output& out) override {
    if (init_->parsed()) return run_init(global, out);
    if (rotate_->parsed()) return run_rotate(global, out);
    if (export_->parsed()) return run_export(global, out);
    if (checksum_->parsed()) return run_checksum(global, out);
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
    if (export_path_.empty() && out.json()) {
      out.raw(json_document("private-ca-roots")
                  .field("name", export_name_)
                  .field("roots", *roots)
                  .end_object()
                  .str() +
              "\n");
      return kExitSuccess;
    }
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

  // The PEM text whose checksum is asked for: a file, a private CA's roots, a lineage's chain
  // top, or a server's.
  Result<std::string> checksum_input(const GlobalOptions& global, const Output& out) {
    if (!checksum_file_.empty()) {
      auto text = core::read_small_file(checksum_file_);
      if (!text) return fail(Errc::InvalidArgument, checksum_file_ + ": " + text.error().message());
      if (text->find("-----BEGIN CERTIFICATE-----") == std::string::npos)
        return fail(Errc::InvalidArgument, checksum_file_ + ": no PEM certificate");
      return std::move(*text);
    }
    if (!checksum_server_.empty())
      return lifecycle::server_ca_certificate(checksum_server_, checksum_bundle_);
    auto app = CERTKEEP_TRY(open_app(global, out));
    if (!checksum_lineage_.empty()) {
      const lifecycle::LineageDetails details = CERTKEEP_TRY(app->show(checksum_lineage_, 1));
      if (details.lineage.chain_pem.empty())
        return fail(Errc::NotFound, checksum_lineage_ + " has no chain (no certificate yet)");
      return lifecycle::last_chain_certificate(details.lineage.chain_pem);
    }
    CERTKEEP_TRY(lifecycle::check_ca_name(checksum_ca_));
    std::string bundle;
    for (const std::string& root :
         CERTKEEP_TRY(lifecycle::exported_roots(app->services().store, checksum_ca_)))
      bundle += root;
    return bundle;
  }

  int run_checksum(const GlobalOptions& global, const Output& out) {
    auto pem = checksum_input(global, out);
    if (!pem) return out.error(pem.error());
    const std::string value =
        kubeconfig_ ? lifecycle::kubeconfig_data_of(*pem) : lifecycle::ca_checksum_of(*pem);
    if (out.json())
      out.raw(json_document("ca-checksum")
                  .field(kubeconfig_ ? "certificate_authority_data" : "checksum", value)
                  .end_object()
                  .str() +
              "\n");
    else
      out.raw(value + "\n");
    return kExitSuccess;
  }

  int run_list(const GlobalOptions& global, const Output& out) {
    auto app = open_app(global, out);
    if (!app) return out.error(app.error());
    auto generations = lifecycle::list_private_cas((*app)->services().store);
    if (!generations) return out.error(generations.error());
    if (out.json()) {
      core::JsonWriter json = json_document("private-cas");
      json.key("cas").begin_array();
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
      json.end_array().end_object();
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
  std::string export_name_{lifecycle::kDefaultCaName};
  std::string export_path_;
  CLI::App* init_ = nullptr;
  CLI::App* rotate_ = nullptr;
  CLI::App* export_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* checksum_ = nullptr;
  std::string checksum_file_;
  std::string checksum_ca_{lifecycle::kDefaultCaName};
  std::string checksum_lineage_;
  std::string checksum_server_;
  std::string checksum_bundle_;
  bool kubeconfig_ = false;
};

}  // namespace

std::unique_ptr<Command> make_ca_command() { return std::make_unique<CaCommand>(); }

}  // namespace certkeep::cli
