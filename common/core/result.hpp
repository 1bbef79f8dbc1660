#pragma once
// Expected failures travel as values inside hot paths; exceptions are for the edges.
#include <string>
#include <utility>
#include <variant>

#include "schemas/envelope.capnp.h"

namespace gosmart {

using ErrorCode = wire::ErrorCode;

struct Failure {
  ErrorCode code = ErrorCode::INTERNAL;
  std::string message;
  std::string field;  // the offending field's path, when there is one
};

// The one text of an error code: "not_authorised", "invalid_field".
const char* error_code_name(ErrorCode code);
// The same name for people, underscores as spaces: "not authorised", "invalid field".
std::string error_code_words(ErrorCode code);

// "invalid_field: country: 'XX' is not a federation member"
std::string describe(const Failure& failure);

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Failure failure) : state_(std::move(failure)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const Failure& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Failure> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Failure failure) : failure_(std::move(failure)), ok_(false) {}
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Failure& error() const { return failure_; }

 private:
  Failure failure_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Failure fail(ErrorCode code, std::string message, std::string field = {}) {
  return Failure{code, std::move(message), std::move(field)};
}

}  // namespace gosmart
