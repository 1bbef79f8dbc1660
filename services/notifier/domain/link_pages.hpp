#pragma once
// The words of the notifier's link pages (unsubscribe, renew) in the network's eight
// languages, chosen by the browser's Accept-Language (RFC 9110 12.5.4): a link is
// opened by whoever the mail reached, and the page speaks their language, English
// when none of ours is asked for. The mails' own words are the operator's templates;
// these few lines are the service's.
#include <string>
#include <string_view>

namespace gosmart::notifier {

enum class PageText {
  invalid_title,
  invalid_body,
  nothing_title,
  nothing_body,
  already_title,
  already_body,
  stop_title,
  stop_body,
  stop_button,
  stopped_title,
  stopped_body,
  later_title,
  keep_title,
  keep_body,  // {} = the days, e.g. "365 days"
  keep_button,
  cannot_title,
  cannot_body,
  renewed_already_title,
  out_of_date_title,
  shown_until_unchanged,  // {} = the last day, YYYY-MM-DD
  broker_changed,
  renewed_title,
  renewed_body,  // {} = the last day
};

// The best of en, pl, fi, da, de, lv, et, lt for an Accept-Language header value
// (highest q first, then the order given; q=0 refuses; "pl-PL" is pl); "en" if none.
std::string page_language(std::string_view accept_language);

// The text in `language` (one of page_language's), `fill` in place of its {}.
std::string page_text(PageText text, std::string_view language, std::string_view fill = {});

}  // namespace gosmart::notifier
