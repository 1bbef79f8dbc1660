#include "services/registry/domain/eoi_rules.hpp"

namespace gosmart::registry {

using E = wire::EoiStatus;

bool eoi_step_allowed(E from, E to) {
  switch (from) {
    case E::SUBMITTED:
      return to == E::FORWARDED || to == E::WITHDRAWN;
    case E::FORWARDED:
      return to == E::ACCEPTED || to == E::DECLINED || to == E::WITHDRAWN;
    case E::ACCEPTED:
      return to == E::CONTACT_STARTED || to == E::NEGOTIATION || to == E::AGREEMENT ||
             to == E::NO_AGREEMENT;
    case E::CONTACT_STARTED:
      return to == E::NEGOTIATION || to == E::AGREEMENT || to == E::NO_AGREEMENT;
    case E::NEGOTIATION:
      return to == E::AGREEMENT || to == E::NO_AGREEMENT;
    default:
      return false;
  }
}

bool eoi_step_is_for(EoiSide side, E to) {
  switch (to) {
    case E::ACCEPTED:
    case E::DECLINED:
      return side == EoiSide::owner;
    case E::WITHDRAWN:
      return side == EoiSide::sender;
    case E::CONTACT_STARTED:
    case E::NEGOTIATION:
    case E::AGREEMENT:
    case E::NO_AGREEMENT:
      return true;
    default:
      return false;  // submitted, forwarded, undeliverable: set by registries, not asked
  }
}

bool eoi_open(E status) {
  return status == E::SUBMITTED || status == E::FORWARDED || status == E::ACCEPTED ||
         status == E::CONTACT_STARTED || status == E::NEGOTIATION;
}

bool eoi_accepted(E status) {
  return status == E::ACCEPTED || status == E::CONTACT_STARTED || status == E::NEGOTIATION ||
         status == E::AGREEMENT || status == E::NO_AGREEMENT;
}

const char* eoi_status_name(E status) {
  switch (status) {
    case E::SUBMITTED:
      return "submitted";
    case E::FORWARDED:
      return "forwarded";
    case E::ACCEPTED:
      return "accepted";
    case E::DECLINED:
      return "declined";
    case E::WITHDRAWN:
      return "withdrawn";
    case E::CONTACT_STARTED:
      return "contact started";
    case E::NEGOTIATION:
      return "negotiation";
    case E::AGREEMENT:
      return "agreement";
    case E::NO_AGREEMENT:
      return "no agreement";
    case E::UNDELIVERABLE:
      return "undeliverable";
    default:
      return "unknown";
  }
}

}  // namespace gosmart::registry
