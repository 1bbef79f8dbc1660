#pragma once
// The registry's outbox: requests to peer registries (EoI deliveries and updates),
// staged by the registry with the change that causes them and sent to each peer's
// api by the platform's outbox (common/outbox). A peer's answer to a delivery
// settles the sender's EoI (forwarded, or undeliverable with the peer's reason) in
// the same batch that removes the entry.
#include <memory>

#include "common/config/config.hpp"
#include "common/outbox/sender.hpp"
#include "common/service/commit_pipeline.hpp"
#include "common/service/loop.hpp"
#include "common/transport/transport.hpp"
#include "services/registry/registry.hpp"

namespace gosmart::registry {

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
