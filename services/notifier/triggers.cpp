#include "services/notifier/triggers.hpp"

#include "services/notifier/domain/preferences.hpp"

#include <capnp/schema.h>

#include "common/reference/text.hpp"
#include "schemas/matching.capnp.h"
#include "schemas/registry.capnp.h"

namespace gosmart::notifier {

using reference::text_of;

template <class Enum>
std::string enumerant_name(Enum value) {
  auto enumerants = capnp::Schema::from<Enum>().getEnumerants();
  auto index = static_cast<uint16_t>(value);
  if (index >= enumerants.size()) return "unknown";
  return enumerants[index].getProto().getName();
}

namespace {

std::string country_of(const std::string& id) {
  return id.size() >= 2 ? id.substr(0, 2) : std::string();
}

nlohmann::json explanation_of(wire::Explanation::Reader explanation) {
  // Words a business reader knows: the shared domains and the shared terms of the
  // two profiles, strongest first; scores stay with the broker's view.
  nlohmann::json lines = nlohmann::json::array();
  for (auto domain : explanation.getSharedDomains()) lines.push_back(text_of(domain));
  // Only terms that a title writes as a word (TermWeight.word): a stem from the
  // summaries ("cooper" of "cooperation", "fabric" of "fabrication") misleads a
  // reader (outside findings); the broker's view keeps every term.
  std::size_t terms = 0;
  for (auto term : explanation.getSharedTerms()) {
    if (term.getWord().size() == 0) continue;
    if (terms++ == 5) break;
    lines.push_back(text_of(term.getWord()));
  }
  return lines;
}

void add_match(std::vector<Trigger>& out, const DecodedEnvelope& event, const std::string& own) {
  auto match = event.payload<wire::MatchFoundEvent>().getMatch();
  std::string id = text_of(match.getId());
  for (int side = 0; side < 2; ++side) {
    auto mine = side == 0 ? match.getA() : match.getB();
    auto theirs = side == 0 ? match.getB() : match.getA();
    if (text_of(mine.getCountry()) != own || mine.getOwnerId().size() == 0) continue;
    Trigger trigger;
    trigger.key = "match:" + id + ":" + text_of(mine.getProfileId());
    trigger.kind = "match_found";
    trigger.organisation_id = text_of(mine.getOwnerId());
    trigger.at_us = match.getUpdatedUs();
    trigger.model = {
        {"profile", {{"id", text_of(mine.getProfileId())}, {"title", text_of(mine.getTitle())}}},
        {"partner",
         {{"country", text_of(theirs.getCountry())},
          {"type", enumerant_name(theirs.getOwnerType())},
          {"kind", enumerant_name(theirs.getKind())},
          {"title", text_of(theirs.getTitle())},
          {"profileId", text_of(theirs.getProfileId())}}},
        {"match", {{"id", id}, {"score", static_cast<int>(match.getScore() * 100 + 0.5)}}},
        {"explanation", explanation_of(match.getExplanation())}};
    out.push_back(std::move(trigger));
  }
}

void add_eoi(std::vector<Trigger>& out, const DecodedEnvelope& event, bool received) {
  auto eoi = event.payload<wire::EoiEvent>();
  if (eoi.getLocalOrgId().size() == 0) return;
  auto status = eoi.getStatus();
  Trigger trigger;
  trigger.organisation_id = text_of(eoi.getLocalOrgId());
  std::string status_name = enumerant_name(status);
  trigger.key = "eoi:" + text_of(eoi.getEoiId()) + ":" + (received ? "received" : status_name);
  if (received) {
    trigger.kind = "eoi_received";
  } else if (status == wire::EoiStatus::ACCEPTED || status == wire::EoiStatus::DECLINED) {
    trigger.kind = "eoi_answered";
  } else if (status == wire::EoiStatus::UNDELIVERABLE) {
    trigger.kind = "eoi_undeliverable";
  } else if (status == wire::EoiStatus::SUBMITTED || status == wire::EoiStatus::FORWARDED) {
    return;  // the sender's own step: its portal told it already
  } else {
    trigger.kind = "eoi_advanced";
  }
  trigger.at_us = event.header().timestamp_us;
  trigger.model = {{"eoi",
                    {{"id", text_of(eoi.getEoiId())},
                     {"status", status_name},
                     {"accepted", status == wire::EoiStatus::ACCEPTED}}},
                   {"profile", {{"id", text_of(eoi.getProfileId())}}}};
  trigger.profile_to_read = text_of(eoi.getProfileId());
  out.push_back(std::move(trigger));
}

}  // namespace

std::vector<Trigger> triggers_of(const DecodedEnvelope& event, const std::string& own_country) {
  std::vector<Trigger> out;
  const auto& type = event.header().type;
  // The registry's merged stream relays the peers' events too: theirs are told by
  // their own notifiers.
  if (event.header().origin_country != own_country) return out;
  if (type == wire_type(wire::MATCHING_MATCH_FOUND)) {
    add_match(out, event, own_country);
  } else if (type == wire_type(wire::REGISTRY_EOI_RECEIVED)) {
    add_eoi(out, event, true);
  } else if (type == wire_type(wire::REGISTRY_EOI_CHANGED)) {
    add_eoi(out, event, false);
  } else if (type == wire_type(wire::REGISTRY_PROFILE_PUBLISHED)) {
    auto profile = event.payload<wire::ProfilePublishedEvent>().getProfile();
    std::string owner = text_of(profile.getOwnerId());
    if (country_of(owner) != own_country) return out;
    Trigger trigger;
    trigger.key = "profile:" + text_of(profile.getId()) +
                  ":published:" + std::to_string(profile.getUpdatedUs());
    trigger.kind = "profile_published";
    trigger.organisation_id = owner;
    trigger.at_us = profile.getUpdatedUs();
    trigger.model = {{"profile",
                      {{"id", text_of(profile.getId())},
                       {"title", text_of(profile.getTitle())},
                       {"expiresOn", text_of(profile.getExpiresOn())}}}};
    out.push_back(std::move(trigger));
  } else if (type == wire_type(wire::REGISTRY_PROFILE_STATUS)) {
    auto status = event.payload<wire::ProfileStatusEvent>();
    std::string owner = text_of(status.getOwnerId());
    if (country_of(owner) != own_country) return out;
    Trigger trigger;
    trigger.organisation_id = owner;
    trigger.at_us = event.header().timestamp_us;
    trigger.profile_to_read = text_of(status.getProfileId());
    trigger.model = {{"profile", {{"id", trigger.profile_to_read}}}};
    if (status.getStatus() == wire::ProfileStatus::REVISION_REQUESTED) {
      trigger.kind = "profile_returned";
    } else if (status.getStatus() == wire::ProfileStatus::EXPIRED) {
      trigger.kind = "profile_expired";
    } else {
      return out;
    }
    trigger.key = "profile:" + trigger.profile_to_read + ":" + trigger.kind + ":" +
                  std::to_string(event.header().origin_seq);
    out.push_back(std::move(trigger));
  }
  return out;
}

std::vector<Reminder> reminders_of(const DecodedEnvelope& event, const std::string& own_country,
                                   const std::vector<int>& days_before,
                                   const std::string& time_zone) {
  std::vector<Reminder> out;
  if (event.header().origin_country != own_country ||
      event.header().type != wire_type(wire::REGISTRY_PROFILE_PUBLISHED)) {
    return out;
  }
  auto profile = event.payload<wire::ProfilePublishedEvent>().getProfile();
  std::string owner = text_of(profile.getOwnerId());
  std::string last_day = text_of(profile.getExpiresOn());
  if (country_of(owner) != own_country || last_day.empty()) return out;
  for (int days : days_before) {
    Reminder reminder;
    reminder.days = days;
    try {
      reminder.due_us = local_day_us(last_day, -days, 8, time_zone);
    } catch (const std::invalid_argument&) {
      return {};  // the registry checks the date; nothing to remind of otherwise
    }
    auto& trigger = reminder.trigger;
    std::string id = text_of(profile.getId());
    trigger.key = "profile:" + id + ":expiring:" + std::to_string(days) + ":" + last_day;
    trigger.kind = "profile_expiring";
    trigger.organisation_id = owner;
    trigger.at_us = reminder.due_us;
    trigger.profile_to_read = id;
    trigger.model = {
        {"profile", {{"id", id}, {"title", text_of(profile.getTitle())}, {"expiresOn", last_day}}},
        {"days", days}};
    out.push_back(std::move(reminder));
  }
  return out;
}

template std::string enumerant_name(wire::OrgType);
template std::string enumerant_name(wire::ProfileKind);
template std::string enumerant_name(wire::EoiStatus);

}  // namespace gosmart::notifier
