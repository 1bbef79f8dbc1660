#include "services/registry/domain/validation.hpp"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include "common/reference/formats.hpp"
#include "common/reference/nace.hpp"
#include "common/reference/regions.hpp"

namespace gosmart::registry {
namespace {

using reference::is_country_code;
using reference::is_email;
using reference::is_iso_date;
using reference::is_nace_code;
using reference::is_nuts2_for;
using reference::is_web_url;

// A field's path (contacts[0].email), spelled out only when an error names it:
// building it for every field validated cost more than the checks themselves.
class FieldName {
 public:
  FieldName(const char* name) : name_(name) {}  // NOLINT: a plain name converts
  FieldName(const FieldName& list, unsigned index) : parent_(&list), index_(index) {}
  FieldName(const FieldName& record, const char* member) : parent_(&record), name_(member) {}

  std::string str() const {
    std::string out = parent_ ? parent_->str() : std::string();
    if (name_) {
      if (!out.empty()) out += '.';
      out += name_;
    } else {
      out += "[" + std::to_string(index_) + "]";
    }
    return out;
  }

 private:
  const FieldName* parent_ = nullptr;
  const char* name_ = nullptr;
  unsigned index_ = 0;
};

Failure invalid(const FieldName& field, std::string message) {
  return fail(ErrorCode::INVALID_FIELD, std::move(message), field.str());
}

Failure invalid_named(const std::string& field, std::string message) {
  return fail(ErrorCode::INVALID_FIELD, std::move(message), field);
}

bool has_control_chars(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\n' && c != '\t') || u == 0x7f;
  });
}

// Characters that change how the text around them is shown without being seen:
// Unicode's default-ignorable code points and format characters (bidirectional
// overrides, isolates and marks — "Trojan Source" —, zero-width spaces, the soft
// hyphen, fillers, variation selectors, tags, the combining grapheme joiner,
// shorthand, musical and hieroglyph format controls), line and paragraph
// separators (a subject line split in a mail client), C1 controls, noncharacters
// and code points Unicode has not assigned. Found from outside, list by list, in
// titles that reached e-mail subjects and in keywords; the properties come from
// ICU, so the next such character is refused too. Kept: the zero-width joiner and
// non-joiner and the emoji and text presentation selectors, which scripts and
// emoji need.
bool is_invisible(UChar32 c) {
  if (c == 0x200c || c == 0x200d || c == 0xfe0e || c == 0xfe0f) return false;
  if (c >= 0x80 && c <= 0x9f) return true;
  if (c == 0x2028 || c == 0x2029) return true;
  if ((c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe) return true;
  if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) return true;
  auto type = u_charType(c);
  return type == U_FORMAT_CHAR || type == U_UNASSIGNED;
}

bool has_invisible_chars(std::string_view text) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  int32_t length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return true;  // not UTF-8
    if (is_invisible(c)) return true;
  }
  return false;
}

}  // namespace

bool is_purpose(std::string_view text) {
  return !text.empty() && text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

Status check_text(const std::string& field, std::string_view view, std::size_t max, bool required,
                  Lines lines) {
  if (required && view.empty()) return invalid_named(field, "is required");
  if (view.size() > max) {
    return invalid_named(
        field, "is " + std::to_string(view.size()) + " bytes; at most " + std::to_string(max));
  }
  if (has_control_chars(view)) return invalid_named(field, "contains control characters");
  // A line break or tab in a name, title or keyword splits a mail's subject, a
  // table row of gosmartctl, a CSV export (outside finding M3, issue 13).
  if (lines == Lines::one && view.find_first_of("\n\t") != std::string_view::npos) {
    return invalid_named(field, "is one line: no line breaks or tabs");
  }
  if (has_invisible_chars(view)) {
    return invalid_named(field,
                         "is not UTF-8, or contains invisible formatting characters (direction "
                         "overrides, line separators, zero-width spaces)");
  }
  // Text a reader can see: a letter or digit somewhere (not only spaces, NBSP,
  // ideographic or braille blanks), and no letter buried under a stack of more
  // than four combining marks (outside finding L4, issue 13).
  const auto* bytes = reinterpret_cast<const uint8_t*>(view.data());
  int32_t length = static_cast<int32_t>(view.size());
  bool seen = false;
  int marks_in_a_row = 0;
  for (int32_t i = 0; i < length;) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (u_isalnum(c)) seen = true;
    auto type = u_charType(c);
    marks_in_a_row =
        (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK) ? marks_in_a_row + 1 : 0;
    if (marks_in_a_row > 4) return invalid_named(field, "stacks more than four combining marks");
  }
  if (!view.empty() && !seen) return invalid_named(field, "has no letter or digit");
  return {};
}

