// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/certbot_import.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <sstream>

#include "acme/certbot_account.hpp"
#include "core/result_macros.hpp"
#include "core/small_file.hpp"
#include "core/strings.hpp"
#include "crypto/certificate.hpp"
#include "lifecycle/order_flow.hpp"
#include "lifecycle/renewal_policy.hpp"

namespace certkeep::lifecycle {

namespace {

namespace fs = std::filesystem;

Error bad(const fs::path& file, const std::string& what) {
  return Error(Errc::InvalidArgument, "certbot " + file.string() + ": " + what);
}

Result<std::string> read_file(const fs::path& file) {
  auto text = core::read_small_file(file);
  if (!text) return fail(bad(file, text.error().message()));
  return std::move(*text);
}

std::string trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return std::string(text);
}

// A renewal/*.conf (ConfigObj): "key = value" lines at the top, in [renewalparams], and in its
// [[webroot_map]] subsection. Comments and blank lines are skipped.
struct RenewalConf {
  std::map<std::string, std::string> top, params, webroot_map;
};

Result<RenewalConf> parse_conf(const fs::path& file) {
  std::istringstream lines(CERTKEEP_TRY(read_file(file)));
  RenewalConf conf;
  std::map<std::string, std::string>* section = &conf.top;
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    const std::string text = trimmed(line);
    if (text.empty() || text.front() == '#') continue;
    if (text == "[renewalparams]") {
      section = &conf.params;
    } else if (text == "[[webroot_map]]") {
      section = &conf.webroot_map;
    } else if (text.front() == '[') {
      section = nullptr;  // a section certkeep does not read
    } else if (const auto equals = text.find('='); equals != std::string::npos) {
      if (section) (*section)[trimmed(text.substr(0, equals))] = trimmed(text.substr(equals + 1));
    } else {
      return fail(bad(file, "line " + std::to_string(number) + " is not \"key = value\""));
    }
  }
  return conf;
}

Result<std::string> required(const std::map<std::string, std::string>& values, const std::string& key,
                             const fs::path& file) {
  auto found = values.find(key);
  if (found == values.end() || found->second.empty()) return fail(bad(file, "no \"" + key + "\""));
  return found->second;
}

std::string value_or(const std::map<std::string, std::string>& values, const std::string& key,
                     const std::string& fallback = "") {
  auto found = values.find(key);
  return found == values.end() ? fallback : found->second;
}

Result<KeyType> key_type_of(const RenewalConf& conf, const fs::path& file) {
  const std::string type = value_or(conf.params, "key_type", "rsa");
  if (type == "ecdsa") {
    const std::string curve = value_or(conf.params, "elliptic_curve", "secp256r1");
    if (curve == "secp256r1") return KeyType::EcdsaP256;
    if (curve == "secp384r1") return KeyType::EcdsaP384;
    return fail(bad(file, "elliptic_curve " + curve + " is not one certkeep makes (secp256r1, secp384r1)"));
  }
  if (type == "rsa") {
    const std::string size = value_or(conf.params, "rsa_key_size", "2048");
    if (size == "2048") return KeyType::Rsa2048;
    if (size == "3072") return KeyType::Rsa3072;
    if (size == "4096") return KeyType::Rsa4096;
    return fail(bad(file, "rsa_key_size " + size + " is not one certkeep makes (2048, 3072, 4096)"));
  }
  return fail(bad(file, "key_type " + type + " is not ecdsa or rsa"));
}

// certbot writes a single webroot path with a trailing comma ("webroot_path = /var/www,").
std::string first_path(const std::string& list) { return trimmed(list.substr(0, list.find(','))); }

struct Candidate {
  store::LineageRecord lineage;
  store::IssuedCertificate cert;
  std::optional<store::AccountRecord> account;
};

// The account directory accounts/<host>/<path>/<id>, wherever the server put it.
std::optional<fs::path> find_account_dir(const fs::path& config_dir, const std::string& id) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(config_dir / "accounts", ec), end; !ec && it != end;
       it.increment(ec))
    if (it->is_directory() && it->path().filename() == id) return it->path();
  return std::nullopt;
}

