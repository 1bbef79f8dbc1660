#include "tools/import/jsonl_records.hpp"

#include <capnp/compat/json.h>
#include <capnp/message.h>
#include <capnp/schema.h>

#include <nlohmann/json.hpp>

#include "common/envelope/envelope.hpp"
#include "common/store/capnp_value.hpp"
#include "schemas/registry.capnp.h"

namespace gosmart::import {
namespace {

// JsonCodec ignores unknown names; a migration must not lose data silently.
std::optional<std::string> unknown_field(const nlohmann::json& value, capnp::StructSchema schema,
                                         const std::string& path) {
  if (!value.is_object()) return std::nullopt;
  for (const auto& [key, item] : value.items()) {
    KJ_IF_MAYBE (field, schema.findFieldByName(key)) {
      auto type = field->getType();
      if (type.isStruct()) {
        if (auto bad = unknown_field(item, type.asStruct(), path + "." + key)) return bad;
      } else if (type.isList() && type.asList().getElementType().isStruct() && item.is_array()) {
        for (std::size_t i = 0; i < item.size(); ++i) {
          auto element = type.asList().getElementType().asStruct();
          if (auto bad = unknown_field(item[i], element,
                                       path + "." + key + "[" + std::to_string(i) + "]")) {
            return bad;
          }
        }
      }
    } else {
      return path + "." + key;
    }
  }
  return std::nullopt;
}

template <class T>
Result<std::string> decode_struct(const nlohmann::json& value, const std::string& path) {
  if (!value.is_object()) return fail(ErrorCode::INVALID_FIELD, "must be an object", path);
  if (auto bad = unknown_field(value, capnp::Schema::from<T>(), path)) {
    return fail(ErrorCode::INVALID_FIELD, "unknown field", *bad);
  }
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

std::string request_for(const Record& record, const std::string& country,
                        const std::string& owner_id) {
  if (record.kind == RecordKind::organisation) {
    auto org = store::StoredValue<wire::Organisation>::parse(record.payload);
    EnvelopeBuilder request(country, wire::Service::TOOL, wire_type(wire::REGISTRY_ORG_REGISTER));
    auto write = request.init_payload<wire::OrgWrite>();
    write.setOrganisation(org->get());
    write.setReceiptOnly(true);  // the report needs the id; the rest is on the line
    return request.encode();
  }
  auto profile = store::StoredValue<wire::Profile>::parse(record.payload);
  EnvelopeBuilder request(country, wire::Service::TOOL, wire_type(wire::REGISTRY_PROFILE_SUBMIT));
  auto out = request.init_payload<wire::ProfileWrite>();
  out.setProfile(profile->get());
  out.setMigration(true);  // imported as it was: expired kept, dates kept
  if (!owner_id.empty()) out.getProfile().setOwnerId(owner_id);
  return request.encode();
}

}  // namespace gosmart::import
