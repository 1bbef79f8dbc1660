#pragma once
// Who an expression of interest says it is from and where it says it goes. A peer
// registry is authenticated by its key (ZAP User-Id peer:<country>); every field of
// an EoI it sends that names a country or an organisation must agree with that, or
// one peer could speak for another country's organisations.
#include <string_view>

#include "common/core/result.hpp"
#include "schemas/registry.capnp.h"

namespace gosmart::registry {

// The countries an expression of interest must name: the sender's (whose
// organisation expresses interest) and the owner's (whose profile it is about).
struct EoiParties {
  std::string_view sender_country;
  std::string_view owner_country;
};

// Checks the id (<sender>-EOI-<6 digits>, as eoi_id() writes it), senderCountry,
// senderOrgId, the nested sender block (id, country, region: each where given),
// ownerCountry, and the profile reference's country against `parties` — or, for an
// expression addressed to an organisation, the target's country (the owner's), the
// research request's (the sender's) and no profile besides; the first field that
// disagrees as a not_authorised failure naming it ("eoi.sender.id"). References and
// ids are parsed, never sliced.
Status check_eoi_parties(wire::ExpressionOfInterest::Reader eoi, const EoiParties& parties);

// Whether `id` is an expression of interest id of `country`: "<CC>-EOI-" and six
// or more digits, nothing else (an id no client can address is refused).
bool is_eoi_id_of(std::string_view id, std::string_view country);

// The country of an organisation id ("FI-000001" -> "FI"); empty if it is none.
std::string_view organisation_country(std::string_view id);

}  // namespace gosmart::registry
