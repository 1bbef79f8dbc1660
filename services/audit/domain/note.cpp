#include "services/audit/domain/note.hpp"

#include <sodium.h>

#include <charconv>

namespace gosmart::audit {

namespace {

constexpr uint8_t kEd25519 = 0x01;
constexpr uint8_t kCosignatureV1 = 0x04;
constexpr std::string_view kDash = "\xE2\x80\x94 ";  // "— ": U+2014 and a space
constexpr std::size_t kMaxSignatures = 100;

std::string to_base64(const uint8_t* data, std::size_t size) {
  std::string out(sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// Standard base64 with padding, all of `text`, into exactly `size` bytes.
bool from_base64(std::string_view text, uint8_t* out, std::size_t size) {
  std::size_t written = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out, size, text.data(), text.size(), nullptr, &written, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return false;
  }
  // Compared with our own spelling as well: libsodium maps some bytes above 0x7f to
  // base64 digits (a root line holding "\xda\xb7" decoded), and a note must have one
  // spelling only, or two texts would carry one signed value.
  return written == size && end == text.data() + text.size() && to_base64(out, size) == text;
}

std::optional<uint32_t> parse_hex_id(std::string_view text) {
  if (text.size() != 8) return std::nullopt;
  uint32_t id = 0;
  for (char c : text) {
    int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return std::nullopt;  // lower-case hex, as keys are written
    id = id << 4 | static_cast<uint32_t>(digit);
  }
  return id;
}

std::string hex_id(uint32_t id) {
  static const char digits[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 7; i >= 0; --i, id >>= 4) out[static_cast<std::size_t>(i)] = digits[id & 0xF];
  return out;
}

// Splits "a+b+c" into at most `parts` parts, the last one taking the rest: a key's
// base64 may hold a '+' itself.
std::vector<std::string_view> split_plus(std::string_view text, std::size_t parts) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    auto plus = out.size() + 1 < parts ? text.find('+', start) : std::string_view::npos;
    out.push_back(text.substr(start, plus - start));
    if (plus == std::string_view::npos) return out;
    start = plus + 1;
  }
}

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto byte = static_cast<uint8_t>(text[i]);
    std::size_t length = byte < 0x80           ? 1
                         : (byte >> 5) == 0x6  ? 2
                         : (byte >> 4) == 0xE  ? 3
                         : (byte >> 3) == 0x1E ? 4
                                               : 0;
    if (length == 0 || i + length > text.size()) return false;
    uint32_t point = length == 1 ? byte : byte & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
      auto next = static_cast<uint8_t>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      point = point << 6 | (next & 0x3F);
    }
    static const uint32_t kLeast[] = {0, 0, 0x80, 0x800, 0x10000};
    if (point < kLeast[length] || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF))
      return false;  // overlong, out of range or a surrogate
    i += length;
  }
  return true;
}

}  // namespace

bool valid_key_name(std::string_view name) {
  if (name.empty() || !valid_utf8(name)) return false;
  for (char c : name) {
    auto byte = static_cast<uint8_t>(c);
    if (c == '+' || c == ' ' || byte < 0x20 || byte == 0x7F) return false;
  }
  return true;
}

uint32_t key_id(std::string_view name, const std::array<uint8_t, 32>& public_key,
                Algorithm algorithm) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, reinterpret_cast<const uint8_t*>(name.data()), name.size());
  const uint8_t separator[2] = {'\n', static_cast<uint8_t>(algorithm)};
  crypto_hash_sha256_update(&state, separator, 2);
  crypto_hash_sha256_update(&state, public_key.data(), public_key.size());
  Hash digest;
  crypto_hash_sha256_final(&state, digest.data());
  return uint32_t{digest[0]} << 24 | uint32_t{digest[1]} << 16 | uint32_t{digest[2]} << 8 |
         digest[3];
}

std::optional<VerifierKey> parse_verifier_key(std::string_view text) {
  auto parts = split_plus(text, 3);
  if (parts.size() != 3 || !valid_key_name(parts[0])) return std::nullopt;
  auto id = parse_hex_id(parts[1]);
  uint8_t decoded[33];
  if (!id || !from_base64(parts[2], decoded, sizeof decoded) ||
      (decoded[0] != kEd25519 && decoded[0] != kCosignatureV1))
    return std::nullopt;
  VerifierKey key;
  key.name = parts[0];
  key.id = *id;
  key.algorithm = static_cast<Algorithm>(decoded[0]);
  std::copy(decoded + 1, decoded + 33, key.public_key.begin());
  if (key_id(key.name, key.public_key, key.algorithm) != key.id) return std::nullopt;
  return key;
}