Result<Candidate> read_lineage(Services& services, const fs::path& config_dir, const fs::path& file,
                               std::vector<std::string>& notes) {
  const std::string name = file.stem().string();
  if (!core::is_valid_lineage_name(name))
    return fail(bad(file, "\"" + name + "\" is not a lineage name certkeep takes"));
  const RenewalConf conf = CERTKEEP_TRY(parse_conf(file));
  const fs::path cert_file = CERTKEEP_TRY(required(conf.top, "cert", file));
  const fs::path key_file = CERTKEEP_TRY(required(conf.top, "privkey", file));
  const fs::path chain_file = CERTKEEP_TRY(required(conf.top, "chain", file));
  const std::string server = CERTKEEP_TRY(required(conf.params, "server", file));
  if (server.rfind("https://", 0) != 0) return fail(bad(file, "server " + server + " is not https"));

  auto certificates = crypto::split_pem_chain(CERTKEEP_TRY(read_file(cert_file)));
  if (!certificates)
    return fail(bad(cert_file, "no PEM certificate (" + certificates.error().message() + ")"));
  const std::string leaf = certificates->front();
  const core::Secret key_text(CERTKEEP_TRY(read_file(key_file)));
  auto key = crypto::PrivateKey::from_pem(key_text.view());
  if (!key) return fail(bad(key_file, "not a usable private key (" + key.error().message() + ")"));
  if (!crypto::check_key_matches_certificate(*key, leaf))
    return fail(bad(key_file, "not the key of " + cert_file.string()));
  auto chain_certificates = crypto::split_pem_chain(CERTKEEP_TRY(read_file(chain_file)));
  if (!chain_certificates) return fail(bad(chain_file, "no PEM certificate"));
  std::string chain;
  for (const std::string& pem : *chain_certificates) chain += pem;
  if (auto linked = crypto::verify_chain_links(leaf, chain); !linked)
    return fail(bad(chain_file, "the chain does not link up: " + linked.error().message()));
  const crypto::CertificateInfo info = CERTKEEP_TRY(crypto::inspect_certificate(leaf));
  if (info.dns_names.empty()) return fail(bad(cert_file, "the certificate names no DNS name"));

  store::LineageSettings settings;
  settings.directory_url = server;
  settings.key_type = CERTKEEP_TRY(key_type_of(conf, file));
  settings.deploy_hook = value_or(conf.params, "renew_hook", value_or(conf.params, "deploy_hook"));
  if (!settings.deploy_hook.empty())
    notes.push_back(name +
                    ": deploy hook kept; certkeep sets CERTKEEP_* variables, not certbot's RENEWED_LINEAGE "
                    "and RENEWED_DOMAINS: adapt a hook that reads them");
  const std::string authenticator = CERTKEEP_TRY(required(conf.params, "authenticator", file));
  if (authenticator == "standalone") {
    settings.challenge_method = store::ChallengeMethod::Standalone;
    const std::string address = value_or(conf.params, "http01_address");
    settings.http_listen = (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" +
                           value_or(conf.params, "http01_port", "80");
  } else if (authenticator == "webroot") {
    settings.challenge_method = store::ChallengeMethod::Webroot;
    std::string root = value_or(conf.webroot_map, info.dns_names.front());
    if (root.empty()) root = first_path(value_or(conf.params, "webroot_path"));
    if (root.empty() || !fs::is_directory(root))
      return fail(bad(file, "webroot \"" + root + "\" is not a directory"));
    settings.webroot = root;
    if (conf.webroot_map.size() > 1) notes.push_back(name + ": one webroot (" + root + ") serves every name");
  } else {
    return fail(bad(file, "authenticator " + authenticator +
                              " is not one certkeep has (standalone, webroot): issue this lineage anew"));
  }

  Candidate candidate;
  const std::string account_id = value_or(conf.params, "account");
  if (auto dir = account_id.empty() ? std::nullopt : find_account_dir(config_dir, account_id)) {
    auto account_key = acme::parse_private_jwk(CERTKEEP_TRY(read_file(*dir / "private_key.json")));
    auto account_url = acme::parse_certbot_account_url(CERTKEEP_TRY(read_file(*dir / "regr.json")));
    if (!account_key) return fail(bad(*dir / "private_key.json", account_key.error().message()));
    if (!account_url) return fail(bad(*dir / "regr.json", account_url.error().message()));
    candidate.account = store::AccountRecord{.directory_url = server,
                                             .account_url = *account_url,
                                             .key_pem = CERTKEEP_TRY(account_key->to_pem()),
                                             .created_at = services.clock.now()};
  } else {
    notes.push_back(name + ": certbot's account " + account_id +
                    " was not found; the first renewal registers a new account (terms agreed)");
  }

  candidate.lineage.name = name;
  candidate.lineage.identifiers = info.dns_names;
  candidate.lineage.settings = std::move(settings);
  candidate.cert.key_pem = CERTKEEP_TRY(key->to_pem());
  candidate.cert.cert_pem = leaf;
  candidate.cert.chain_pem = std::move(chain);
  candidate.cert.serial = info.serial_hex;
  candidate.cert.issuer = info.issuer_cn;
  candidate.cert.not_before = info.not_before;
  candidate.cert.not_after = info.not_after;
  candidate.cert.ari_cert_id = info.ari_cert_id;
  candidate.cert.renew_at =
      compute_renew_at(name, info.not_before, info.not_after, std::nullopt, services.clock.now());
  return candidate;
}

}  // namespace

Result<CertbotImport> import_from_certbot(Services& services, const fs::path& config_dir,
                                          const std::string& ca_bundle) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(config_dir / "renewal", ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".conf") files.push_back(it->path());
  if (ec) return fail(bad(config_dir / "renewal", "cannot read it (" + ec.message() + ")"));
  if (files.empty())
    return fail(bad(config_dir / "renewal", "no *.conf: not a certbot configuration directory"));
  std::sort(files.begin(), files.end());

  // Everything is read and checked before anything is stored: a broken file imports nothing.
  CertbotImport result;
  std::vector<Candidate> candidates;
  for (const fs::path& file : files) {
    candidates.push_back(CERTKEEP_TRY(read_lineage(services, config_dir, file, result.notes)));
    candidates.back().lineage.settings.ca_bundle = ca_bundle;
    if (CERTKEEP_TRY(services.store.find_lineage(candidates.back().lineage.name)))
      return fail(bad(file, "certkeep already has a lineage " + candidates.back().lineage.name));
  }
  std::map<std::string, std::int64_t> accounts;  // account URL -> stored id
  for (Candidate& candidate : candidates) {
    if (candidate.account) {
      auto [found, inserted] = accounts.try_emplace(candidate.account->account_url, 0);
      if (inserted) found->second = CERTKEEP_TRY(services.store.save_account(*candidate.account)).id;
      candidate.lineage.account_id = found->second;
    }
    CERTKEEP_TRY(services.store.upsert_lineage(candidate.lineage));
    result.lineages.push_back(CERTKEEP_TRY(
        commit_and_deploy(services, candidate.lineage.name, candidate.cert, store::HistoryKind::Migrated)));
  }
  return result;
}

}  // namespace certkeep::lifecycle
