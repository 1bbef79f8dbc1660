#include "services/registry/domain/eoi_parties.hpp"

#include <string>

#include "common/reference/regions.hpp"
#include "services/registry/domain/classification.hpp"

namespace gosmart::registry {

namespace {

std::string_view view(capnp::Text::Reader text) {
  return {text.cStr(), text.size()};
}

Failure refused(const std::string& field, const std::string& what) {
  return fail(ErrorCode::NOT_AUTHORISED, what, "eoi." + field);
}

}  // namespace

bool is_eoi_id_of(std::string_view id, std::string_view country) {
  std::string prefix = std::string(country) + "-EOI-";
  if (!id.starts_with(prefix)) return false;
  auto digits = id.substr(prefix.size());
  // Six digits, more once a node has sent a million (eoi_id() pads to six).
  return digits.size() >= 6 && digits.size() <= 19 &&
         digits.find_first_not_of("0123456789") == std::string_view::npos;
}

std::string_view organisation_country(std::string_view id) {
  return is_organisation_id(id) ? id.substr(0, 2) : std::string_view();
}

Status check_eoi_parties(wire::ExpressionOfInterest::Reader eoi, const EoiParties& parties) {
  std::string sender(parties.sender_country);
  std::string owner(parties.owner_country);
  if (!is_eoi_id_of(view(eoi.getId()), sender)) {
    return refused("id", "an expression of interest of " + sender + " has an id " + sender +
                             "-EOI-<6 digits>");
  }
  if (view(eoi.getSenderCountry()) != sender) {
    return refused("senderCountry", "the sender's country is " + sender);
  }
  std::string_view sender_org = view(eoi.getSenderOrgId());
  if (organisation_country(sender_org) != sender) {
    return refused("senderOrgId", "the sender is an organisation of " + sender);
  }
  // The nested block may be left out (a delivery without the sender's classification
  // names nobody); what it does say must be the sender.
  auto block = eoi.getSender();
  if (!view(block.getId()).empty() && view(block.getId()) != sender_org) {
    return refused("sender.id",
                   "the sender block describes the sender, " + std::string(sender_org));
  }
  if (!view(block.getCountry()).empty() && view(block.getCountry()) != sender) {
    return refused("sender.country", "the sender block's country is " + sender);
  }
  std::string_view region = view(block.getRegion());
  if (!region.empty() && !reference::is_nuts2_for(region, sender)) {
    return refused("sender.region", "the sender block's region is one of " + sender);
  }
  if (view(eoi.getOwnerCountry()) != owner) {
    return refused("ownerCountry", "the profile's owner is in " + owner);
  }
  std::string_view target = view(eoi.getTargetOrgId());
  if (target.empty()) {
    auto reference = parse_profile_reference(view(eoi.getProfileId()));
    if (!reference || reference->country != owner) {
      return refused("profileId", "a profile reference of " + owner);
    }
    return {};
  }
  // Addressed to an organisation: that organisation is the owner's, the research
  // request it is about the sender's, and no profile is named besides.
  if (!view(eoi.getProfileId()).empty()) {
    return refused("profileId", "an expression to an organisation names no profile");
  }
  if (organisation_country(target) != owner) {
    return refused("targetOrgId", "an organisation of " + owner);
  }
  auto about = parse_profile_reference(view(eoi.getAboutProfileId()));
  if (!about || about->country != sender) {
    return refused("aboutProfileId", "a research request of " + sender);
  }
  return {};
}

}  // namespace gosmart::registry
