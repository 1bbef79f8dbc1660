#pragma once
// The brokered workflow of an expression of interest:
//   submitted -> forwarded -> accepted -> contactStarted -> negotiation -> agreement
//                     \          \______________\_______________\_____-> noAgreement
//                      -> declined
//   submitted | forwarded -> withdrawn (by the sender, before an answer)
#include "schemas/registry.capnp.h"

namespace gosmart::registry {

bool eoi_step_allowed(wire::EoiStatus from, wire::EoiStatus to);

// Who takes a step: accepting or declining is the owner's, withdrawing the
// sender's, forwarding the owner's registry's on delivery (no person's step); the
// steps after acceptance are either side's. Applies to a peer's update as to a
// local advance: a sender's registry that says "accepted" is refused (outside wave 4).
enum class EoiSide { sender, owner };
bool eoi_step_is_for(EoiSide side, wire::EoiStatus to);
bool eoi_open(wire::EoiStatus status);      // not declined, withdrawn, agreement, noAgreement
bool eoi_accepted(wire::EoiStatus status);  // accepted or any step after it
const char* eoi_status_name(wire::EoiStatus status);

}  // namespace gosmart::registry
