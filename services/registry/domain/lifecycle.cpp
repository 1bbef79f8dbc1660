#include "services/registry/domain/lifecycle.hpp"

namespace gosmart::registry {

using S = wire::ProfileStatus;

const char* action_name(ProfileAction action) {
  switch (action) {
    case ProfileAction::save_draft:
      return "save_draft";
    case ProfileAction::submit:
      return "submit";
    case ProfileAction::publish:
      return "publish";
    case ProfileAction::request_revision:
      return "request_revision";
    case ProfileAction::withdraw:
      return "withdraw";
    case ProfileAction::renew:
      return "renew";
    case ProfileAction::expire:
      return "expire";
  }
  return "unknown";
}

bool role_may(config::Role role, ProfileAction action) {
  switch (role) {
    case config::Role::broker:
      return action != ProfileAction::expire;
    case config::Role::integration:
      return action == ProfileAction::save_draft || action == ProfileAction::submit ||
             action == ProfileAction::withdraw || action == ProfileAction::renew;
    case config::Role::monitor:
    case config::Role::peer:
    case config::Role::service:
      return false;
    case config::Role::notifier:
      return action == ProfileAction::renew;  // the one-click renewal of an expiry alert
  }
  return false;
}

bool is_open(wire::ProfileStatus status) {
  return status != S::WITHDRAWN && status != S::EXPIRED && status != S::UNKNOWN;
}

namespace {

const char* status_name(S status) {
  switch (status) {
    case S::DRAFT:
      return "draft";
    case S::SUBMITTED:
      return "submitted";
    case S::REVISION_REQUESTED:
      return "revision requested";
    case S::PUBLISHED:
      return "published";
    case S::WITHDRAWN:
      return "withdrawn";
    case S::EXPIRED:
      return "expired";
    default:
      return "new";
  }
}

}  // namespace

Result<wire::ProfileStatus> next_status(wire::ProfileStatus current, ProfileAction action) {
  bool editable = current == S::UNKNOWN || current == S::DRAFT || current == S::SUBMITTED ||
                  current == S::REVISION_REQUESTED;
  std::optional<S> next;
  switch (action) {
    case ProfileAction::save_draft:
      if (current == S::UNKNOWN || current == S::DRAFT || current == S::REVISION_REQUESTED) {
        next = current == S::REVISION_REQUESTED ? S::REVISION_REQUESTED : S::DRAFT;
      }
      break;
    case ProfileAction::submit:
      if (editable) next = S::SUBMITTED;
      break;
    case ProfileAction::publish:
    case ProfileAction::request_revision:
      if (current == S::SUBMITTED) {
        next = action == ProfileAction::publish ? S::PUBLISHED : S::REVISION_REQUESTED;
      }
      break;
    case ProfileAction::withdraw:
      if (current != S::UNKNOWN && is_open(current)) next = S::WITHDRAWN;
      break;
    case ProfileAction::renew:
      if (current == S::PUBLISHED || current == S::EXPIRED) next = S::PUBLISHED;
      break;
    case ProfileAction::expire:
      if (current == S::PUBLISHED) next = S::EXPIRED;
      break;
  }
  if (!next) {
    return fail(
        ErrorCode::CONFLICT,
        std::string("cannot ") + action_name(action) + " a " + status_name(current) + " profile",
        "status");
  }
  return *next;
}

}  // namespace gosmart::registry
