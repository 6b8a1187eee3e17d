// SPDX-License-Identifier: Apache-2.0
// NameIndex: which lineage serves a server name, for every lineage of a store — millions of
// names — without holding their certificates. The certificates are loaded on demand
// (certificate_cache.hpp); this only answers "name → lineage".
//
// Layout. The bulk of the index is one immutable base built at start from a single pass over
// the store: every name and lineage name as length-prefixed bytes in one arena string, an
// open-addressing hash table of 8-byte slots (arena offset of the name, lineage number) at a
// load factor of at most 0.7, and per lineage the arena offset of its name and its expiry. That
// is ~(name length + 2 + 12) bytes per name and 8 per lineage (a lineage named like its first
// name shares its bytes): ~40 MiB for a million names, built in one linear pass, no sorting.
// Changes since (a renewal with new names, a new or removed lineage) go to a small delta of
// ordinary maps that overrides the base lineage by lineage; when it outgrows an eighth of the
// base it is merged into a new base (linear, amortized O(1) per change).
//
// Matching: exact name first, then "*.<parent>" (one whole leftmost label); names are compared
// in lower case without a trailing dot. When several lineages claim a name, the one whose
// certificate expires last wins.
//
// Thread safety: every method may be called from any thread. A look-up holds a shared lock for
// its hash probes; a change holds it exclusively for its own names; a merge builds the new base
// under the shared lock (look-ups go on) and swaps it in exclusively. Changes are serialized
// among themselves.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace certkeep::deploy {

class NameIndex {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  class Base;  // the immutable bulk, made by a Builder

  // Collects rows (one per lineage) into a Base in one pass. Not thread-safe.
  class Builder {
   public:
    Builder();
    ~Builder();
    Builder(Builder&&) noexcept;
    Builder& operator=(Builder&&) noexcept;
    // `names` are server names as stored (any case; a trailing dot ignored; "*.x" wildcards);
    // names that are empty or longer than 253 bytes are skipped, as is a lineage name longer
    // than 1,024 bytes.
    void add(std::string_view lineage, std::span<const std::string_view> names, TimePoint not_after);
    std::size_t lineage_count() const noexcept;
    std::shared_ptr<const Base> finish();

   private:
    std::unique_ptr<Base> base_;
    std::vector<std::uint64_t> entries_;  // (arena offset << 32) | lineage number, in arrival order
  };

  NameIndex();
  explicit NameIndex(std::shared_ptr<const Base> base);
  ~NameIndex();
  NameIndex(const NameIndex&) = delete;
  NameIndex& operator=(const NameIndex&) = delete;

  // The lineage serving `server_name` (exact, then the covering wildcard), or "" for none.
  std::string lookup(std::string_view server_name) const;

  // `lineage` now has exactly these names (replacing what the base or an earlier change said).
  void update(std::string_view lineage, std::span<const std::string_view> names, TimePoint not_after);
  // `lineage` no longer serves anything.
  void remove(std::string_view lineage);

  // A resynchronization with the store that changes only what differs, without building a
  // second index: feed it every row of one pass over the store, then finish(). A row whose
  // names the index does not all map to its lineage becomes an update(); a lineage of the base
  // the pass did not see is removed; changes made after the pass began are left as they are
  // (they are newer). Memory: one bit per base lineage; merges wait until finish(). A name the
  // index still maps to a lineage that dropped it is left for the load that finds it (the
  // serve-all source checks a loaded lineage's names). One at a time per index.
  class Resync {
   public:
    explicit Resync(NameIndex& index);
    ~Resync();
    Resync(const Resync&) = delete;
    Resync& operator=(const Resync&) = delete;
    void row(std::string_view lineage, std::span<const std::string_view> names, TimePoint not_after);
    // Applies the removals and lets merges run again. The number of lineages corrected.
    std::size_t finish();

   private:
    NameIndex& index_;
    std::shared_ptr<const Base> base_;  // the base when the pass began (merges wait)
    std::uint64_t changes_before_ = 0;
    std::vector<bool> seen_;  // per base lineage
    std::size_t corrected_ = 0;
    bool finished_ = false;
  };

  // Changes made so far (update/remove calls).
  std::uint64_t change_count() const;

  struct Stats {
    std::size_t lineages = 0;       // in the base
    std::size_t names = 0;          // in the base
    std::size_t delta_lineages = 0; // changed since the base was built
    std::size_t bytes = 0;          // memory held: base arrays and arena, plus the delta's estimate
    std::size_t merges = 0;         // deltas merged into a new base
  };
  Stats stats() const;

 private:
  struct Override {
    std::vector<std::string> names;  // normalized; empty when removed
    std::uint32_t expiry = 0;
    std::uint64_t change = 0;
  };
  // Lets the maps below be searched with a string_view (no allocation on the handshake path).
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
  };
  template <class Value>
  using TextMap = std::unordered_map<std::string, Value, TextHash, std::equal_to<>>;

  void apply_locked(std::string lineage, Override override);
  static std::vector<std::string> normalized_names(std::span<const std::string_view> names);
  void merge_if_large();
  std::shared_ptr<const Base> merged_base_locked() const;

  std::mutex writer_mutex_;           // serializes changes and merges
  mutable std::shared_mutex mutex_;   // guards what follows
  std::shared_ptr<const Base> base_;
  TextMap<Override> overrides_;                        // lineage → its names now
  TextMap<std::vector<std::string>> delta_names_;      // name → overriding lineages claiming it
  std::uint64_t changes_ = 0;
  std::size_t merges_ = 0;
  bool merges_paused_ = false;  // a Resync is running (guarded by writer_mutex_)
};

}  // namespace certkeep::deploy
