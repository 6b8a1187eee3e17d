// SPDX-License-Identifier: Apache-2.0
// Result<T>: every fallible function in certkeep returns one. tl::expected until C++23.
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

#include "certkeep/error.hpp"

namespace certkeep {

template <class T>
using Result = tl::expected<T, Error>;

// `return fail(Errc::Io, "open " + path);`
inline tl::unexpected<Error> fail(Errc code, std::string message) {
  return tl::unexpected<Error>(Error(code, std::move(message)));
}
inline tl::unexpected<Error> fail(Error error) { return tl::unexpected<Error>(std::move(error)); }

}  // namespace certkeep
