#pragma once
// What a profile prefers of its partner (organisation types, sizes, cooperation
// types) ranks: a full fit scores 1, a partial fit between 0 and 1, none 0. Only a
// preference the profile marks as a requirement (wire::Requirement) excludes.
#include <optional>
#include <string>
#include <vector>

#include "services/matching/domain/profile_index.hpp"

namespace gosmart::matching {

// Fit of `other`'s owner type with the types `seeker` seeks: 1 a type sought, 0.5 a
// type of the same family (research institute for a university, large enterprise for
// an SME, cluster for business support, NGO for public administration), 0 else. An
// owner of unknown type fits halfway. nullopt when `seeker` seeks no type.
std::optional<double> partner_type_fit(const Doc& seeker, const Doc& other);
// Fit of `other`'s owner size: 1 a size sought, 0.5 the next class up or down, 0
// else; unknown size 0.5. nullopt when `seeker` seeks no size.
std::optional<double> partner_size_fit(const Doc& seeker, const Doc& other);
// Share of `seeker`'s cooperation types `other` also names; 0.5 when `other` names
// none (open to any). nullopt when `seeker` names none.
std::optional<double> cooperation_fit(const Doc& seeker, const Doc& other);

bool has_requirement(const Doc& doc, wire::Requirement requirement);

// The preference `seeker` marked as a requirement that `other` does not meet, if any
// (cooperation: no type in common when both name some).
std::optional<wire::Requirement> unmet_requirement(const Doc& seeker, const Doc& other);

// "TRPL1 seeks university, researchInstitute; TODK1's owner is sme" for each
// preference of `seeker` that `other` meets only in part or not at all.
void describe_unmet(const Doc& seeker, const Doc& other, std::vector<std::string>& out);

}  // namespace gosmart::matching
