#pragma once
// A CURVE keypair on disk as the tools write it: PREFIX.public and PREFIX.secret,
// one Z85 key each; the secret file is created mode 0600 before the key is in it.
#include <string>

#include "common/core/curve.hpp"

namespace gosmart::curve {

// Throws std::runtime_error naming the file that cannot be read or holds no key.
CurveKeyPair read_key_files(const std::string& prefix);
// Creates parent directories; throws std::runtime_error when a file cannot be written.
void write_key_files(const std::string& prefix, const CurveKeyPair& keys);

}  // namespace gosmart::curve