namespace {

// Required (or optional) text within a length: one line unless `lines` says many.
Status text(const FieldName& field, capnp::Text::Reader value, std::size_t max, bool required,
            Lines lines = Lines::one) {
  return check_text(field.str(), std::string_view(value.cStr(), value.size()), max, required,
                    lines);
}

Status nace_list(const char* field, capnp::List<capnp::Text>::Reader codes, bool required) {
  if (required && codes.size() == 0) return invalid(field, "at least one NACE Rev.2 code");
  if (codes.size() > 20) return invalid(field, "at most 20 codes");
  for (unsigned i = 0; i < codes.size(); ++i) {
    if (!is_nace_code(std::string_view(codes[i].cStr(), codes[i].size()))) {
      return invalid(FieldName(field, i),
                     "'" + std::string(codes[i].cStr()) +
                         "' is not a NACE Rev.2 division, group or class (e.g. 26.11)");
    }
  }
  return {};
}

bool is_slug(std::string_view text) {
  return !text.empty() && text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

Status word_list(const char* field, capnp::List<capnp::Text>::Reader words, bool slugs) {
  if (words.size() > FieldLimits::list) {
    return invalid(field, "at most " + std::to_string(FieldLimits::list) + " entries");
  }
  FieldName list(field);
  for (unsigned i = 0; i < words.size(); ++i) {
    FieldName path(list, i);
    std::string_view word(words[i].cStr(), words[i].size());
    if (slugs && !is_slug(word)) {
      return invalid(path, "'" + std::string(word) + "' is not a domain slug (a-z, 0-9, -)");
    }
    if (!slugs) {
      if (auto s = check_text(path.str(), word, FieldLimits::keyword, true, Lines::one); !s) {
        return s;
      }
    }
  }
  return {};
}

Status language(const FieldName& field, capnp::Text::Reader code,
                const ValidationContext& context) {
  std::string_view view(code.cStr(), code.size());
  if (!context.languages || !context.languages->contains(view)) {
    return invalid(field, "'" + std::string(view) + "' is not an ISO 639-1 language code");
  }
  return {};
}

Status member(const FieldName& field, capnp::Text::Reader code, const ValidationContext& context) {
  std::string_view view(code.cStr(), code.size());
  if (!is_country_code(view) ||
      std::find(context.members.begin(), context.members.end(), view) == context.members.end()) {
    return invalid(field, "'" + std::string(view) + "' is not a federation member");
  }
  return {};
}

std::string shifted_day(const std::string& today, int years, int extra_days);

// Microseconds since the epoch at 00:00 UTC of a YYYY-MM-DD day.
int64_t day_start_us(const std::string& day) {
  namespace chrono = std::chrono;
  chrono::sys_days start{chrono::year{std::stoi(day.substr(0, 4))} /
                         chrono::month{static_cast<unsigned>(std::stoi(day.substr(5, 2)))} /
                         chrono::day{static_cast<unsigned>(std::stoi(day.substr(8, 2)))}};
  return chrono::duration_cast<chrono::microseconds>(start.time_since_epoch()).count();
}

Status contact(wire::Contact::Reader c, const FieldName& path, const ValidationContext& context) {
  if (auto s = text({path, "name"}, c.getName(), FieldLimits::short_text, true); !s) return s;
  if (auto s = text({path, "role"}, c.getRole(), FieldLimits::short_text, false); !s) return s;
  if (!is_email(std::string_view(c.getEmail().cStr(), c.getEmail().size()))) {
    return invalid({path, "email"}, "not an e-mail address");
  }
  std::string_view phone(c.getPhone().cStr(), c.getPhone().size());
  bool phone_ok = phone.empty() || (phone.size() >= 5 && phone.size() <= 32 &&
                                    std::all_of(phone.begin(), phone.end(), [](char ch) {
                                      return (ch >= '0' && ch <= '9') || ch == '+' || ch == ' ' ||
                                             ch == '-' || ch == '(' || ch == ')';
                                    }));
  if (!phone_ok) return invalid({path, "phone"}, "digits, spaces, + - ( ) only; 5 to 32");
  if (c.hasPreferredLanguage()) {
    if (auto s = language({path, "preferredLanguage"}, c.getPreferredLanguage(), context); !s) {
      return s;
    }
  }
  std::string_view rhythm(c.getAlertRhythm().cStr(), c.getAlertRhythm().size());
  if (!rhythm.empty() && rhythm != "immediate" && rhythm != "daily" && rhythm != "weekly") {
    return invalid({path, "alertRhythm"}, "immediate, daily or weekly");
  }
  std::string_view channel(c.getAlertChannel().cStr(), c.getAlertChannel().size());
  if (!channel.empty() && channel != "email" && channel != "none") {
    return invalid({path, "alertChannel"}, "email or none");
  }
  auto consents = c.getConsents();
  FieldName list(path, "consents");
  if (consents.size() > 20) return invalid(list, "at most 20 consent records");
  for (unsigned i = 0; i < consents.size(); ++i) {
    FieldName cp(list, i);
    if (!is_purpose(
            std::string_view(consents[i].getPurpose().cStr(), consents[i].getPurpose().size()))) {
      return invalid({cp, "purpose"}, "1-64 of a-z, 0-9, - and _ (e.g. notifications)");
    }
    if (auto s = text({cp, "textVersion"}, consents[i].getTextVersion(), 64, true); !s) return s;
    std::string_view given(consents[i].getChannel().cStr(), consents[i].getChannel().size());
    if (!given.empty() && given != "email" && given != "webhook") {
      return invalid({cp, "channel"}, "email or webhook (lower case)");
    }
    // A record of consent is evidence (GDPR Art. 7(1)): one dated after tomorrow, or
    // withdrawn before it was given, proves nothing (outside findings, notifier wave).
    int64_t granted = consents[i].getGrantedAtUs();
    int64_t withdrawn = consents[i].getWithdrawnAtUs();
    int64_t latest = day_start_us(shifted_day(context.today, 0, 2));
    if (granted <= 0) return invalid({cp, "grantedAtUs"}, "is required");
    if (granted >= latest) return invalid({cp, "grantedAtUs"}, "lies in the future");
    if (withdrawn < 0 || (withdrawn != 0 && withdrawn < granted)) {
      return invalid({cp, "withdrawnAtUs"}, "0, or not before grantedAtUs");
    }
    if (withdrawn >= latest) return invalid({cp, "withdrawnAtUs"}, "lies in the future");
  }
  return {};
}

bool known_org_type(wire::OrgType type) {
  return type >= wire::OrgType::SME && type <= wire::OrgType::NGO;
}

// `today` plus `years` and `days`, as YYYY-MM-DD (29 February of a year without
// one becomes 1 March).
std::string shifted_day(const std::string& today, int years, int extra_days) {
  namespace chrono = std::chrono;
  int y = std::stoi(today.substr(0, 4)) + years;
  auto m = static_cast<unsigned>(std::stoi(today.substr(5, 2)));
  int d = std::stoi(today.substr(8, 2));
  chrono::sys_days first{chrono::year{y} / chrono::month{m} / chrono::day{1}};
  chrono::year_month_day out{first + chrono::days{d - 1 + extra_days}};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(out.year()),
                static_cast<unsigned>(out.month()), static_cast<unsigned>(out.day()));
  return text;
}

std::string latest_day(const std::string& today, int slack_days) {
  return shifted_day(today, 0, slack_days);
}

}  // namespace

