#pragma once
// Cap'n Proto structs as RocksDB values: serialised flat, read back through a
// word-aligned copy (RocksDB values carry no alignment guarantee) with reader limits.
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gosmart::store {

inline std::string to_bytes(capnp::MessageBuilder& message) {
  std::string out(capnp::computeSerializedSizeInWords(message) * sizeof(capnp::word), '\0');
  kj::ArrayOutputStream stream(kj::arrayPtr(reinterpret_cast<kj::byte*>(out.data()), out.size()));
  capnp::writeMessage(stream, message);
  return out;
}

// Owns the aligned copy; get() is valid while this object lives.
template <class T>
class StoredValue {
 public:
  // None when the bytes are not a whole number of words or not a message.
  static std::optional<StoredValue> parse(std::string_view bytes) {
    if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) return std::nullopt;
    StoredValue value;
    value.words_ = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
    std::memcpy(value.words_.begin(), bytes.data(), bytes.size());
    capnp::ReaderOptions options;
    options.traversalLimitInWords = value.words_.size() * 4 + 64;
    try {
      value.reader_ =
          std::make_unique<capnp::FlatArrayMessageReader>(value.words_.asPtr(), options);
      (void)value.reader_->template getRoot<T>();
    } catch (const kj::Exception&) {
      return std::nullopt;
    }
    return value;
  }
  typename T::Reader get() const { return reader_->template getRoot<T>(); }

 private:
  StoredValue() = default;
  kj::Array<capnp::word> words_;
  std::unique_ptr<capnp::FlatArrayMessageReader> reader_;
};

}  // namespace gosmart::store
