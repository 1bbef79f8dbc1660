#include "services/registry/domain/classification.hpp"

#include <algorithm>
#include <cstdio>

#include "common/reference/regions.hpp"

namespace gosmart::registry {

using reference::is_country_code;

wire::SizeClass size_class(uint32_t headcount, uint64_t turnover_eur, uint64_t balance_eur) {
  if (headcount == 0 && turnover_eur == 0 && balance_eur == 0) return wire::SizeClass::UNKNOWN;
  constexpr uint64_t million = 1'000'000;
  auto within = [&](uint64_t turnover_cap, uint64_t balance_cap) {
    return turnover_eur <= turnover_cap || balance_eur <= balance_cap;
  };
  if (headcount < 10 && within(2 * million, 2 * million)) return wire::SizeClass::MICRO;
  if (headcount < 50 && within(10 * million, 10 * million)) return wire::SizeClass::SMALL;
  if (headcount < 250 && within(50 * million, 43 * million)) return wire::SizeClass::MEDIUM;
  return wire::SizeClass::LARGE;
}

wire::Helix helix_of(wire::OrgType type) {
  switch (type) {
    case wire::OrgType::SME:
    case wire::OrgType::LARGE_ENTERPRISE:
    case wire::OrgType::CLUSTER:
    case wire::OrgType::BUSINESS_SUPPORT:
      return wire::Helix::BUSINESS;
    case wire::OrgType::RESEARCH_INSTITUTE:
    case wire::OrgType::UNIVERSITY:
      return wire::Helix::RESEARCH;
    case wire::OrgType::PUBLIC_ADMINISTRATION:
      return wire::Helix::GOVERNMENT;
    case wire::OrgType::NGO:
      return wire::Helix::CIVIL_SOCIETY;
    default:
      return wire::Helix::UNKNOWN;
  }
}

std::string_view kind_code(wire::ProfileKind kind) {
  switch (kind) {
    case wire::ProfileKind::BUSINESS_OFFER:
      return "BO";
    case wire::ProfileKind::BUSINESS_REQUEST:
      return "BR";
    case wire::ProfileKind::TECHNOLOGY_OFFER:
      return "TO";
    case wire::ProfileKind::TECHNOLOGY_REQUEST:
      return "TR";
    case wire::ProfileKind::RESEARCH_PARTNER_REQUEST:
      return "RDR";
    default:
      return "";
  }
}

std::string profile_reference(wire::ProfileKind kind, std::string_view country,
                              std::string_view yyyymmdd, uint32_t number) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%03u", number);
  std::string out(kind_code(kind));
  out.append(country);
  out.append(yyyymmdd);
  out.append(digits);
  return out;
}

std::optional<ParsedReference> parse_profile_reference(std::string_view reference) {
  static const wire::ProfileKind kinds[] = {
      wire::ProfileKind::RESEARCH_PARTNER_REQUEST, wire::ProfileKind::BUSINESS_OFFER,
      wire::ProfileKind::BUSINESS_REQUEST, wire::ProfileKind::TECHNOLOGY_OFFER,
      wire::ProfileKind::TECHNOLOGY_REQUEST};
  for (auto kind : kinds) {
    auto code = kind_code(kind);
    if (reference.rfind(code, 0) != 0) continue;
    auto rest = reference.substr(code.size());
    if (rest.size() < 2 + 8 + 3 || rest.size() > 2 + 8 + 9) return std::nullopt;
    ParsedReference parsed{kind, std::string(rest.substr(0, 2)), std::string(rest.substr(2, 8)), 0};
    if (!is_country_code(parsed.country)) return std::nullopt;
    auto digits = rest.substr(2);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    parsed.number = static_cast<uint32_t>(std::stoul(std::string(rest.substr(10))));
    return parsed;
  }
  return std::nullopt;
}

std::string organisation_id(std::string_view country, uint64_t sequence) {
  std::string number = std::to_string(sequence);
  std::string id;
  id.reserve(country.size() + 1 + std::max<std::size_t>(6, number.size()));
  id.append(country).push_back('-');
  if (number.size() < 6) id.append(6 - number.size(), '0');
  id.append(number);
  return id;
}

bool is_organisation_id(std::string_view id) {
  if (id.size() < 9 || id.size() > 23 || id[2] != '-' || !is_country_code(id.substr(0, 2))) {
    return false;
  }
  return std::all_of(id.begin() + 3, id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace gosmart::registry
