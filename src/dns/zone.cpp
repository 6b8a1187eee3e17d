// SPDX-License-Identifier: Apache-2.0
#include "dns/zone.hpp"

#include <vector>

#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "dns/client.hpp"

namespace certkeep::dns {

std::string_view parent_name(std::string_view name) noexcept {
  const std::size_t dot = name.find('.');
  return dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
}

bool is_in_zone(std::string_view name, std::string_view zone) noexcept {
  if (name == zone) return true;
  return name.size() > zone.size() && name.ends_with(zone) && name[name.size() - zone.size() - 1] == '.';
}

Result<std::string> find_zone(const ServerAddress& server, std::string_view name_in, const ExchangeOptions& options,
                              Recursion recursion) {
  const std::string name = core::to_lower(name_in);
  std::vector<std::string> answers;
  for (std::string_view candidate = name; !candidate.empty(); candidate = parent_name(candidate)) {
    const Reply reply = CERTKEEP_TRY(query(server, candidate, RecordType::Soa, options, recursion));
    const bool trusted = reply.authoritative || recursion == Recursion::Desired;
    if (trusted && (reply.rcode == kNoError || reply.rcode == kNxDomain)) {
      // The SOA is in the answer when `candidate` is the apex, else in the authority section of
      // the negative answer, owned by the zone's apex (RFC 2308 §3).
      for (const auto* section : {&reply.answer, &reply.authority})
        for (const Record& record : *section)
          if (record.type == static_cast<std::uint16_t>(RecordType::Soa) && is_in_zone(name, record.owner))
            return record.owner;
    }
    answers.push_back(std::string(candidate) + ": " + rcode_name(reply.rcode) +
                      (reply.authoritative ? "" : " (not authoritative)"));
  }
  return fail(Errc::Dns, "DNS server " + server.to_string() + " is authoritative for no zone containing " + name +
                             " (asked for the SOA of " + core::join(answers, ", ") + ")");
}

}  // namespace certkeep::dns
