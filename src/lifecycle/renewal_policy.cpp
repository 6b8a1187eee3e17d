// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/renewal_policy.hpp"

#include <algorithm>
#include <cstdint>

namespace certkeep::lifecycle {

double stable_fraction(std::string_view lineage, std::string_view salt) {
  // FNV-1a 64, then a splitmix64 finaliser for well-spread low bits. Not for security.
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  auto mix = [&](std::string_view text) {
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 0x100000001b3ULL;
    }
  };
  mix(salt);
  mix("\x1f");
  mix(lineage);
  hash ^= hash >> 30;
  hash *= 0xbf58476d1ce4e5b9ULL;
  hash ^= hash >> 27;
  hash *= 0x94d049bb133111ebULL;
  hash ^= hash >> 31;
  return static_cast<double>(hash >> 11) / static_cast<double>(1ULL << 53);
}

SystemTime compute_renew_at(std::string_view lineage, SystemTime not_before, SystemTime not_after,
                            const std::optional<RenewalWindow>& ari_window, SystemTime now) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  const seconds lifetime =
      duration_cast<seconds>(std::max(not_after - not_before, SystemTime::duration::zero()));
  const SystemTime emergency = not_after - lifetime / 20;

  SystemTime due;
  if (ari_window) {
    if (ari_window->end <= now) {
      due = now;
    } else {
      const SystemTime start = std::max(ari_window->start, now);
      const auto span = duration_cast<seconds>(ari_window->end - start);
      due = start + seconds(static_cast<long long>(static_cast<double>(span.count()) *
                                                   stable_fraction(lineage, "ari")));
    }
  } else {
    const seconds remaining_at_due = lifetime < kShortLived ? lifetime / 2 : lifetime / 3;
    const seconds jitter(static_cast<long long>(static_cast<double>((lifetime / 30).count()) *
                                                stable_fraction(lineage, "jitter")));
    due = not_after - remaining_at_due - jitter;
  }
  return std::min(due, emergency);
}

}  // namespace certkeep::lifecycle
