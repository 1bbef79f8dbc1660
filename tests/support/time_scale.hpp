#pragma once
// A sanitizer build runs several times slower (tests/CMakeLists.txt scales ctest's
// timeouts by 4 for it too). A promise a test times, such as "within a second", is
// held to its figure in the plain build and to four times it under ASan, so that a
// loaded CI machine running the sanitizer tests two at a time fails none on speed.
#include <chrono>

namespace gosmart::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr int kTimeScale = 4;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr int kTimeScale = 4;
#else
inline constexpr int kTimeScale = 1;
#endif
#else
inline constexpr int kTimeScale = 1;
#endif

template <class Rep, class Period>
constexpr std::chrono::milliseconds scaled(std::chrono::duration<Rep, Period> promise) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(promise) * kTimeScale;
}

}  // namespace gosmart::testing
