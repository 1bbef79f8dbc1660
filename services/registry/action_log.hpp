#pragma once
// The broker action log: every change a caller makes, with who made it, in the
// registry's own column family (never replicated: a reason may name a person),
// written in the commit of the change it records.
#include <set>
#include <string>
#include <vector>

#include "schemas/registry.capnp.h"
#include "services/registry/registry_stage.hpp"

namespace gosmart::registry {

class ActionLog : StagedPart {
 public:
  explicit ActionLog(RegistryStage& stage) : StagedPart(stage) {}

  void record_action(const service::Request& request, const std::string& action,
                     const std::string& target, const std::string& detail = "");
  // At seal(): consecutive same changes by one caller as one entry.
  void write_actions();
  // An erasure: the free text about these records goes, who did what stays.
  Status redact_action_details(const std::set<std::string>& targets);
  Result<std::string> list_actions(const service::Request& request);

  bool has_pending() const { return !staged_actions_.empty(); }
  void lost() { staged_actions_.clear(); }

 private:
  struct PendingAction {
    int64_t at_us;
    std::string actor;
    std::string action;
    std::string detail;
    std::vector<std::string> targets;
  };
  std::vector<PendingAction> staged_actions_;
};

}  // namespace gosmart::registry
