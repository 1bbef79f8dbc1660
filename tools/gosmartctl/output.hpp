#pragma once
// How gosmartctl writes a reply and reads its inputs: a reply's payload as JSON with
// --json, else as fields or tables for people; enums by their schema names both ways.
#include <capnp/compat/json.h>
#include <capnp/schema.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "tools/gosmartctl/session.hpp"

namespace gosmart::ctl {

// Cap'n Proto's JSON mapping: schema field names, enum names, 64-bit integers as strings.
template <class Reader>
std::string json_of(Reader reader) {
  capnp::JsonCodec codec;
  codec.setPrettyPrint(true);
  return codec.encode(reader).cStr();
}

// Fills `builder` from JSON text; bad JSON is a refusal naming `what`.
template <class Builder>
void fill_from_json(const std::string& text, Builder builder, const std::string& what) {
  // Read by nlohmann first and written back with its \u escapes decoded to UTF-8:
  // Cap'n Proto 0.9's JSON reader decodes "\u00e9" as "I" (an escape with the hex
  // letters a-f; found from outside: Python's json.dumps writes exactly those).
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded()) throw CtlError(1, "invalid " + what + ": not JSON");
  std::string plain;
  try {
    plain = parsed.dump(-1, ' ', false);
  } catch (const nlohmann::json::exception& e) {
    throw CtlError(1, "invalid " + what + ": " + e.what());
  }
  capnp::JsonCodec codec;
  try {
    codec.decode(kj::ArrayPtr<const char>(plain.data(), plain.size()), builder);
  } catch (const kj::Exception& e) {
    throw CtlError(1, "invalid " + what + ": " + e.getDescription().cStr());
  }
}

// The enumerant of `Enum` named `text`; a refusal listing the names when none is.
template <class Enum>
Enum enum_named(const std::string& text, const std::string& option) {
  auto schema = capnp::Schema::from<Enum>();
  KJ_IF_MAYBE (found, schema.findEnumerantByName(text)) {
    return static_cast<Enum>(found->getOrdinal());
  }
  std::string names;
  for (auto e : schema.getEnumerants()) {
    if (e.getOrdinal() == 0) continue;  // "unknown": never a choice
    names += (names.empty() ? "" : ", ") + std::string(e.getProto().getName().cStr());
  }
  throw CtlError(1, "invalid " + option + ": '" + text + "' (one of " + names + ")");
}

template <class Enum>
std::string enum_text(Enum value) {
  auto schema = capnp::Schema::from<Enum>();
  auto ordinal = static_cast<uint16_t>(value);
  if (ordinal < schema.getEnumerants().size()) {
    return schema.getEnumerants()[ordinal].getProto().getName().cStr();
  }
  return std::to_string(ordinal);
}

// A list of texts as "a, b, c".
template <class List>
std::string joined(List list) {
  std::string out;
  for (auto item : list) out += (out.empty() ? "" : ", ") + std::string(item.cStr());
  return out;
}

// The text of --data, else of --file (- for stdin); a refusal when neither is given.
std::string read_input(const std::string& file, const std::string& data);

// Colour only when stdout is a terminal.
bool colour_out();

// "2026-12-04 06:50:00": a time in microseconds since the epoch, in UTC.
std::string utc_text(uint64_t at_us);

// "name   value" lines, names padded to the widest; empty values left out.
void print_fields(const std::vector<std::pair<std::string, std::string>>& fields);

// Prints a reply: its payload as JSON with --json, else through `human`.
template <class Payload, class Human>
void show(const Session& session, const DecodedEnvelope& reply, Human&& human) {
  auto payload = reply.payload<Payload>();
  if (session.options().json) {
    std::cout << json_of(payload) << "\n";
  } else {
    human(payload);
  }
}

}  // namespace gosmart::ctl