std::optional<SignerKey> signer_from_seed(std::string_view name,
                                          const std::array<uint8_t, 32>& seed) {
  if (!valid_key_name(name)) return std::nullopt;
  SignerKey key;
  key.name = name;
  if (crypto_sign_seed_keypair(key.public_key.data(), key.secret_key.data(), seed.data()) != 0)
    return std::nullopt;
  key.id = key_id(key.name, key.public_key);
  return key;
}

std::optional<SignerKey> parse_signer_key(std::string_view text) {
  auto parts = split_plus(text, 5);
  if (parts.size() != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY") return std::nullopt;
  auto id = parse_hex_id(parts[3]);
  uint8_t decoded[33];
  if (!id || !from_base64(parts[4], decoded, sizeof decoded) || decoded[0] != kEd25519)
    return std::nullopt;
  std::array<uint8_t, 32> seed;
  std::copy(decoded + 1, decoded + 33, seed.begin());
  sodium_memzero(decoded, sizeof decoded);
  auto key = signer_from_seed(parts[2], seed);
  sodium_memzero(seed.data(), seed.size());
  if (!key || key->id != *id) return std::nullopt;
  return key;
}

std::string verifier_key_text(const VerifierKey& key) {
  uint8_t encoded[33];
  encoded[0] = static_cast<uint8_t>(key.algorithm);
  std::copy(key.public_key.begin(), key.public_key.end(), encoded + 1);
  return key.name + "+" + hex_id(key.id) + "+" + to_base64(encoded, sizeof encoded);
}

std::string signer_key_text(const SignerKey& key, const std::array<uint8_t, 32>& seed) {
  uint8_t encoded[33];
  encoded[0] = kEd25519;
  std::copy(seed.begin(), seed.end(), encoded + 1);
  std::string out =
      "PRIVATE+KEY+" + key.name + "+" + hex_id(key.id) + "+" + to_base64(encoded, sizeof encoded);
  sodium_memzero(encoded, sizeof encoded);
  return out;
}

VerifierKey verifier_of(const SignerKey& key) {
  return {key.name, key.id, key.public_key, Algorithm::ed25519};
}

VerifierKey cosigner_of(const SignerKey& key) {
  return {key.name, key_id(key.name, key.public_key, Algorithm::cosignature_v1), key.public_key,
          Algorithm::cosignature_v1};
}

std::optional<std::string> cosignature_line(std::string_view text, const SignerKey& witness,
                                            uint64_t timestamp) {
  if (!valid_note_text(text)) return std::nullopt;
  uint32_t id = key_id(witness.name, witness.public_key, Algorithm::cosignature_v1);
  uint8_t blob[4 + 8 + crypto_sign_BYTES];
  for (int i = 0; i < 4; ++i) blob[i] = static_cast<uint8_t>(id >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i) blob[4 + i] = static_cast<uint8_t>(timestamp >> (56 - 8 * i));
  auto message = cosignature_message(text, timestamp);
  crypto_sign_detached(blob + 12, nullptr, reinterpret_cast<const uint8_t*>(message.data()),
                       message.size(), witness.secret_key.data());
  return std::string(kDash) + witness.name + " " + to_base64(blob, sizeof blob) + "\n";
}

bool valid_note_text(std::string_view text) {
  if (text.empty() || text.back() != '\n' || !valid_utf8(text)) return false;
  if (text.size() >= 2 && text[text.size() - 2] == '\n') return false;  // ends in a blank line
  for (char c : text) {
    auto byte = static_cast<uint8_t>(c);
    if ((byte < 0x20 && c != '\n') || byte == 0x7F) return false;
  }
  return true;
}

std::optional<std::string> sign_note(std::string_view text, const SignerKey& signer) {
  if (!valid_note_text(text)) return std::nullopt;
  uint8_t blob[4 + crypto_sign_BYTES];
  for (int i = 0; i < 4; ++i) blob[i] = static_cast<uint8_t>(signer.id >> (24 - 8 * i));
  crypto_sign_detached(blob + 4, nullptr, reinterpret_cast<const uint8_t*>(text.data()),
                       text.size(), signer.secret_key.data());
  std::string note(text);
  note += "\n";
  note += kDash;
  note += signer.name + " " + to_base64(blob, sizeof blob) + "\n";
  return note;
}

OpenedNote open_note(std::string_view note, const std::vector<VerifierKey>& known) {
  OpenedNote out;
  auto refuse = [&](std::string why) {
    out.text.clear();
    out.verified_by.clear();
    out.cosigned_by.clear();
    out.error = std::move(why);
    return out;
  };
  if (!valid_utf8(note)) return refuse("not UTF-8");
  for (char c : note) {
    auto byte = static_cast<uint8_t>(c);
    if ((byte < 0x20 && c != '\n') || byte == 0x7F) return refuse("a control character");
  }
  auto blank = note.rfind("\n\n");
  if (blank == std::string_view::npos) return refuse("no blank line before the signatures");
  out.text = note.substr(0, blank + 1);
  std::string_view signatures = note.substr(blank + 2);
  if (signatures.empty()) return refuse("no signature line");
  if (signatures.back() != '\n') return refuse("the last line has no newline");
  std::size_t count = 0;
  for (std::size_t start = 0; start < signatures.size();) {
    auto end = signatures.find('\n', start);
    std::string_view line = signatures.substr(start, end - start);
    start = end + 1;
    if (++count > kMaxSignatures) return refuse("more than 100 signatures");
    if (line.substr(0, kDash.size()) != kDash) return refuse("a line that is not a signature");
    line.remove_prefix(kDash.size());
    auto space = line.find(' ');
    if (space == std::string_view::npos) return refuse("a signature line without its signature");
    std::string_view name = line.substr(0, space);
    if (!valid_key_name(name)) return refuse("a signature line with a bad key name");
    // Long enough for an Ed25519 signature; other algorithms' are skipped unread.
    uint8_t blob[4 + crypto_sign_BYTES + 64];
    std::size_t written = 0;
    const char* stop = nullptr;
    std::string_view encoded = line.substr(space + 1);
    if (sodium_base642bin(blob, sizeof blob, encoded.data(), encoded.size(), nullptr, &written,
                          &stop, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        stop != encoded.data() + encoded.size() || written < 5) {
      return refuse("a signature that is not base64");
    }
    uint32_t id =
        uint32_t{blob[0]} << 24 | uint32_t{blob[1]} << 16 | uint32_t{blob[2]} << 8 | blob[3];
    for (const auto& key : known) {
      if (key.name != name || key.id != id) continue;
      if (key.algorithm == Algorithm::cosignature_v1) {
        // The time, then the signature of "cosignature/v1", that time and the text.
        if (written != 4 + 8 + crypto_sign_BYTES) return refuse("a cosignature of a bad size");
        uint64_t timestamp = 0;
        for (int i = 0; i < 8; ++i) timestamp = timestamp << 8 | blob[4 + i];
        auto message = cosignature_message(out.text, timestamp);
        if (crypto_sign_verify_detached(blob + 12, reinterpret_cast<const uint8_t*>(message.data()),
                                        message.size(), key.public_key.data()) != 0) {
          return refuse("the cosignature of " + key.name + " does not hold");
        }
        out.verified_by.push_back(key.name);
        out.cosigned_by.push_back({key.name, timestamp});
        continue;
      }
      if (written != 4 + crypto_sign_BYTES ||
          crypto_sign_verify_detached(blob + 4, reinterpret_cast<const uint8_t*>(out.text.data()),
                                      out.text.size(), key.public_key.data()) != 0) {
        return refuse("the signature of " + key.name + " does not hold");
      }
      out.verified_by.push_back(key.name);
    }
  }
  if (out.verified_by.empty()) return refuse("no signature by a known key");
  return out;
}

std::string hash_text(const Hash& hash) {
  return to_base64(hash.data(), hash.size());
}

std::optional<Hash> hash_from_text(std::string_view text) {
  Hash out{};
  if (!from_base64(text, out.data(), out.size())) return std::nullopt;
  return out;
}

std::string checkpoint_text(const Checkpoint& checkpoint) {
  std::string out = checkpoint.origin + "\n" + std::to_string(checkpoint.size) + "\n" +
                    to_base64(checkpoint.root.data(), checkpoint.root.size()) + "\n";
  for (const auto& line : checkpoint.extensions) out += line + "\n";
  return out;
}

std::optional<Checkpoint> parse_checkpoint(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start < text.size();) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) return std::nullopt;  // unterminated
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (lines.size() < 3 || lines[0].empty() || !valid_note_text(text)) return std::nullopt;
  Checkpoint out;
  out.origin = lines[0];
  std::string_view size = lines[1];
  if (size.empty() || (size.size() > 1 && size[0] == '0')) return std::nullopt;
  auto [end, error] = std::from_chars(size.data(), size.data() + size.size(), out.size);
  if (error != std::errc() || end != size.data() + size.size()) return std::nullopt;
  if (!from_base64(lines[2], out.root.data(), out.root.size())) return std::nullopt;
  for (std::size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return std::nullopt;
    out.extensions.emplace_back(lines[i]);
  }
  return out;
}

std::string cosignature_message(std::string_view checkpoint_text, uint64_t timestamp) {
  return "cosignature/v1\ntime " + std::to_string(timestamp) + "\n" + std::string(checkpoint_text);
}

}  // namespace gosmart::audit
