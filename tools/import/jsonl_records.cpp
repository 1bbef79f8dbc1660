#include "tools/import/jsonl_records.hpp"

#include <charconv>
#include <cstdint>

#include <capnp/compat/json.h>
#include <capnp/message.h>
#include <capnp/schema.h>

#include <fmt/format.h>

#include <sodium.h>
#include <nlohmann/json.hpp>

#include "common/envelope/envelope.hpp"
#include "common/store/capnp_value.hpp"
#include "schemas/registry.capnp.h"

namespace gosmart::import {
namespace {

// JsonCodec ignores unknown names and reports a value of the wrong type without
// saying where; a migration must not lose data silently, and the operator must be
// told which field of the line to fix ("profile.trl: a whole number from 0 to 255").
std::optional<Failure> value_fault(const nlohmann::json& value, capnp::Type type,
                                   const std::string& path);

std::optional<Failure> struct_fault(const nlohmann::json& value, capnp::StructSchema schema,
                                    const std::string& path) {
  if (!value.is_object()) return Failure{ErrorCode::INVALID_FIELD, "must be an object", path};
  for (const auto& [key, item] : value.items()) {
    KJ_IF_MAYBE (field, schema.findFieldByName(key)) {
      if (auto bad = value_fault(item, field->getType(), path + "." + key)) return bad;
    } else {
      return Failure{ErrorCode::INVALID_FIELD, "unknown field", path + "." + key};
    }
  }
  return std::nullopt;
}

std::optional<Failure> whole_number_fault(const nlohmann::json& value, double low, double high,
                                          const std::string& path) {
  auto message = fmt::format("a whole number from {:.0f} to {:.0f}", low, high);
  if (!value.is_number_integer()) return Failure{ErrorCode::INVALID_FIELD, message, path};
  double number = value.get<double>();
  if (number < low || number > high) return Failure{ErrorCode::INVALID_FIELD, message, path};
  return std::nullopt;
}

std::optional<Failure> value_fault(const nlohmann::json& value, capnp::Type type,
                                   const std::string& path) {
  using Which = capnp::schema::Type::Which;
  auto wrong = [&](const char* wanted) {
    return Failure{ErrorCode::INVALID_FIELD, std::string("must be ") + wanted, path};
  };
  // JsonCodec would leave the field unset, or write its default into a list: a
  // null that meant "unknown" or "none" must not become 0 or "" silently (outside
  // wave 4). The operator leaves such a field out.
  if (value.is_null()) return wrong("a value, not null (leave the field out instead)");
  switch (type.which()) {
    case Which::TEXT:
      if (!value.is_string()) return wrong("a string");
      return std::nullopt;
    case Which::BOOL:
      if (!value.is_boolean()) return wrong("true or false");
      return std::nullopt;
    case Which::INT8:
      return whole_number_fault(value, -128, 127, path);
    case Which::INT16:
      return whole_number_fault(value, -32768, 32767, path);
    case Which::INT32:
      return whole_number_fault(value, -2147483648.0, 2147483647.0, path);
    case Which::UINT8:
      return whole_number_fault(value, 0, 255, path);
    case Which::UINT16:
      return whole_number_fault(value, 0, 65535, path);
    case Which::UINT32:
      return whole_number_fault(value, 0, 4294967295.0, path);
    case Which::INT64:
    case Which::UINT64: {
      // 64-bit numbers may come as strings (JSON loses precision above 2^53).
      bool is_unsigned = type.which() == Which::UINT64;
      const char* wanted = is_unsigned ? "a whole number from 0" : "a whole number";
      if (value.is_number_integer()) {
        if (is_unsigned && !value.is_number_unsigned()) return wrong(wanted);
        return std::nullopt;
      }
      if (!value.is_string()) return wrong(wanted);
      const auto& text = value.get_ref<const std::string&>();
      const char* end = text.data() + text.size();
      std::from_chars_result read{};
      if (is_unsigned) {
        uint64_t number = 0;
        read = std::from_chars(text.data(), end, number);
      } else {
        int64_t number = 0;
        read = std::from_chars(text.data(), end, number);
      }
      if (text.empty() || read.ec != std::errc() || read.ptr != end) return wrong(wanted);
      return std::nullopt;
    }
    case Which::FLOAT32:
    case Which::FLOAT64:
      if (!value.is_number()) return wrong("a number");
      return std::nullopt;
    case Which::ENUM: {
      auto schema = type.asEnum();
      std::string names;
      for (auto enumerant : schema.getEnumerants()) {
        std::string name = enumerant.getProto().getName();
        if (value.is_string() && value.get<std::string>() == name) return std::nullopt;
        names += (names.empty() ? "" : ", ") + name;
      }
      return Failure{ErrorCode::INVALID_FIELD, "one of " + names, path};
    }
    case Which::LIST: {
      if (!value.is_array()) return wrong("a list");
      auto element = type.asList().getElementType();
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (auto bad = value_fault(value[i], element, path + "[" + std::to_string(i) + "]")) {
          return bad;
        }
      }
      return std::nullopt;
    }
    case Which::STRUCT:
      return struct_fault(value, type.asStruct(), path);
    default:
      return std::nullopt;  // data, interfaces, any: left to the codec
  }
}

template <class T>
Result<std::string> decode_struct(const nlohmann::json& value, const std::string& path) {
  if (auto bad = struct_fault(value, capnp::Schema::from<T>(), path)) return *bad;
  capnp::MallocMessageBuilder message;
  auto builder = message.initRoot<T>();
  std::string text = value.dump();
  try {
    capnp::JsonCodec codec;
    codec.decode(kj::ArrayPtr<const char>(text.data(), text.size()), builder);
  } catch (const kj::Exception& e) {
    return fail(ErrorCode::INVALID_FIELD, e.getDescription().cStr(), path);
  }
  return store::to_bytes(message);
}

}  // namespace

