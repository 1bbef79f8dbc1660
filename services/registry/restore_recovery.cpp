#include "services/registry/restore_recovery.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "schemas/platform.capnp.h"

namespace gosmart::registry {
namespace {

// What peers must agree on: a real event byte for byte; a placeholder by what it
// stands for (each peer redacts or passes over its own copy, with its own message id).
Result<std::string> vote_key(const std::string& bytes, const std::string& origin, uint64_t seq,
                             const EnvelopeLimits& limits) {
  auto event =
      decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, limits);
  if (!event) return event.error();
  const auto& header = event.value().header();
  if (header.origin_country != origin || header.origin_seq != seq) {
    return fail(ErrorCode::INVALID_FIELD, "not the event asked for", "originSeq");
  }
  if (header.type == wire_type(wire::PLATFORM_REDACTED)) {
    return guarded([&]() -> Result<std::string> {
      return "redacted|" + std::string(event.value().payload<wire::Redacted>().getType().cStr());
    });
  }
  if (header.type == wire_type(wire::PLATFORM_PASSED_OVER)) {
    return guarded([&]() -> Result<std::string> {
      return "passed_over|" +
             std::string(event.value().payload<wire::PassedOver>().getType().cStr());
    });
  }
  return "event|" + bytes;
}

}  // namespace

RestoreRecovery::RestoreRecovery(Registry& registry, replication::EventLog& log,
                                 service::CommitPipeline& commits, Options options)
    : registry_(registry), log_(log), commits_(commits), options_(std::move(options)) {}

void RestoreRecovery::add_peer(const std::string& country, transport::Transport& transport,
                               const config::Endpoints& endpoints, const std::string& key,
                               const replication::Subscriber& stream) {
  auto peer = std::make_unique<Peer>();
  peer->country = country;
  peer->sync = transport.connect(zmq::socket_type::dealer, endpoints.sync, key);
  peer->stream = &stream;
  peers_.push_back(std::move(peer));
}

void RestoreRecovery::attach(service::Loop& loop) {
  for (auto& peer : peers_) {
    Peer* p = peer.get();
    loop.on_readable(p->sync, [this, p] { on_readable(*p); });
  }
  loop.every(std::chrono::milliseconds(200), [this] { tick(); });
}

void RestoreRecovery::start() {
  if (!peers_.empty()) ask();
}

uint64_t RestoreRecovery::peers_head() const {
  uint64_t head = 0;
  for (const auto& peer : peers_) {
    head = std::max(head, peer->stream->heard_head(log_.origin()).value_or(0));
  }
  return head;
}

uint64_t RestoreRecovery::majority_head() const {
  if (peers_.empty()) return 0;
  std::vector<uint64_t> heads;
  for (const auto& peer : peers_) {
    heads.push_back(peer->stream->heard_head(log_.origin()).value_or(0));
  }
  // The highest head that more than half of all peers hold at least.
  auto k = heads.size() / 2;
  std::nth_element(heads.begin(), heads.begin() + static_cast<std::ptrdiff_t>(k), heads.end(),
                   std::greater<>());
  return heads[k];
}

void RestoreRecovery::tick() {
  if (round_landing_) return;
  if (round_open_) {
    if (transport::Clock::now() >= round_deadline_) decide();
    return;
  }
  // Heartbeats: more than half of all peers hold more of this registry's own events
  // than it does (one peer alone, perhaps hostile, never pauses it). After a
  // recovery that could not take everything back (no majority), only a higher head
  // starts another.
  uint64_t heard = majority_head();
  if (heard > log_.head(log_.origin()) && heard > peers_head_seen_) {
    if (state_ != State::recovering) {
      head_before_ = log_.head(log_.origin());
      state_ = State::recovering;
      registry_.pause_writes(true);
      spdlog::warn(
          "restore: peers hold events of {} up to #{}, this registry up to #{} (restored "
          "from a backup?): writes paused while they are fetched back",
          log_.origin(), heard, head_before_);
    }
    ask();
  }
}

void RestoreRecovery::ask() {
  round_after_ = log_.staged_head(log_.origin());
  EnvelopeBuilder builder(log_.origin(), wire::Service::REGISTRY,
                          wire_type(wire::PLATFORM_CATCHUP_REQUEST));
  auto request = builder.init_payload<wire::CatchupRequest>();
  request.setOrigin(log_.origin());
  request.setAfterSeq(round_after_);
  request.setMaxEvents(static_cast<uint32_t>(options_.page_events));
  std::string bytes = builder.encode();
  for (auto& peer : peers_) {
    peer->events.clear();
    peer->answered = false;
    // Not connected (its registry is down): it is not reachable this round.
    peer->asked = peer->sync.send(zmq::buffer(bytes), zmq::send_flags::dontwait).has_value();
  }
  round_open_ = true;
  round_deadline_ = transport::Clock::now() + options_.answer_timeout;
  if (std::none_of(peers_.begin(), peers_.end(), [](const auto& p) { return p->asked; })) {
    decide();
  }
}

