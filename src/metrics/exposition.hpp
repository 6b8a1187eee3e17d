// SPDX-License-Identifier: Apache-2.0
// Prometheus' text exposition format 0.0.4: what Prometheus scrapes and node_exporter's
// textfile collector reads. Families with HELP and TYPE lines, samples with escaped label
// values, and never a client-side timestamp (the textfile collector refuses files that carry
// them). The format is ours to write; `promtool check metrics` is the test that holds it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace certkeep::metrics {

enum class MetricType { Counter, Gauge, Histogram };
std::string_view to_string(MetricType type) noexcept;

using Labels = std::vector<std::pair<std::string, std::string>>;

// "1", "0.25", "1.7e+09", "+Inf", "NaN": integers without a fraction, others exactly.
std::string format_value(double value);
// A label value between double quotes: backslash, double quote and newline escaped.
std::string escape_label_value(std::string_view value);

// Not thread-safe; build one per exposition.
class Exposition {
 public:
  // Starts a family: "# HELP name help" and "# TYPE name type". Write its samples next; a name
  // is written once per exposition.
  void family(std::string_view name, std::string_view help, MetricType type);
  // "name{label="value",…} value". For a histogram, `name` carries its suffix (_bucket, _sum,
  // _count) and `le` is among the labels.
  void sample(std::string_view name, const Labels& labels, double value);

  const std::string& text() const noexcept { return text_; }

 private:
  std::string text_;
};

}  // namespace certkeep::metrics
