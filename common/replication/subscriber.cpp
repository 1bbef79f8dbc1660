#include "common/replication/subscriber.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/core/break_point.hpp"
#include "common/core/crash_point.hpp"
#include "common/reference/regions.hpp"
#include "common/replication/event_frame.hpp"
#include "common/replication/event_log.hpp"
#include "common/store/keys.hpp"
#include "schemas/platform.capnp.h"

namespace gosmart::replication {

Subscriber::Subscriber(store::Store& store, zmq::socket_t& events, zmq::socket_t& sync,
                       Applier& applier, SubscriberOptions options)
    : store_(store),
      events_(events),
      sync_(sync),
      applier_(applier),
      options_(std::move(options)),
      cursor_cf_(store.cf(options_.cursor_column_family)),
      writer_(options_.evasive_after, options_.expired_after) {
  auto it = store_.iterate(cursor_cf_);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto seq = store::keys::read_u64(std::string_view(it->value().data(), it->value().size()));
    std::string origin = it->key().ToString();
    if (seq && accepts(origin)) state(origin).cursor = *seq;
  }
}

bool Subscriber::accepts(const std::string& origin) const {
  if (GOSMART_BREAK_POINT("replication.accept_any_origin")) return true;
  if (!reference::is_country_code(origin)) return false;
  return options_.origins.empty() || options_.origins.count(origin) > 0;
}

Subscriber::OriginState& Subscriber::state(const std::string& origin) {
  auto [it, created] = origins_.try_emplace(origin);
  if (created)
    it->second.backoff = transport::Backoff(options_.min_retry_gap, options_.max_retry_gap);
  return it->second;
}

uint64_t Subscriber::cursor(const std::string& origin) const {
  auto it = origins_.find(origin);
  return it == origins_.end() ? 0 : it->second.cursor;
}

std::map<std::string, uint64_t> Subscriber::cursors() const {
  std::map<std::string, uint64_t> out;
  for (const auto& [origin, st] : origins_) out[origin] = st.cursor;
  return out;
}

uint64_t Subscriber::writer_head(const std::string& origin) const {
  auto it = origins_.find(origin);
  return it == origins_.end() ? 0 : it->second.head;
}

transport::PeerState Subscriber::writer_state() const {
  return writer_.state(transport::Clock::now());
}

void Subscriber::note_lag(OriginState& st) {
  bool behind = st.head > st.cursor;
  if (behind && !st.behind) st.behind_since = transport::Clock::now();
  st.behind = behind;
}

transport::Millis Subscriber::lag_for(const std::string& origin) const {
  auto it = origins_.find(origin);
  if (it == origins_.end() || !it->second.behind) return transport::Millis(0);
  return std::chrono::duration_cast<transport::Millis>(transport::Clock::now() -
                                                       it->second.behind_since);
}

transport::Millis Subscriber::writer_silent_for() const {
  return writer_.silent_for(transport::Clock::now());
}

void Subscriber::start() {
  events_.set(zmq::sockopt::subscribe, wire_type(wire::PLATFORM_HEARTBEAT));
  for (const auto& topic : options_.topics) {
    if (options_.origins.empty()) {
      events_.set(zmq::sockopt::subscribe, topic);
      continue;
    }
    // Only the origins taken from this writer are sent here at all.
    for (const auto& origin : options_.origins) {
      events_.set(zmq::sockopt::subscribe, event_label(origin, topic));
    }
  }
  for (const auto& origin : options_.origins) state(origin);
  for (auto& [origin, st] : origins_) request_catchup(origin);
}

bool Subscriber::regressed(const std::string& origin) const {
  auto it = origins_.find(origin);
  return it != origins_.end() && it->second.regressed;
}

std::optional<uint64_t> Subscriber::heard_head(const std::string& origin) const {
  auto it = heard_heads_.find(origin);
  if (it == heard_heads_.end()) return std::nullopt;
  return it->second;
}

