// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/eab_input.hpp"

#include "core/result_macros.hpp"

namespace certkeep::lifecycle {

Result<std::optional<acme::ExternalAccountBinding>> parse_eab_input(const EabInput& input) {
  const bool has_key = input.mac_key && !input.mac_key->empty();
  if (input.key_id.empty() && !has_key) {
    if (!input.algorithm.empty())
      return fail(Errc::InvalidArgument, "--eab-alg needs --eab-kid and an EAB MAC key");
    return std::optional<acme::ExternalAccountBinding>{};
  }
  if (input.key_id.empty())
    return fail(Errc::InvalidArgument, "an EAB MAC key (" + input.mac_key_source + ") needs --eab-kid");
  if (!has_key)
    return fail(
        Errc::InvalidArgument,
        "--eab-kid needs the MAC key: --eab-hmac-key KEY, --eab-hmac-key-file FILE or CERTKEEP_EAB_HMAC_KEY");
  acme::ExternalAccountBinding binding;
  binding.key_id = input.key_id;
  if (!input.algorithm.empty()) {
    auto algorithm = acme::parse_mac_algorithm(input.algorithm);
    if (!algorithm) return fail(Errc::InvalidArgument, "--eab-alg must be hs256, hs384 or hs512");
    binding.algorithm = *algorithm;
  }
  auto key = acme::decode_mac_key(input.mac_key->view());
  if (!key) return fail(std::move(key).error().with_context(input.mac_key_source));
  binding.mac_key = std::move(*key);
  CERTKEEP_TRY(acme::check_binding(binding));
  return std::optional<acme::ExternalAccountBinding>(std::move(binding));
}

}  // namespace certkeep::lifecycle
