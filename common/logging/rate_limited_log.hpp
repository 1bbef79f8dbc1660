#pragma once
// Warnings that a broken or hostile client can cause at will (a plaintext client
// retrying, oversized frames, forged origins): at most one line per source per
// interval, so that one client cannot flood the log (issue 11 saw 23 lines in 3 s
// from one plaintext client). The lines held back are counted and the count goes
// out with the next line from that source.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace gosmart::logging {

class RateLimitedLog {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RateLimitedLog(Clock::duration interval = std::chrono::seconds(10),
                          std::size_t max_sources = 1024)
      : interval_(interval), max_sources_(max_sources) {}

  // Logs one warning for `source` (a client's address or identity, a peer) unless
  // one went out for it within the interval; then it is only counted.
  template <class... Args>
  void warn(const std::string& source, fmt::format_string<Args...> format, Args&&... args) {
    log(spdlog::level::warn, source, format, std::forward<Args>(args)...);
  }
  // The same for errors: a peer's poison events are errors, and still at its will.
  template <class... Args>
  void error(const std::string& source, fmt::format_string<Args...> format, Args&&... args) {
    log(spdlog::level::err, source, format, std::forward<Args>(args)...);
  }

  uint64_t held_back() const { return held_back_; }

 private:
  template <class... Args>
  void log(spdlog::level::level_enum level, const std::string& source,
           fmt::format_string<Args...> format, Args&&... args) {
    auto now = Clock::now();
    auto it = sources_.find(source);
    if (it != sources_.end() && now - it->second.last < interval_) {
      ++it->second.held_back;
      ++held_back_;
      return;
    }
    if (it == sources_.end()) {
      forget_quiet_sources(now);
      it = sources_.emplace(source, Source{}).first;
    }
    std::string line = fmt::format(format, std::forward<Args>(args)...);
    if (it->second.held_back > 0) {
      line +=
          fmt::format(" (and {} more like it from {} not logged)", it->second.held_back, source);
    }
    spdlog::log(level, "{}", line);
    it->second = Source{now, 0};
  }

  struct Source {
    Clock::time_point last;
    uint64_t held_back = 0;
  };

  // Bounded memory whatever the number of sources: the quiet ones are forgotten
  // (with their count of held-back lines), and if all are loud, all are.
  void forget_quiet_sources(Clock::time_point now) {
    if (sources_.size() < max_sources_) return;
    std::erase_if(sources_,
                  [&](const auto& entry) { return now - entry.second.last >= interval_; });
    if (sources_.size() >= max_sources_) sources_.clear();
  }

  Clock::duration interval_;
  std::size_t max_sources_;
  std::unordered_map<std::string, Source> sources_;
  uint64_t held_back_ = 0;
};

}  // namespace gosmart::logging
