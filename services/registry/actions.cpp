// The broker action log: every change a caller makes, with who made it, in the
// registry's own column family (never replicated: a reason may name a person).
#include <capnp/message.h>

#include <algorithm>

#include "common/reference/text.hpp"
#include "common/store/capnp_value.hpp"
#include "common/store/keys.hpp"
#include "services/registry/action_log.hpp"

namespace gosmart::registry {

using reference::text_of;

namespace {

bool names_target(wire::BrokerAction::Reader entry, const std::string& target) {
  if (text_of(entry.getTarget()) == target) return true;
  for (auto each : entry.getTargets()) {
    if (std::string_view(each.cStr(), each.size()) == target) return true;
  }
  return false;
}

}  // namespace

void ActionLog::record_action(const service::Request& request, const std::string& action,
                              const std::string& target, const std::string& detail) {
  std::string actor = request.caller.user_id();
  if (!staged_actions_.empty() && detail.empty()) {
    auto& last = staged_actions_.back();
    if (last.detail.empty() && last.action == action && last.actor == actor) {
      last.targets.push_back(target);
      return;
    }
  }
  staged_actions_.push_back({now_us(), std::move(actor), action, detail, {target}});
}

void ActionLog::write_actions() {
  // A bulk import is thousands of the same change by one caller: one entry per run
  // of them in a commit, not one each (an entry each cost a tenth of the ingest
  // rate). Runs never span another action, so the log keeps its order.
  for (const auto& pending : staged_actions_) {
    uint64_t seq = next_counter("action_seq");
    ScratchMessage message;
    auto entry = message.initRoot<wire::BrokerAction>();
    entry.setSeq(seq);
    entry.setAtUs(pending.at_us);
    entry.setActor(pending.actor);
    entry.setAction(pending.action);
    entry.setTarget(pending.targets.front());
    entry.setDetail(pending.detail);
    if (pending.targets.size() > 1) {
      auto targets = entry.initTargets(static_cast<unsigned>(pending.targets.size()));
      for (unsigned i = 0; i < pending.targets.size(); ++i) targets.set(i, pending.targets[i]);
    }
    batch_.put_unread(store_.cf(kActions), store::keys::u64(seq), store::to_bytes(message));
  }
  staged_actions_.clear();
}

Status ActionLog::redact_action_details(const std::set<std::string>& targets) {
  // Who did what and when stays (the broker's record); the free text about an
  // erased organisation's records (revision comments, reasons) goes with it.
  auto it = store_.iterate(store_.cf(kActions));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto entry = store::StoredValue<wire::BrokerAction>::parse(it->value().ToString());
    if (!entry || entry->get().getDetail().size() == 0) continue;
    bool concerned = false;
    for (const auto& target : targets) concerned = concerned || names_target(entry->get(), target);
    if (!concerned) continue;
    ScratchMessage message;
    message.setRoot(entry->get());
    message.getRoot<wire::BrokerAction>().setDetail("[erased]");
    batch_.put(store_.cf(kActions), it->key().ToString(), store::to_bytes(message));
  }
  if (!it->status().ok()) {
    return fail(ErrorCode::INTERNAL, "action log read failed: " + it->status().ToString());
  }
  for (auto& pending : staged_actions_) {
    for (const auto& target : targets) {
      if (std::find(pending.targets.begin(), pending.targets.end(), target) !=
          pending.targets.end()) {
        pending.detail = pending.detail.empty() ? "" : "[erased]";
      }
    }
  }
  return {};
}

Result<std::string> ActionLog::list_actions(const service::Request& request) {
  auto query = request.envelope.payload<wire::ActionQuery>();
  uint32_t limit = query.getLimit() == 0 ? 100 : std::min(query.getLimit(), options_.max_page);
  std::string target = text_of(query.getTarget());
  std::string actor = text_of(query.getActor());
  std::vector<std::string> found;
  std::size_t found_bytes = 0;
  uint64_t next_before = 0;
  auto it = store_.iterate(store_.cf(kActions));
  if (query.getBeforeSeq() == 0) {
    it->SeekToLast();
  } else {
    it->SeekForPrev(store::keys::u64(query.getBeforeSeq() - 1));
  }
  for (; it->Valid(); it->Prev()) {
    auto entry = store::StoredValue<wire::BrokerAction>::parse(it->value().ToString());
    if (!entry) continue;
    auto e = entry->get();
    if (!target.empty() && !names_target(e, target)) continue;
    if (!actor.empty() && text_of(e.getActor()) != actor) continue;
    // Cut to fit, but never empty: one entry is bounded well below the limit.
    if (found.size() == limit ||
        (!found.empty() && found_bytes + it->value().size() > options_.max_page_bytes)) {
      next_before = e.getSeq() + 1;
      break;
    }
    found_bytes += it->value().size();
    found.push_back(it->value().ToString());
  }
  auto reply = service::make_reply(info_, request, wire_type(wire::REGISTRY_ACTIONS_PAGE));
  auto page = reply.init_payload<wire::ActionPage>();
  auto actions = page.initActions(static_cast<unsigned>(found.size()));
  for (unsigned i = 0; i < found.size(); ++i) {
    auto entry = store::StoredValue<wire::BrokerAction>::parse(found[i]);
    if (entry) actions.setWithCaveats(i, entry->get());
  }
  page.setNextBeforeSeq(next_before);
  return reply.encode();
}

}  // namespace gosmart::registry
