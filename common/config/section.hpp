#pragma once
// A service's own table of the node's config ([matching], [registry], ...), read by
// the service with the same strictness as the rest: a bad value is a ConfigError
// naming the key, and finish() refuses every key the service did not ask for.
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/config/config_error.hpp"

namespace gosmart::config {

class Section {
 public:
  Section() = default;  // an empty table: every value is absent
  struct Table;         // the parsed TOML, held without exposing the parser
  Section(std::shared_ptr<const Table> table, std::string path);

  const std::string& path() const { return path_; }
  bool empty() const;

  // Each returns nullopt when the key is absent and throws ConfigError when it is
  // there with a bad value; asking for a key is what makes it known to finish().
  std::optional<bool> boolean(const std::string& key);
  std::optional<int64_t> integer(const std::string& key, int64_t min, int64_t max);
  // An array of integers, each within [min, max], at most `max_count` of them.
  std::optional<std::vector<std::string>> strings(const std::string& key, std::size_t max_count);
  std::optional<std::vector<int64_t>> integers(const std::string& key, int64_t min, int64_t max,
                                               std::size_t max_count);
  std::optional<double> fraction(const std::string& key);  // a number from 0 to 1
  std::optional<std::string> string(const std::string& key);
  Section table(const std::string& key);  // empty when absent

  // Throws ConfigError naming the first key no reader asked for.
  void finish() const;

 private:
  std::string key_path(const std::string& key) const;

  std::shared_ptr<const Table> table_;
  std::string path_;
  std::set<std::string> asked_;
};

}  // namespace gosmart::config
