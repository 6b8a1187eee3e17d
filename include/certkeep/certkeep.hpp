// SPDX-License-Identifier: Apache-2.0
// Umbrella header of the certkeep library: everything a terminator needs except the OpenSSL
// glue, which is in certkeep/openssl.hpp (the one header that pulls in OpenSSL's).
#pragma once

#include "certkeep/certified_key.hpp"
#include "certkeep/error.hpp"
#include "certkeep/event.hpp"
#include "certkeep/key_type.hpp"
#include "certkeep/manager.hpp"
#include "certkeep/result.hpp"
#include "certkeep/solver.hpp"