std::string latest_expiry(const std::string& today, int slack_days) {
  return shifted_day(today, kMaxExpiryYears, slack_days);
}

Status validate_public_organisation(wire::PublicOrganisation::Reader org,
                                    const ValidationContext& context) {
  std::string country = org.getCountry();
  if (country != context.country) {
    return invalid("country", "a registry speaks for its own country (" + context.country +
                                  ") only, not '" + country + "'");
  }
  if (!is_nuts2_for(std::string_view(org.getRegion().cStr(), org.getRegion().size()), country)) {
    return invalid("region", "a NUTS 2 code of " + country);
  }
  if (!known_org_type(org.getType())) return invalid("type", "unknown organisation type");
  if (org.getSizeClass() > wire::SizeClass::LARGE)
    return invalid("sizeClass", "unknown size class");
  if (auto s = nace_list("naceCodes", org.getNaceCodes(), false); !s) return s;
  if (auto s = word_list("domains", org.getDomains(), true); !s) return s;
  auto languages = org.getLanguages();
  if (languages.size() > 10) return invalid("languages", "at most ten working languages");
  for (unsigned i = 0; i < languages.size(); ++i) {
    if (auto s = language(FieldName("languages", i), languages[i], context); !s) return s;
  }
  if (auto s = text("legalName", org.getLegalName(), FieldLimits::name, false); !s) return s;
  return {};
}

