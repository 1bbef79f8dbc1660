#pragma once
// Cooperation profiles of this registry's country: submission, the brokered
// lifecycle, expiry, reads and scans (peers' replicas too, as they are shown here).
#include <string>

#include "services/registry/action_log.hpp"
#include "services/registry/organisations.hpp"
#include "services/registry/registry_stage.hpp"

namespace gosmart::registry {

class Profiles : StagedPart {
 public:
  Profiles(RegistryStage& stage, Organisations& orgs, ActionLog& actions)
      : StagedPart(stage), orgs_(orgs), actions_(actions) {}

  Result<std::string> submit_profile(const service::Request& request);
  Result<std::string> transition_profile(const service::Request& request);
  Result<std::string> get_profile(const service::Request& request);
  Result<std::string> list_profiles(const service::Request& request);
  // Published profiles whose expiry date has passed become expired (into the
  // current batch); returns how many.
  std::size_t expire_due();
  void fill_owner(wire::PublicOrganisation::Builder out, wire::Profile::Reader profile, bool own);

  // Own profiles are written through these, which keep the published count.
  void put_profile(const std::string& id, capnp::MallocMessageBuilder& message);
  void delete_profile(const std::string& id);

 private:
  bool own_published(const std::string& id) const;
  void emit_status(wire::Profile::Reader profile);
  void emit_published(wire::Profile::Reader profile, wire::Organisation::Reader owner);

  Organisations& orgs_;
  ActionLog& actions_;
};

}  // namespace gosmart::registry
