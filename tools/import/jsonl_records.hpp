#pragma once
// Reads JSON Lines of organisations and profiles (for teams migrating an existing
// database) into registry requests. One line, one record, one request: a record is
// stored whole or not at all. Field names are the schema's (camelCase), enums are
// their names ("sme", "technologyOffer"); an unknown field is an error, not ignored.
//
//   {"ref": "legacy-17", "organisation": {"legalName": "…", "type": "sme", …}}
//   {"ownerRef": "legacy-17", "profile": {"kind": "technologyOffer", …}, "publish": true}
//
// "ref" names an organisation within the file; "ownerRef" points a profile at it
// (or "profile.ownerId" at an organisation already in the registry).
#include <optional>
#include <string>
#include <string_view>

#include "common/core/result.hpp"
#include "common/envelope/envelope.hpp"

namespace gosmart::import {

enum class RecordKind { organisation, profile };

struct Record {
  std::size_t line = 0;
  RecordKind kind = RecordKind::organisation;
  std::string ref;        // organisations: the file's own name for it
  std::string owner_ref;  // profiles: the owner's ref in this file
  bool publish = false;   // profiles: publish after submitting (broker keys only)
  std::string payload;    // the OrgWrite or ProfileWrite struct, serialised flat
};

// The record on this line, or a Failure naming the field ("organisation.contacts[0].bogus").
Result<Record> parse_line(std::string_view line, std::size_t number);

// The request envelope for a record; `owner_id` replaces the profile's ownerId when set.
// Its message id is made from what it asks (stable_message_id), so the same file
// imported again is answered from the registry's kept replies (same ids, nothing
// stored twice) for as long as it keeps them ([limits] idempotency_retention_s, a
// day by default); after that only a registryId tells a repeat (outside findings:
// a second import of one file registered every organisation again).
std::string request_for(const Record& record, const std::string& country,
                        const std::string& owner_id = {});

// Sets the request's message id to 16 bytes of SHA-256 of `what`.
void stable_message_id(EnvelopeBuilder& request, std::string_view what);

}  // namespace gosmart::import
