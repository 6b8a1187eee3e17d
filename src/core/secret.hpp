// SPDX-License-Identifier: Apache-2.0
// Secret: a string holding key material (PEM/DER) that is wiped when it is freed.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace certkeep::core {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret& other) : value_(other.value_) {}
  Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }
  Secret& operator=(Secret other) noexcept {
    wipe();
    value_.swap(other.value_);
    return *this;
  }
  ~Secret() { wipe(); }

  std::string_view view() const noexcept { return value_; }
  const std::string& str() const noexcept { return value_; }
  bool empty() const noexcept { return value_.empty(); }
  friend bool operator==(const Secret& a, const Secret& b) { return a.value_ == b.value_; }

 private:
  void wipe() noexcept;
  std::string value_;
};

}  // namespace certkeep::core
