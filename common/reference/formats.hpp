#pragma once
// Small public formats any service checks before it stores or sends something:
// e-mail addresses, web addresses, calendar dates.
#include <string_view>

namespace gosmart::reference {

// A pragmatic address check: one @, a non-empty local part without spaces, a domain
// with a dot and no empty label; at most 254 characters.
bool is_email(std::string_view text);

// http:// or https:// followed by a host; at most 200 characters.
bool is_web_url(std::string_view text);

// A real calendar date written YYYY-MM-DD.
bool is_iso_date(std::string_view text);

}  // namespace gosmart::reference
