#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gosmart::curve {

struct CurveKeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;
};

CurveKeyPair generate_keypair();
bool is_z85_key(std::string_view text);
std::optional<std::array<uint8_t, 32>> decode_key(std::string_view z85);
std::string encode_key(const uint8_t* key32);

}  // namespace gosmart::curve
