#pragma once
// The brokered life of a cooperation profile:
//   (new) -save-> draft -submit-> submitted -publish-> published -expire-> expired
//                                  |  ^                     |  ^            |
//                   requestRevision|  |submit        renew  |  +---renew----+
//                                  v  |                     v
//                            revisionRequested         (published, new expiry)
// and withdraw from any state but expired and withdrawn. Content can change while a
// profile is a draft, submitted or sent back; a published profile is renewed or
// withdrawn, since a changed text must be validated again before peers see it.
#include "common/config/config.hpp"
#include "common/core/result.hpp"
#include "schemas/registry.capnp.h"

namespace gosmart::registry {

enum class ProfileAction { save_draft, submit, publish, request_revision, withdraw, renew, expire };

const char* action_name(ProfileAction action);

// Who may do what: brokers everything but expire; integrations (a partner's portal
// acting for its organisations) save, submit, withdraw and renew; monitors and peers
// nothing; expire is the registry's own timer (no role).
bool role_may(config::Role role, ProfileAction action);

// The status after `action`, or a conflict Failure naming the status that forbids it.
Result<wire::ProfileStatus> next_status(wire::ProfileStatus current, ProfileAction action);

bool is_open(wire::ProfileStatus status);  // not withdrawn or expired

}  // namespace gosmart::registry
