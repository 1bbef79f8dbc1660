#pragma once
// Expressions of interest: an organisation of this registry's country expresses
// interest in a published profile of another country (or in an organisation). The
// two registries exchange the EoI through each other's api (role peer), store and
// forward through the outbox until acknowledged. Contacts cross only after the
// owner accepts.
#include <functional>
#include <set>
#include <string>

#include "common/logging/rate_limited_log.hpp"
#include "services/registry/action_log.hpp"
#include "services/registry/organisations.hpp"
#include "services/registry/registry_stage.hpp"

namespace gosmart::registry {

class Eois : StagedPart {
 public:
  Eois(RegistryStage& stage, Organisations& orgs, ActionLog& actions)
      : StagedPart(stage), orgs_(orgs), actions_(actions) {}

  Result<std::string> send_eoi(const service::Request& request);
  Result<std::string> answer_eoi(const service::Request& request);
  Result<std::string> advance_eoi(const service::Request& request);
  Result<std::string> get_eoi(const service::Request& request);
  Result<std::string> peer_deliver(const service::Request& request);
  Result<std::string> peer_update(const service::Request& request);
  // The owner's registry has stored a delivered EoI: on the sender's side it is forwarded.
  void delivered(const std::string& eoi_id);
  // The owner's registry refused it for good (the profile was withdrawn meanwhile,
  // say): the sender's EoI is closed as undeliverable, with the reason, and an
  // event tells the sender's notifier.
  void undeliverable(const std::string& eoi_id, const std::string& reason);

  // Names the organisations of this registry whose contacts an EoI write's reply
  // carries (its sender, its profile's owner), so that their erasure drops its kept copy.
  Result<std::string> eoi_reply_concerns(const service::Request& request,
                                         Result<std::string> reply);

  // Removes an erased organisation's personal data from every EoI it is a party to
  // (as sender, or as owner of one of `profile_ids`), stored or waiting in the
  // outbox for a peer; returns how many records were rewritten.
  using Rewrite = std::function<void(rocksdb::ColumnFamilyHandle* cf, const std::string& key,
                                     std::string bytes)>;
  std::size_t forget_eoi_party(const std::string& country, const std::string& org_id,
                               const std::set<std::string>& profile_ids, const Rewrite& put);

 private:
  // delivered() and undeliverable(): the sender's EoI, while still submitted,
  // takes `outcome`.
  void settle_delivery(const std::string& eoi_id, wire::EoiStatus outcome,
                       const std::string& reason);
  void enqueue_peer(const std::string& country, std::string_view type,
                    wire::ExpressionOfInterest::Reader eoi);
  void store_eoi(capnp::MallocMessageBuilder& message, const std::string& local_org,
                 std::string_view event_type);
  void fill_contact(wire::EoiContact::Builder out, const std::string& org_id);
  std::string local_party(wire::ExpressionOfInterest::Reader eoi);
  Result<std::string> profile_subject(const std::string& profile_id);
  Result<std::string> org_subject(wire::EoiSend::Reader ask, const std::string& sender_id);
  Result<std::string> delivery_subject(wire::ExpressionOfInterest::Reader incoming);
  Result<store::StoredValue<wire::ExpressionOfInterest>> load_eoi(const std::string& id,
                                                                  const char* field);
  // Whether `sender_id` may have one more open EoI on `profile_id`: none open on
  // it yet, and fewer than max_open_eois in all (either side: sent or received).
  Status room_for_eoi(const std::string& sender_id, const std::string& profile_id,
                      const char* field_prefix);
  Result<std::string> eoi_reply(const service::Request& request,
                                wire::ExpressionOfInterest::Reader eoi);

  Organisations& orgs_;
  ActionLog& actions_;
  // A peer's refused deliveries and updates, one line per peer per interval: a peer
  // can send them at its own rate (outside finding N7 of issue 11).
  logging::RateLimitedLog refusal_log_;
};

}  // namespace gosmart::registry
