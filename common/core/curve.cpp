#include "common/core/curve.hpp"

#include <zmq.h>

#include <stdexcept>

namespace gosmart::curve {

CurveKeyPair generate_keypair() {
  char public_key[41];
  char secret_key[41];
  if (zmq_curve_keypair(public_key, secret_key) != 0) {
    throw std::runtime_error("libzmq was built without CURVE support");
  }
  return {public_key, secret_key};
}

std::optional<std::array<uint8_t, 32>> decode_key(std::string_view z85) {
  if (z85.size() != 40) return std::nullopt;
  std::array<uint8_t, 32> key{};
  std::string copy(z85);
  if (zmq_z85_decode(key.data(), copy.c_str()) == nullptr) return std::nullopt;
  return key;
}

bool is_z85_key(std::string_view text) {
  return decode_key(text).has_value();
}

std::string encode_key(const uint8_t* key32) {
  char text[41];
  zmq_z85_encode(text, key32, 32);
  return text;
}

}  // namespace gosmart::curve
