#pragma once
// A daily or weekly digest: the alerts that waited for a contact's rhythm
// (preferences.hpp next_digest_due_us), told in one message. Only alerts wait;
// transactional messages are never held back for a digest.
//
// This builds the language-neutral part of the `digest` template's model;
// Templates::render adds the localized parts (countText, each item's atText).
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gosmart::notifier {

// One alert as it was rendered for the contact when it fell due (in their
// language), waiting for the digest.
struct PendingAlert {
  std::string kind, subject, text;
  int64_t at_us = 0;
  // What the alert is about (its trigger: a match, an expression of interest, a
  // profile's publication); empty: its kind, subject and text say it.
  std::string about;
};

// {"count": N, "items": [{"kind", "subject", "text", "atUs"}], "more": M} — newest
// first, at most `max_listed` items; "more" only when some were left out, so that
// `{{#more}}` in a template is true exactly then (a number reaches Mustache as
// text, and the text "0" would be true). Alerts about the same thing (`about`, of
// the same kind) are listed once, the newest: a digest does not say the same thing
// twice; two matches whose partners' profiles share a title are two things (outside
// findings: they were merged into one line). `count` counts the distinct alerts. An
// item's "text" is absent when empty. `text` is best a line or two (the partner's
// title, the profile's expiry), not a whole rendered alert with its greeting.
// The line under an alert's subject in a digest: what it is about, in the partner's
// or the profile's own words. A partner's line carries its public profile id, so
// two partners whose profiles share a title are told apart (outside findings: their
// lines were identical) and a broker can look the profile up.
std::string digest_line(const nlohmann::json& model);

nlohmann::json digest_model(std::vector<PendingAlert> alerts, std::size_t max_listed = 50);

}  // namespace gosmart::notifier