void Subscriber::note_announced(OriginState& st, uint64_t seq) {
  if (seq <= st.head) return;
  st.head = seq;
  // New evidence of events to fetch ends a long back-off, not the minimum gap.
  st.backoff.reset();
  st.not_before = std::min(st.not_before, st.last_asked + options_.min_retry_gap);
}

void Subscriber::note_unproductive(OriginState& st) {
  auto wait = std::max(options_.min_retry_gap, st.backoff.next());
  st.not_before = transport::Clock::now() + std::min(wait, options_.max_retry_gap);
}

void Subscriber::note_writer_head(const std::string& origin, OriginState& st, uint64_t writer_last,
                                  bool moved) {
  // A page that brought nothing states the writer's own head as it is now: what it
  // announced before is no longer true if it went back (a restore), and waiting for
  // the old head would ask forever for events that no longer exist. (A page that
  // moved the cursor may be older than a live event seen since: keep the higher.)
  if (moved) {
    st.head = std::max(st.head, writer_last);
  } else {
    st.head = std::min(st.head, std::max(writer_last, st.cursor));
  }
  bool regressed = writer_last < st.cursor;
  if (regressed && !st.regressed) {
    spdlog::warn(
        "replication: the writer's head for {} went back to #{} below #{} applied here "
        "(restored from a backup?)",
        origin, writer_last, st.cursor);
  } else if (!regressed && st.regressed) {
    spdlog::info("replication: the writer's head for {} is past #{} again", origin, st.cursor);
  }
  st.regressed = regressed;
}

void Subscriber::request_catchup(const std::string& origin) {
  auto& st = state(origin);
  auto now = transport::Clock::now();
  if (st.in_flight && now < st.deadline) return;
  // tick() asks once the back-off has passed
  if (now < st.not_before && !GOSMART_BREAK_POINT("replication.no_backoff")) return;
  EnvelopeBuilder builder(origin, wire::Service::UNKNOWN,
                          wire_type(wire::PLATFORM_CATCHUP_REQUEST));
  auto ask = builder.init_payload<wire::CatchupRequest>();
  ask.setOrigin(origin);
  ask.setAfterSeq(st.cursor);
  ask.setMaxEvents(static_cast<uint32_t>(options_.page_events));
  std::string bytes = builder.encode();
  if (!sync_.send(zmq::buffer(bytes), zmq::send_flags::dontwait)) {
    // Not connected yet (or its queue is full): tick() tries again.
    st.in_flight = false;
    return;
  }
  st.in_flight = true;
  st.deadline = now + options_.request_timeout;
  st.last_asked = now;
  ++stats_.requests;
}

void Subscriber::reconnect_if_silent(transport::Clock::time_point now) {
  auto afresh = [&](zmq::socket_t& socket, const std::string& endpoint,
                    transport::Clock::time_point& heard, transport::Millis silence,
                    const char* which) {
    if (endpoint.empty() || now - heard < silence) return;
    ++stats_.reconnects;
    silence_log_.warn(endpoint,
                      "replication: nothing on the {} socket from {} for {} s: connecting afresh "
                      "({} fresh connections so far)",
                      which, endpoint,
                      std::chrono::duration_cast<std::chrono::seconds>(now - heard).count(),
                      stats_.reconnects);
    heard = now;  // the next attempt waits as long again
    // Subscriptions and CURVE keys belong to the socket: a new connection keeps them.
    try {
      socket.disconnect(endpoint);
    } catch (const zmq::error_t&) {
      // ENOENT: libzmq dropped the connection itself; connecting again is all it takes.
    }
    socket.connect(endpoint);
  };
  afresh(events_, options_.events_endpoint, events_heard_, options_.expired_after, "events");
  std::size_t before = stats_.reconnects;
  // An idle sync socket hears an answer only every idle_poll: silence there means
  // something only after several polls went unanswered, whatever expired_after is
  // (outside findings, wave 4: with expired_after below idle_poll a healthy idle
  // federation reconnected every poll).
  afresh(sync_, options_.sync_endpoint, sync_heard_,
         std::max(options_.expired_after, 3 * options_.idle_poll), "sync");
  if (stats_.reconnects != before) {
    for (auto& [origin, st] : origins_) st.in_flight = false;
  }
}