Status validate_organisation(wire::Organisation::Reader org, const ValidationContext& context) {
  if (auto s = text("legalName", org.getLegalName(), FieldLimits::name, true); !s) return s;
  if (auto s = text("registryId", org.getRegistryId(), 64, false); !s) return s;
  std::string country = org.getCountry();
  if (country != context.country) {
    return invalid("country", "this registry holds organisations of " + context.country +
                                  " only, not '" + country + "'");
  }
  if (!is_nuts2_for(std::string_view(org.getRegion().cStr(), org.getRegion().size()), country)) {
    return invalid("region", "a NUTS 2 code of " + country + " (e.g. " + country + "91)");
  }
  if (auto s = text("city", org.getCity(), FieldLimits::short_text, false); !s) return s;
  std::string_view website(org.getWebsite().cStr(), org.getWebsite().size());
  if (!website.empty() && !is_web_url(website)) {
    return invalid("website", "an http:// or https:// address");
  }
  if (!known_org_type(org.getType())) return invalid("type", "an organisation type is required");
  if (org.getHelix() > wire::Helix::CIVIL_SOCIETY) return invalid("helix", "unknown helix");
  int year = org.getYearEstablished();
  int this_year = std::stoi(context.today.substr(0, 4));
  if (year != 0 && (year < 1800 || year > this_year)) {
    return invalid("yearEstablished", "between 1800 and " + std::to_string(this_year));
  }
  if (org.getHeadcount() > 10'000'000) return invalid("headcount", "at most 10,000,000");
  if (auto s = nace_list("naceCodes", org.getNaceCodes(), true); !s) return s;
  if (auto s = word_list("domains", org.getDomains(), true); !s) return s;
  if (auto s = word_list("keywords", org.getKeywords(), false); !s) return s;
  auto languages = org.getLanguages();
  if (languages.size() == 0 || languages.size() > 10) {
    return invalid("languages", "one to ten working languages");
  }
  for (unsigned i = 0; i < languages.size(); ++i) {
    if (auto s = language(FieldName("languages", i), languages[i], context); !s) {
      return s;
    }
  }
  if (auto s =
          text("description", org.getDescription(), FieldLimits::description, false, Lines::many);
      !s) {
    return s;
  }
  auto contacts = org.getContacts();
  if (contacts.size() > FieldLimits::contacts) return invalid("contacts", "at most 20 contacts");
  std::map<std::string, unsigned> addresses;  // lower-cased -> first contact
  for (unsigned i = 0; i < contacts.size(); ++i) {
    if (auto s = contact(contacts[i], FieldName("contacts", i), context); !s) {
      return s;
    }
    // Mail systems treat addresses as one person whatever the case: two contacts
    // so spelled would each get every message (outside findings, notifier wave).
    std::string address = contacts[i].getEmail();
    std::transform(address.begin(), address.end(), address.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    auto [first, inserted] = addresses.emplace(address, i);
    if (!inserted) {
      return invalid({FieldName("contacts", i), "email"},
                     "the same address as contacts[" + std::to_string(first->second) + "]");
    }
  }
  return {};
}

Status validate_profile(wire::Profile::Reader profile, const ValidationContext& context) {
  auto kind = profile.getKind();
  if (kind < wire::ProfileKind::BUSINESS_OFFER ||
      kind > wire::ProfileKind::RESEARCH_PARTNER_REQUEST) {
    return invalid("kind", "one of BO, BR, TO, TR, RDR is required");
  }
  if (auto s = text("title", profile.getTitle(), FieldLimits::name, true); !s) return s;
  if (auto s = text("summary", profile.getSummary(), FieldLimits::summary, true, Lines::many); !s)
    return s;
  if (auto s = text("description", profile.getDescription(), FieldLimits::description, false,
                    Lines::many);
      !s) {
    return s;
  }
  if (auto s = text("advantages", profile.getAdvantages(), 4000, false, Lines::many); !s) return s;
  if (profile.getTrl() > 9) return invalid("trl", "a technology readiness level from 1 to 9");
  if (auto s = text("iprStatus", profile.getIprStatus(), FieldLimits::short_text, false); !s) {
    return s;
  }
  if (auto s = word_list("keywords", profile.getKeywords(), false); !s) return s;
  if (auto s = nace_list("naceCodes", profile.getNaceCodes(), false); !s) return s;
  if (auto s = word_list("domains", profile.getDomains(), true); !s) return s;
  auto cooperation = profile.getCooperationTypes();
  for (unsigned i = 0; i < cooperation.size(); ++i) {
    if (cooperation[i] < wire::CooperationType::COMMERCIAL_AGREEMENT ||
        cooperation[i] > wire::CooperationType::JOINT_FUNDING_APPLICATION) {
      return invalid(FieldName("cooperationTypes", i), "unknown cooperation type");
    }
  }
  auto partner_types = profile.getPartnerTypes();
  for (unsigned i = 0; i < partner_types.size(); ++i) {
    if (!known_org_type(partner_types[i])) {
      return invalid(FieldName("partnerTypes", i), "unknown organisation type");
    }
  }
  auto partner_sizes = profile.getPartnerSizes();
  for (unsigned i = 0; i < partner_sizes.size(); ++i) {
    if (partner_sizes[i] < wire::SizeClass::MICRO || partner_sizes[i] > wire::SizeClass::LARGE) {
      return invalid(FieldName("partnerSizes", i), "unknown size class");
    }
  }
  auto targets = profile.getTargetCountries();
  for (unsigned i = 0; i < targets.size(); ++i) {
    if (auto s = member(FieldName("targetCountries", i), targets[i], context); !s) {
      return s;
    }
  }
  std::string expires = profile.getExpiresOn();
  if (!is_iso_date(expires)) return invalid("expiresOn", "a date, YYYY-MM-DD");
  // expiresOn is the last day a profile is shown: today is still a valid expiry.
  if (expires < context.today && !context.migration && !context.replica) {
    return invalid("expiresOn", "must be " + context.today + " or later");
  }
  int slack_days = context.replica ? 1 : 0;
  if (std::string latest = latest_expiry(context.today, slack_days); expires > latest) {
    return invalid("expiresOn", "at most " + std::to_string(kMaxExpiryYears) + " years ahead (" +
                                    latest + "); renew instead");
  }
  std::string published = profile.getPublishedOn();
  std::string latest_published = context.replica ? latest_day(context.today, 1) : context.today;
  if (!published.empty() && (!is_iso_date(published) || published > latest_published)) {
    return invalid("publishedOn", "a date, YYYY-MM-DD, not after " + latest_published);
  }
  if (kind == wire::ProfileKind::RESEARCH_PARTNER_REQUEST) {
    auto research = profile.getResearch();
    if (auto s = text("research.call", research.getCall(), FieldLimits::name, true); !s) return s;
    // Deadlines are optional: many calls are open, and migrated requests often lack them.
    std::string call_deadline = research.getCallDeadline();
    if (!call_deadline.empty() && !is_iso_date(call_deadline)) {
      return invalid("research.callDeadline", "a date, YYYY-MM-DD, or nothing");
    }
    std::string eoi_deadline = research.getEoiDeadline();
    if (!eoi_deadline.empty() && !is_iso_date(eoi_deadline)) {
      return invalid("research.eoiDeadline", "a date, YYYY-MM-DD, or nothing");
    }
    if (research.getRoleSought() != wire::ResearchRole::COORDINATOR &&
        research.getRoleSought() != wire::ResearchRole::PARTNER) {
      return invalid("research.roleSought", "coordinator or partner");
    }
  }
  return {};
}

}  // namespace gosmart::registry
