// SPDX-License-Identifier: Apache-2.0
// Sanitizer defaults for every fuzz target (the environment's ASAN_OPTIONS / UBSAN_OPTIONS
// still override them): stack traces on UB, so a report names the src/ line.
extern "C" const char* __ubsan_default_options() { return "print_stacktrace=1"; }
extern "C" const char* __asan_default_options() { return "detect_stack_use_after_return=1"; }