void Subscriber::tick() {
  auto now = transport::Clock::now();
  reconnect_if_silent(now);
  for (auto& [origin, st] : origins_) {
    bool timed_out = st.in_flight && now >= st.deadline;
    if (timed_out) {
      st.in_flight = false;
      note_unproductive(st);
    }
    bool idle = now - st.last_asked >= options_.idle_poll;
    if (!st.in_flight && (timed_out || idle || st.head > st.cursor)) request_catchup(origin);
  }
}

uint64_t Subscriber::pending_cursor(const PendingBatch& pending, const std::string& origin) {
  auto it = pending.cursors.find(origin);
  return it != pending.cursors.end() ? it->second : state(origin).cursor;
}

void Subscriber::take(PendingBatch& pending, const DecodedEnvelope& event,
                      std::set<std::string>& lagging) {
  const auto& header = event.header();
  if (!accepts(header.origin_country)) {
    if (options_.ignore_other_origins && reference::is_country_code(header.origin_country)) {
      ++stats_.ignored;
      return;
    }
    ++stats_.rejected;
    refuse_foreign("an event", header.origin_country, "");
    return;
  }
  uint64_t cursor = pending_cursor(pending, header.origin_country);
  auto arrival = classify(cursor, header.origin_seq);
  if (arrival == Arrival::gap && GOSMART_BREAK_POINT("replication.skip_holes")) {
    arrival = Arrival::apply;
  }
  switch (arrival) {
    case Arrival::duplicate: {
      ++stats_.duplicates;
      auto staged =
          guarded([&]() -> Result<bool> { return applier_.duplicate(event, pending.batch); });
      if (!staged) {
        spdlog::warn("replication: {} #{}: duplicate not compared: {}", header.origin_country,
                     header.origin_seq, describe(staged.error()));
      } else if (staged.value()) {
        pending.staged_duplicates = true;
      }
      return;
    }
    case Arrival::gap: {
      ++stats_.gaps;
      auto& st = state(header.origin_country);
      note_announced(st, header.origin_seq);
      note_lag(st);
      lagging.insert(header.origin_country);
      return;
    }
    case Arrival::apply:
      break;
  }
  if (is_placeholder(header.type)) {
    // The writer refused this number's event, or an erasure redacted it: nothing
    // to apply, nothing to wait for.
    ++stats_.passed_over;
    if (GOSMART_BREAK_POINT("replication.stall_on_placeholder")) return;
    applier_.placeholder(event, pending.batch);
    pending.cursors[header.origin_country] = header.origin_seq;
    ++pending.applied;
    return;
  }
  auto applied = guarded([&]() -> Status { return applier_.apply(event, pending.batch); });
  if (applied && GOSMART_BREAK_POINT("replication.apply_twice")) {
    applied = guarded([&]() -> Status { return applier_.apply(event, pending.batch); });
  }
  if (!applied) {
    ++stats_.rejected;
    rejected_log_.error(
        header.origin_country, "replication: {} #{} ({}) rejected and passed over: {}",
        header.origin_country, header.origin_seq, header.type, describe(applied.error()));
  }
  pending.cursors[header.origin_country] = header.origin_seq;
  ++pending.applied;
}

// Only the writer's own log can say what a number holds, and this writer served
// bytes nobody can read at it: waiting would stall the country for good (issue 11,
// D6), so the number is passed over like a rejected event, loudly. Returns false
// when `seq` is not the next number (the page does not fit the cursor).
bool Subscriber::pass_over_unreadable(PendingBatch& pending, const std::string& origin,
                                      uint64_t seq, const Failure& why) {
  uint64_t cursor = pending_cursor(pending, origin);
  if (seq <= cursor) return true;  // read before: nothing to do
  if (seq != cursor + 1) return false;
  applier_.unreadable(origin, seq, why, pending.batch);
  ++stats_.rejected;
  rejected_log_.error(origin,
                      "replication: {} #{} in a catch-up page is not a readable event of its "
                      "place and is passed over: {}",
                      origin, seq, describe(why));
  pending.cursors[origin] = seq;
  ++pending.applied;
  return true;
}

