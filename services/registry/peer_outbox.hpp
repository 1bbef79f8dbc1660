#pragma once
// The registry's outbox: requests to peer registries (EoI deliveries and updates),
// staged by the registry with the change that causes them and sent to each peer's
// api by the platform's outbox (common/outbox). A peer's answer to a delivery
// settles the sender's EoI (forwarded, or undeliverable with the peer's reason) in
// the same batch that removes the entry. Only an ack naming the EoI sent settles
// it as taken: any other answer is a refusal (undeliverable, with why).
#include <memory>
#include <optional>
#include <string>

#include "common/config/config.hpp"
#include "common/outbox/sender.hpp"
#include "common/service/commit_pipeline.hpp"
#include "common/service/loop.hpp"
#include "common/transport/transport.hpp"
#include "services/registry/registry.hpp"

namespace gosmart::registry {

// Why a peer's `reply` (not an error) does not acknowledge the EoI that `request`
// delivered or updated: another type, or an ack naming another EoI; nothing if it
// does (or the request is not about an EoI).
std::optional<std::string> eoi_ack_mismatch(const DecodedEnvelope& request,
                                            const DecodedEnvelope& reply);

class PeerOutbox : public outbox::Owner {
 public:
  // One courier per peer with a registry api in `node`.
  PeerOutbox(Registry& registry, service::CommitPipeline& commits, transport::Transport& transport,
             const config::NodeConfig& node);
  void attach(service::Loop& loop) { sender_.attach(loop); }

  rocksdb::WriteBatchBase& staging() override;
  void settle(const outbox::Entry& entry, const outbox::Settlement& settlement) override;
  void commit(std::function<void(bool stored)> done) override;

 private:
  Registry& registry_;
  service::CommitPipeline& commits_;
  outbox::Sender sender_;
};

}  // namespace gosmart::registry