void RestoreRecovery::on_readable(Peer& peer) {
  for (int budget = 0; budget < 16; ++budget) {
    zmq::message_t frame;
    if (!peer.sync.recv(frame, zmq::recv_flags::dontwait)) return;
    while (frame.more()) (void)peer.sync.recv(frame);
    if (!round_open_ || !peer.asked || peer.answered) continue;  // a late page
    auto decoded = decode_envelope({frame.data<uint8_t>(), frame.size()}, options_.limits);
    if (!decoded || decoded.value().header().type != wire_type(wire::PLATFORM_CATCHUP_PAGE))
      continue;
    auto read = guarded([&]() -> Status {
      auto page = decoded.value().payload<wire::CatchupPage>();
      if (std::string(page.getOrigin().cStr()) != log_.origin() ||
          page.getAfterSeq() != round_after_) {
        return fail(ErrorCode::INVALID_FIELD, "not the page asked for", "afterSeq");
      }
      pages_head_ = std::max(pages_head_, page.getWriterLastSeq());
      for (auto event : page.getEvents()) {
        peer.events.emplace_back(reinterpret_cast<const char*>(event.begin()), event.size());
      }
      return {};
    });
    if (!read) {
      peer.events.clear();
      continue;
    }
    peer.answered = true;
    bool all = std::all_of(peers_.begin(), peers_.end(),
                           [](const auto& p) { return !p->asked || p->answered; });
    if (all) decide();
  }
}

void RestoreRecovery::decide() {
  round_open_ = false;
  std::size_t reachable = 0;
  for (const auto& peer : peers_) reachable += peer->answered ? 1 : 0;
  // A write slipped in before the first answer (the probe at start does not pause):
  // this round's numbers are taken already; the next asks from the new head.
  if (log_.staged_head(log_.origin()) != round_after_ || reachable == 0) {
    finish();
    return;
  }
  std::vector<std::string> taken;
  for (std::size_t i = 0;; ++i) {
    uint64_t seq = round_after_ + i + 1;
    std::map<std::string, std::pair<std::size_t, const std::string*>> votes;
    for (const auto& peer : peers_) {
      if (!peer->answered || i >= peer->events.size()) continue;
      auto key = vote_key(peer->events[i], log_.origin(), seq, options_.limits);
      if (!key) continue;
      auto& vote = votes[key.value()];
      ++vote.first;
      vote.second = &peer->events[i];
    }
    auto best = std::max_element(votes.begin(), votes.end(), [](const auto& a, const auto& b) {
      return a.second.first < b.second.first;
    });
    // More than half of ALL peers, not of those that answered: one peer alone (the
    // others down, or a hostile one answering first) never writes this history.
    if (best == votes.end() || best->second.first * 2 <= peers_.size()) break;
    std::size_t voters = 0;
    for (const auto& [key, vote] : votes) voters += vote.first;
    if (voters > best->second.first) {
      outvoted_ += voters - best->second.first;
      spdlog::warn("restore: {} #{}: {} of {} peers sent other content, outvoted", log_.origin(),
                   seq, voters - best->second.first, reachable);
    }
    taken.push_back(*best->second.second);
  }
  if (taken.empty()) {
    finish();
    return;
  }
  if (state_ != State::recovering) {
    head_before_ = round_after_;
    state_ = State::recovering;
    registry_.pause_writes(true);
    spdlog::warn(
        "restore: peers hold events of {} past #{}, the head here (restored from a backup?): "
        "writes paused while they are fetched back",
        log_.origin(), round_after_);
  }
  for (const auto& bytes : taken) {
    auto event = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                                 options_.limits);
    if (!event) break;  // decoded once already, in the vote
    auto restored = guarded([&]() -> Status { return registry_.restore_own_event(event.value()); });
    if (!restored) {
      spdlog::error("restore: {} #{} taken back, its records not rebuilt: {}", log_.origin(),
                    event.value().header().origin_seq, describe(restored.error()));
    }
    ++recovered_events_;
  }
  round_landing_ = true;
  commits_.after_durable([this](bool stored) { round_landed(stored); });
  commits_.flush();
}

void RestoreRecovery::round_landed(bool stored) {
  round_landing_ = false;
  if (!stored) {
    spdlog::error("restore: events fetched back were not stored; asking again");
  }
  ask();
}

void RestoreRecovery::finish() {
  uint64_t head = log_.head(log_.origin());
  uint64_t heard = peers_head();
  peers_head_seen_ = std::max(peers_head_seen_, heard);
  if (state_ != State::recovering) return;  // the probe found nothing to take back
  state_ = State::recovered;
  peers_head_at_finish_ = std::max({heard, pages_head_, head});
  registry_.pause_writes(false);
  spdlog::warn(
      "restore: {} was at #{}; #{}..#{} ({} events) fetched back from its peers, writes resume "
      "at #{}; {} organisations rebuilt from public events lost their private part "
      "(contacts, registry id), and whatever this registry held of that range unpublished "
      "is lost{}",
      log_.origin(), head_before_, head_before_ + 1, head, recovered_events_, head + 1,
      registry_.restored_public_only(),
      peers_head_at_finish_ > head
          ? fmt::format("; #{}..#{} that peers hold were not agreed on by a majority", head + 1,
                        peers_head_at_finish_)
          : std::string());
}

bool RestoreRecovery::fill(wire::HealthReply::Builder& health) const {
  if (state_ == State::idle) return true;
  auto out = health.initRestore();
  out.setState(state_ == State::recovering ? wire::RestoreStatus::State::RECOVERING
                                           : wire::RestoreStatus::State::RECOVERED);
  out.setHeadBefore(head_before_);
  out.setPeersHead(state_ == State::recovered ? peers_head_at_finish_
                                              : std::max(pages_head_, peers_head()));
  out.setRecoveredTo(head_before_ + recovered_events_);
  out.setRecoveredEvents(recovered_events_);
  out.setLostRecords(registry_.restored_public_only());
  return state_ != State::recovering;
}

}  // namespace gosmart::registry
