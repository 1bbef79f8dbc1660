#pragma once
// Organisations of this registry's country: registration and update (derived
// fields, the national id index), contact preferences, reads and scans.
#include <optional>
#include <string>

#include "common/store/capnp_value.hpp"
#include "schemas/registry.capnp.h"
#include "services/registry/action_log.hpp"
#include "services/registry/national_id_index.hpp"
#include "services/registry/registry_stage.hpp"

namespace gosmart::registry {

class Organisations : StagedPart {
 public:
  // Counts the organisations and builds or completes the national id index.
  Organisations(RegistryStage& stage, ActionLog& actions);

  Result<std::string> register_org(const service::Request& request, bool update);
  Result<std::string> get_org(const service::Request& request);
  Result<std::string> set_contact_preferences(const service::Request& request);
  Result<std::string> list_orgs(const service::Request& request);

  // The organisation of this registry, if the caller may act for it.
  Result<store::StoredValue<wire::Organisation>> org_for(const service::Request& request,
                                                         const std::string& id, const char* field);
  void index_national_id(const std::string& old_registry_id, wire::Organisation::Reader org);
  void emit_org_public(wire::Organisation::Reader org);

 private:
  // The organisation that already has `org`'s national registry id, if another does.
  Result<std::optional<std::string>> national_id_holder(wire::Organisation::Reader org,
                                                        const std::string& id);
  static void keep_contacts_choices(wire::Organisation::Reader old,
                                    wire::Organisation::Builder org);
  ActionLog& actions_;
  NationalIdIndex national_ids_;
};

// Brokers act for every organisation of their node; an integration (a partner's
// portal) only for those it registered.
Status may_act_for(const transport::Identity& caller, wire::Organisation::Reader org);
bool sees_contacts(const transport::Identity& caller, wire::Organisation::Reader org);

// Copies the public classification of an organisation (name only when `named`).
void fill_public(wire::PublicOrganisation::Builder out, wire::Organisation::Reader org, bool named);

}  // namespace gosmart::registry
