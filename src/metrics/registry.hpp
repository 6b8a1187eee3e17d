// SPDX-License-Identifier: Apache-2.0
// Registry: the counters and histograms a process accumulates (ACME requests, hook runs,
// renewals, confirmations), keyed by their label values, written as one exposition.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/exposition.hpp"

namespace certkeep::metrics {

// Default buckets for request durations, in seconds (an ACME request: tens of ms to seconds).
std::vector<double> duration_buckets();

// Thread-safe: renewal workers count into one registry while the metrics endpoint reads it.
class Registry {
 public:
  // Declares a family once, before it is counted into. `buckets` (ascending, +Inf implied)
  // for a histogram.
  void describe(std::string name, std::string help, MetricType type, std::vector<double> buckets = {});
  // Adds `delta` to counter `name`{labels}. An undeclared name is ignored (a programming
  // error must not stop a renewal).
  void add(const std::string& name, const Labels& labels, double delta = 1);
  // Counts `value` into histogram `name`{labels}.
  void observe(const std::string& name, const Labels& labels, double value);
  // The value of counter `name`{labels}, 0 when never counted (for tests).
  double value(const std::string& name, const Labels& labels) const;
  // Every family that has samples, in the order described, samples sorted by labels.
  void write(Exposition& out) const;

 private:
  struct Series {
    double value = 0;                   // counter
    std::vector<std::uint64_t> counts;  // histogram: per bucket (not cumulative), +Inf last
    double sum = 0;
    std::uint64_t count = 0;
  };
  struct Family {
    std::string name;
    std::string help;
    MetricType type = MetricType::Counter;
    std::vector<double> buckets;
    std::map<Labels, Series> series;
  };
  Family* find(const std::string& name);

  mutable std::mutex mutex_;
  std::vector<Family> families_;
};

}  // namespace certkeep::metrics
