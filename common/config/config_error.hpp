#pragma once
#include <stdexcept>

namespace gosmart::config {

// A config the node must not start with; the message names the key.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace gosmart::config