// Claims of another origin are what a hostile peer sends: each is counted, and
// logged at most once per 10 s per claimed origin so that it cannot flood the log.
void Subscriber::refuse_foreign(const std::string& where, const std::string& claimed,
                                const std::string& expected) {
  ++stats_.foreign_origin;
  std::string accepted;
  for (const auto& origin : options_.origins) accepted += (accepted.empty() ? "" : ",") + origin;
  std::string shown = reference::is_country_code(claimed) ? claimed : "(not a country code)";
  if (expected.empty()) {
    foreign_log_.warn(shown, "replication: {} of origin {} refused: this writer speaks for {} only",
                      where, shown, accepted.empty() ? "any country" : accepted);
  } else {
    foreign_log_.warn(shown, "replication: {} of {} carries an event of origin {}: refused", where,
                      expected, shown);
  }
}

bool Subscriber::commit(PendingBatch& pending) {
  if (pending.cursors.empty() && !pending.staged_duplicates) return true;
  for (const auto& [origin, seq] : pending.cursors) {
    pending.batch.put_unread(cursor_cf_, origin, store::keys::u64(seq));
  }
  applier_.prepare_commit(pending.batch);
  auto status = store_.commit(pending.batch.batch());
  if (!status) {
    spdlog::error("replication: commit failed, will catch up again: {}", describe(status.error()));
    applier_.aborted();
    for (const auto& [origin, seq] : pending.cursors) state(origin).in_flight = false;
    return false;
  }
  for (const auto& [origin, seq] : pending.cursors) {
    state(origin).cursor = seq;
    note_lag(state(origin));
  }
  ++stats_.commits;
  applier_.committed();
  return true;
}

void Subscriber::note_heartbeat(const DecodedEnvelope& beat, std::set<std::string>& lagging) {
  auto heads = beat.payload<wire::Heartbeat>().getHeads();
  for (auto head : heads) {
    std::string origin = head.getOrigin();
    if (reference::is_country_code(origin)) heard_heads_[origin] = head.getLastSeq();
    if (!accepts(origin)) continue;
    auto& st = state(origin);
    note_announced(st, head.getLastSeq());
    note_lag(st);
    lagging.insert(origin);  // checked against the pending cursor once the batch is done
  }
}

void Subscriber::on_events_readable() {
  PendingBatch pending(store_);
  std::set<std::string> lagging;
  std::vector<std::span<const uint8_t>> pieces;
  for (std::size_t n = 0; n < options_.drain_max && pending.applied < options_.drain_max; ++n) {
    zmq::message_t frame;
    if (!events_.recv(frame, zmq::recv_flags::dontwait)) break;
    writer_.heard(transport::Clock::now());
    events_heard_ = transport::Clock::now();
    bool extra_frames = frame.more();
    while (frame.more()) (void)events_.recv(frame);  // not ours: drain and drop the message
    auto split = split_event_frame({frame.data<uint8_t>(), frame.size()});
    pieces.clear();
    if (extra_frames || !split || !split_envelopes(split->envelopes, pieces)) ++stats_.malformed;
    if (extra_frames || !split) continue;
    for (auto piece : pieces) {
      auto decoded = decode_envelope(piece, options_.limits);
      // The label must tell the truth: it is what filters were applied to.
      bool heartbeat = split->origin.empty() && split->type == wire_type(wire::PLATFORM_HEARTBEAT);
      if (!decoded || decoded.value().header().type != split->type ||
          (!heartbeat && decoded.value().header().origin_country != split->origin)) {
        ++stats_.malformed;
        if (decoded && !heartbeat && !split->origin.empty() &&
            decoded.value().header().origin_country != split->origin) {
          refuse_foreign("a live frame", decoded.value().header().origin_country,
                         std::string(split->origin));
        }
        break;  // the rest of the frame would not be contiguous
      }
      auto handled = guarded([&]() -> Status {
        if (decoded.value().header().type == wire_type(wire::PLATFORM_HEARTBEAT)) {
          note_heartbeat(decoded.value(), lagging);
        } else {
          take(pending, decoded.value(), lagging);
        }
        return {};
      });
      if (!handled) ++stats_.malformed;
    }
  }
  uint64_t applied = pending.applied;
  if (commit(pending)) stats_.applied_live += applied;
  for (const auto& origin : lagging) {
    if (state(origin).head > state(origin).cursor) request_catchup(origin);
  }
}

