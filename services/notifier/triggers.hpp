#pragma once
// What on the node's own streams its organisations are told of. A pure function of
// one event: the registry's (profiles, expressions of interest) and matching's
// (matches). Only this node's organisations are told; a partner abroad is described
// by its public profile alone (matching's side of a match holds nothing else).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "common/envelope/envelope.hpp"

namespace gosmart::notifier {

struct Trigger {
  std::string key;  // what happened, once: the idempotency key's first part
  std::string kind;
  std::string organisation_id;
  nlohmann::json model;  // what the message says (templates/README.md)
  int64_t at_us = 0;
  // Resolution asks the registry for the profile too (the broker's revision comment).
  std::string profile_to_read;
};

std::vector<Trigger> triggers_of(const DecodedEnvelope& event, const std::string& own_country);

// A profile published (or renewed) is reminded of its expiry `days` before its last
// day, at 08:00 in the node's zone: a `profile_expiring` trigger held until due.
// Kept per (profile, days, last day), so a renewal's new date makes new reminders
// and the old ones find the date changed and are dropped when due (resolve()).
struct Reminder {
  int64_t due_us = 0;
  int days = 0;
  Trigger trigger;
};
std::vector<Reminder> reminders_of(const DecodedEnvelope& event, const std::string& own_country,
                                   const std::vector<int>& days_before,
                                   const std::string& time_zone);

// A capnp enumerant's schema name ("technologyOffer") for the templates' models.
template <class Enum>
std::string enumerant_name(Enum value);

}  // namespace gosmart::notifier
