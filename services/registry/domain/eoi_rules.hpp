#pragma once
// The brokered workflow of an expression of interest:
//   submitted -> forwarded -> accepted -> contactStarted -> negotiation -> agreement
//                     \          \______________\_______________\_____-> noAgreement
//                      -> declined
//   submitted | forwarded -> withdrawn (by the sender, before an answer)
#include "schemas/registry.capnp.h"

namespace gosmart::registry {

bool eoi_step_allowed(wire::EoiStatus from, wire::EoiStatus to);
bool eoi_open(wire::EoiStatus status);      // not declined, withdrawn, agreement, noAgreement
bool eoi_accepted(wire::EoiStatus status);  // accepted or any step after it
const char* eoi_status_name(wire::EoiStatus status);

}  // namespace gosmart::registry
