#include "services/matching/domain/preferences.hpp"

#include <capnp/schema.h>

#include <bit>

namespace gosmart::matching {

namespace {

using Type = wire::OrgType;

bool has_bit(uint32_t mask, unsigned bit) {
  return bit < 32 && (mask & (1u << bit)) != 0;
}

// Organisation types a partner seeking one of them would most readily accept instead.
int family(unsigned type) {
  switch (static_cast<Type>(type)) {
    case Type::SME:
    case Type::LARGE_ENTERPRISE:
      return 1;
    case Type::RESEARCH_INSTITUTE:
    case Type::UNIVERSITY:
      return 2;
    case Type::BUSINESS_SUPPORT:
    case Type::CLUSTER:
      return 3;
    case Type::PUBLIC_ADMINISTRATION:
    case Type::NGO:
      return 4;
    default:
      return 0;
  }
}

template <class Enum>
std::string enum_names(uint32_t mask) {
  auto enumerants = capnp::Schema::from<Enum>().getEnumerants();
  std::string out;
  for (unsigned bit = 1; bit < enumerants.size() && bit < 32; ++bit) {
    if (!has_bit(mask, bit)) continue;
    if (!out.empty()) out += ", ";
    out += enumerants[bit].getProto().getName().cStr();
  }
  return out;
}

template <class Enum>
std::string enum_name(unsigned value) {
  auto enumerants = capnp::Schema::from<Enum>().getEnumerants();
  return value < enumerants.size() ? enumerants[value].getProto().getName().cStr() : "unknown";
}

}  // namespace

std::optional<double> partner_type_fit(const Doc& seeker, const Doc& other) {
  if (seeker.partner_types_mask == 0) return std::nullopt;
  if (other.owner_type == 0) return 0.5;
  if (has_bit(seeker.partner_types_mask, other.owner_type)) return 1.0;
  int theirs = family(other.owner_type);
  for (unsigned bit = 1; bit < 16; ++bit) {
    if (has_bit(seeker.partner_types_mask, bit) && family(bit) == theirs && theirs != 0) {
      return 0.5;
    }
  }
  return 0.0;
}

std::optional<double> partner_size_fit(const Doc& seeker, const Doc& other) {
  if (seeker.partner_sizes_mask == 0) return std::nullopt;
  if (other.owner_size == 0) return 0.5;
  if (has_bit(seeker.partner_sizes_mask, other.owner_size)) return 1.0;
  if (has_bit(seeker.partner_sizes_mask, other.owner_size + 1u) ||
      (other.owner_size > 1 && has_bit(seeker.partner_sizes_mask, other.owner_size - 1u))) {
    return 0.5;
  }
  return 0.0;
}

std::optional<double> cooperation_fit(const Doc& seeker, const Doc& other) {
  if (seeker.cooperation_mask == 0) return std::nullopt;
  if (other.cooperation_mask == 0) return 0.5;
  auto shared =
      std::popcount(static_cast<unsigned>(seeker.cooperation_mask & other.cooperation_mask));
  return static_cast<double>(shared) /
         std::popcount(static_cast<unsigned>(seeker.cooperation_mask));
}

bool has_requirement(const Doc& doc, wire::Requirement requirement) {
  return has_bit(doc.required_mask, static_cast<unsigned>(requirement));
}

std::optional<wire::Requirement> unmet_requirement(const Doc& seeker, const Doc& other) {
  using R = wire::Requirement;
  if (has_requirement(seeker, R::PARTNER_TYPES) && seeker.partner_types_mask != 0 &&
      !has_bit(seeker.partner_types_mask, other.owner_type)) {
    return R::PARTNER_TYPES;
  }
  // An owner of unknown size is not refused: its size is not known to differ.
  if (has_requirement(seeker, R::PARTNER_SIZES) && seeker.partner_sizes_mask != 0 &&
      other.owner_size != 0 && !has_bit(seeker.partner_sizes_mask, other.owner_size)) {
    return R::PARTNER_SIZES;
  }
  if (has_requirement(seeker, R::COOPERATION_TYPES) && seeker.cooperation_mask != 0 &&
      other.cooperation_mask != 0 && (seeker.cooperation_mask & other.cooperation_mask) == 0) {
    return R::COOPERATION_TYPES;
  }
  return std::nullopt;
}

void describe_unmet(const Doc& seeker, const Doc& other, std::vector<std::string>& out) {
  auto marked = [&](wire::Requirement r) {
    return has_requirement(seeker, r) ? " (required)" : "";
  };
  if (auto fit = partner_type_fit(seeker, other); fit && *fit < 1) {
    out.push_back(seeker.profile_id + " seeks " +
                  enum_names<wire::OrgType>(seeker.partner_types_mask) +
                  marked(wire::Requirement::PARTNER_TYPES) + "; " + other.profile_id +
                  "'s owner is " + enum_name<wire::OrgType>(other.owner_type));
  }
  if (auto fit = partner_size_fit(seeker, other); fit && *fit < 1) {
    out.push_back(seeker.profile_id + " seeks size " +
                  enum_names<wire::SizeClass>(seeker.partner_sizes_mask) +
                  marked(wire::Requirement::PARTNER_SIZES) + "; " + other.profile_id +
                  "'s owner is " + enum_name<wire::SizeClass>(other.owner_size));
  }
  if (auto fit = cooperation_fit(seeker, other); fit && *fit < 1) {
    out.push_back(
        seeker.profile_id + " seeks " + enum_names<wire::CooperationType>(seeker.cooperation_mask) +
        marked(wire::Requirement::COOPERATION_TYPES) + "; " + other.profile_id + " offers " +
        (other.cooperation_mask == 0 ? std::string("any")
                                     : enum_names<wire::CooperationType>(other.cooperation_mask)));
  }
}

}  // namespace gosmart::matching
