#pragma once
// Every field of a write is checked before anything is stored; the first fault is
// returned as an invalid_field Failure naming the field's path ("contacts[1].email").
#include <string>
#include <vector>

#include "common/core/result.hpp"
#include "common/reference/languages.hpp"
#include "schemas/registry.capnp.h"

namespace gosmart::registry {

using reference::LanguageCodes;

struct ValidationContext {
  std::string country;               // this registry's country
  std::vector<std::string> members;  // federation members
  const LanguageCodes* languages = nullptr;
  std::string today;  // YYYY-MM-DD
  // A migration import: a profile may have expired already (it is kept expired).
  bool migration = false;
  // Content a peer registry published (replicated): checked by the same rules as a
  // local write, except that it may have expired meanwhile (a node catching up
  // late) and the peer's day may be one ahead of ours.
  bool replica = false;
};

// A profile is published for a year and renewed (DOMAIN.md, EEN practice); an
// expiry more than two years ahead is a mistake or a way to stay shown for good.
constexpr int kMaxExpiryYears = 2;
// The last expiry date accepted on `today` (YYYY-MM-DD): two years ahead, plus
// `slack_days`.
std::string latest_expiry(const std::string& today, int slack_days = 0);

struct FieldLimits {
  static constexpr std::size_t name = 200;
  static constexpr std::size_t short_text = 120;
  static constexpr std::size_t summary = 1000;
  static constexpr std::size_t description = 8000;
  static constexpr std::size_t list = 30;
  static constexpr std::size_t keyword = 64;
  static constexpr std::size_t contacts = 20;
};

// Free text a person typed: within `max` bytes, UTF-8, no control or invisible
// formatting characters, a letter or digit somewhere, no stacks of combining marks;
// and one line unless `lines` is many (a description, a message).
enum class Lines { one, many };
Status check_text(const std::string& field, std::string_view text, std::size_t max, bool required,
                  Lines lines);
// A consent purpose: 1-64 of a-z, 0-9, - and _ ("notifications").
bool is_purpose(std::string_view text);

Status validate_organisation(wire::Organisation::Reader org, const ValidationContext& context);
Status validate_profile(wire::Profile::Reader profile, const ValidationContext& context);
// The public classification of a peer's organisation, as replicated: its own
// country, a NUTS 2 region of it, known type and size, codes and bounded lists.
Status validate_public_organisation(wire::PublicOrganisation::Reader org,
                                    const ValidationContext& context);

}  // namespace gosmart::registry
