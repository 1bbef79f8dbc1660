#include "common/core/result.hpp"

#include <algorithm>

namespace gosmart {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::MALFORMED:
      return "malformed";
    case ErrorCode::TOO_LARGE:
      return "too_large";
    case ErrorCode::INVALID_FIELD:
      return "invalid_field";
    case ErrorCode::UNKNOWN_TYPE:
      return "unknown_type";
    case ErrorCode::NOT_AUTHORISED:
      return "not_authorised";
    case ErrorCode::NOT_FOUND:
      return "not_found";
    case ErrorCode::CONFLICT:
      return "conflict";
    case ErrorCode::UNAVAILABLE:
      return "unavailable";
    case ErrorCode::INTERNAL:
      return "internal";
    case ErrorCode::LIMIT_EXCEEDED:
      return "limit_exceeded";
    case ErrorCode::UNKNOWN:
      break;
  }
  return "unknown";
}

std::string error_code_words(ErrorCode code) {
  std::string words = error_code_name(code);
  std::replace(words.begin(), words.end(), '_', ' ');
  return words;
}

std::string describe(const Failure& failure) {
  std::string text = error_code_name(failure.code);
  text += ": ";
  if (!failure.field.empty()) {
    text += failure.field;
    text += ": ";
  }
  text += failure.message;
  return text;
}

}  // namespace gosmart