Result<Record> parse_line(std::string_view line, std::size_t number) {
  Record record;
  record.line = number;
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    // parse_error, and out_of_range for a number no double holds ("1e400"): the
    // line is bad, the import goes on (found by tests/fuzz/jsonl_import_fuzz.cpp).
    return fail(ErrorCode::MALFORMED, std::string("not JSON: ") + e.what());
  }
  if (!json.is_object()) return fail(ErrorCode::MALFORMED, "a line is one JSON object");
  for (const auto& [key, value] : json.items()) {
    if (key != "organisation" && key != "profile" && key != "ref" && key != "ownerRef" &&
        key != "publish") {
      return fail(ErrorCode::INVALID_FIELD, "unknown field", key);
    }
    (void)value;
  }
  bool is_org = json.contains("organisation");
  if (is_org == json.contains("profile")) {
    return fail(ErrorCode::INVALID_FIELD, "exactly one of organisation and profile",
                is_org ? "profile" : "organisation");
  }
  auto text_field = [&](const char* key) -> Result<std::string> {
    if (!json.contains(key)) return std::string();
    if (!json[key].is_string()) return fail(ErrorCode::INVALID_FIELD, "must be a string", key);
    return json[key].get<std::string>();
  };
  if (is_org) {
    record.kind = RecordKind::organisation;
    auto ref = text_field("ref");
    if (!ref) return ref.error();
    record.ref = ref.value();
    if (json.contains("ownerRef") || json.contains("publish")) {
      return fail(ErrorCode::INVALID_FIELD, "only for profiles",
                  json.contains("ownerRef") ? "ownerRef" : "publish");
    }
    auto org = decode_struct<wire::Organisation>(json["organisation"], "organisation");
    if (!org) return org.error();
    record.payload = std::move(org).value();
  } else {
    record.kind = RecordKind::profile;
    auto owner = text_field("ownerRef");
    if (!owner) return owner.error();
    record.owner_ref = owner.value();
    if (json.contains("ref"))
      return fail(ErrorCode::INVALID_FIELD, "only for organisations", "ref");
    if (json.contains("publish")) {
      if (!json["publish"].is_boolean()) {
        return fail(ErrorCode::INVALID_FIELD, "must be true or false", "publish");
      }
      record.publish = json["publish"].get<bool>();
    }
    auto profile = decode_struct<wire::Profile>(json["profile"], "profile");
    if (!profile) return profile.error();
    record.payload = std::move(profile).value();
  }
  return record;
}

void stable_message_id(EnvelopeBuilder& request, std::string_view what) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(what.data()), what.size());
  request.root().setMessageId(capnp::Data::Reader(digest, MessageId{}.size()));
}

std::string request_for(const Record& record, const std::string& country,
                        const std::string& owner_id) {
  std::string what = "gosmart-import|" + country + "|" + owner_id + "|" + record.payload;
  if (record.kind == RecordKind::organisation) {
    auto org = store::StoredValue<wire::Organisation>::parse(record.payload);
    EnvelopeBuilder request(country, wire::Service::TOOL, wire_type(wire::REGISTRY_ORG_REGISTER));
    stable_message_id(request, "organisation|" + what);
    auto write = request.init_payload<wire::OrgWrite>();
    write.setOrganisation(org->get());
    write.setReceiptOnly(true);  // the report needs the id; the rest is on the line
    return request.encode();
  }
  auto profile = store::StoredValue<wire::Profile>::parse(record.payload);
  EnvelopeBuilder request(country, wire::Service::TOOL, wire_type(wire::REGISTRY_PROFILE_SUBMIT));
  stable_message_id(request, "profile|" + what);
  auto out = request.init_payload<wire::ProfileWrite>();
  out.setProfile(profile->get());
  out.setMigration(true);  // imported as it was: expired kept, dates kept
  if (!owner_id.empty()) out.getProfile().setOwnerId(owner_id);
  return request.encode();
}

}  // namespace gosmart::import