void Subscriber::on_sync_readable() {
  for (int budget = 0; budget < 16; ++budget) {
    zmq::message_t frame;
    if (!sync_.recv(frame, zmq::recv_flags::dontwait)) return;
    writer_.heard(transport::Clock::now());
    sync_heard_ = transport::Clock::now();
    while (frame.more()) {
      (void)sync_.recv(frame);
      ++stats_.malformed;
    }
    auto decoded = decode_envelope({frame.data<uint8_t>(), frame.size()}, options_.limits);
    if (!decoded || decoded.value().header().type != wire_type(wire::PLATFORM_CATCHUP_PAGE)) {
      ++stats_.malformed;
      continue;
    }
    PendingBatch pending(store_);
    std::set<std::string> lagging;
    std::string origin;
    uint64_t writer_last = 0;
    auto handled = guarded([&]() -> Status {
      auto page = decoded.value().payload<wire::CatchupPage>();
      origin = page.getOrigin();
      if (!accepts(origin)) {
        refuse_foreign("a catch-up page", origin, "");
        return fail(ErrorCode::INVALID_FIELD, "origin not accepted", "origin");
      }
      writer_last = page.getWriterLastSeq();
      // A page holds consecutive numbers from afterSeq + 1, so an event that cannot
      // be read still has a known number.
      uint64_t seq = page.getAfterSeq();
      for (auto bytes : page.getEvents()) {
        ++seq;
        auto event = decode_envelope({bytes.begin(), bytes.size()}, options_.limits);
        if (!event) {
          ++stats_.malformed;
          if (!pass_over_unreadable(pending, origin, seq, event.error())) break;
          continue;
        }
        // An event of another country, or numbered other than its place, is a bad
        // event at a known number: passed over like one, not waited for (outside
        // findings, wave 3: either stopped the country for good).
        const auto& header = event.value().header();
        if (header.origin_country != origin) {
          ++stats_.malformed;
          refuse_foreign("a catch-up page", header.origin_country, origin);
          if (!pass_over_unreadable(
                  pending, origin, seq,
                  Failure{ErrorCode::NOT_AUTHORISED, "an event of another country in the page",
                          "originCountry"})) {
            break;
          }
          continue;
        }
        if (header.origin_seq != seq) {
          ++stats_.malformed;
          if (!pass_over_unreadable(pending, origin, seq,
                                    Failure{ErrorCode::INVALID_FIELD,
                                            "numbered " + std::to_string(header.origin_seq) +
                                                " at place " + std::to_string(seq) + " of the page",
                                            "originSeq"})) {
            break;
          }
          continue;
        }
        take(pending, event.value(), lagging);
      }
      return {};
    });
    if (!handled) {
      ++stats_.malformed;
      continue;
    }
    ++stats_.pages;
    uint64_t applied = pending.applied;
    auto& st = state(origin);
    uint64_t cursor_before = st.cursor;
    if (!commit(pending)) {
      note_unproductive(st);
      continue;
    }
    stats_.applied_catchup += applied;
    // Test-only: killed with a page applied and more to come (a kill during catch-up).
    if (applied > 0) crash_point("replication.after_catchup_page");
    st.in_flight = false;
    bool moved = st.cursor > cursor_before;
    note_writer_head(origin, st, writer_last, moved);
    note_lag(st);
    if (moved) {
      st.backoff.reset();
      st.not_before = {};
    } else {
      note_unproductive(st);
    }
    if (st.cursor < st.head) request_catchup(origin);
  }
}

}  // namespace gosmart::replication
