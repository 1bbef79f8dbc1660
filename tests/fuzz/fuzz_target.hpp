#pragma once
// What every fuzz target here shares: the libFuzzer entry point (also linked into
// replay_main.cpp for the ctest replay of the seed corpora) and a check that stops
// the process when an invariant the code promises does not hold, so that libFuzzer
// and the replay both report it as a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

#define GOSMART_FUZZ_CHECK(condition)                                                        \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)
