#include "common/outbox/sender.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/core/break_point.hpp"
#include "common/core/crash_point.hpp"
#include "common/service/loop.hpp"

namespace gosmart::outbox {

Sender::Sender(Queue& queue, Owner& owner, Options options)
    : queue_(queue), owner_(owner), options_(std::move(options)) {
  if (!options_.clock) options_.clock = [] { return Clock::now(); };
}

void Sender::add(const std::string& destination, std::unique_ptr<Courier> courier) {
  auto& link = links_[destination];
  link.destination = destination;
  link.courier = std::move(courier);
}

void Sender::attach(service::Loop& loop) {
  for (auto& [destination, link] : links_) link.courier->attach(loop);
  loop.every(options_.tick_every, [this] { tick(); });
}

void Sender::tick() {
  auto now = options_.clock();
  for (auto& [destination, link] : links_) {
    if (link.state == Link::State::awaiting && now >= link.deadline) {
      link.state = Link::State::idle;  // no answer in time: send it again
      link.entry.reset();
      link.courier->recall();  // the entry on the wire is the late one: none was started
      link.ahead.clear();
    }
    if (link.state == Link::State::idle) send_next(link);
  }
}

std::size_t Sender::parked() const {
  std::size_t count = 0;
  for (const auto& [destination, link] : links_) count += link.parked.size();
  return count;
}

std::optional<Sender::Clock::time_point> Sender::next_try(const std::string& key) const {
  for (const auto& [destination, link] : links_) {
    if (link.state == Link::State::awaiting && link.holding && link.entry &&
        link.entry->key == key) {
      return link.deadline;
    }
    for (const auto& [group, parked] : link.parked) {
      if (parked.key == key) return parked.until;
    }
  }
  return std::nullopt;
}

Queue::Eligible Sender::eligible_for(const Link& link) const {
  // Neither a parked group's entry nor one whose durable settle is still landing.
  return [this, &link](const Entry& entry) {
    return !parked(link, entry) && !landing_.contains(entry.key);
  };
}

bool Sender::parked(const Link& link, const Entry& entry) const {
  if (link.parked.empty()) return false;
  if (link.parked.contains(entry.key)) return true;
  auto group = link.courier->group_of(entry);
  return !group.empty() && link.parked.contains(group);
}

std::optional<Entry> Sender::due_parked(Link& link) {
  auto now = options_.clock();
  for (auto it = link.parked.begin(); it != link.parked.end();) {
    if (now < it->second.until) {
      ++it;
      continue;
    }
    auto key = it->second.key;
    it = link.parked.erase(it);
    auto entry = queue_.at(key);
    // From the start next time: so that its group's passed-over entries, or (sent
    // now) the entry itself after no answer, are found again.
    link.cursor.clear();
    if (!entry) {
      spdlog::error("outbox: cannot read a parked entry for {}: {}", link.destination,
                    describe(entry.error()));
      continue;
    }
    if (!entry.value()) continue;  // removed meanwhile (an erasure): its group goes on
    return std::move(*entry.value());
  }
  return std::nullopt;
}

void Sender::park(Link& link, const std::string& key, Clock::time_point until) {
  auto group = link.courier->group_of(*link.entry);
  link.parked[group.empty() ? key : group] = Link::Parked{key, until};
  link.cursor = key;
  link.state = Link::State::idle;
  link.entry.reset();
}

void Sender::send_next(Link& link) {
  // An entry that steps aside at once (its recipient over its rate) lets the lane
  // look again at once; a bounded number of times, the rest at the next tick.
  for (int looks = 0; looks < 64 && link.state == Link::State::idle; ++looks) {
    if (!send_one(link)) return;
  }
}

bool Sender::send_one(Link& link) {
  if (auto due = due_parked(link)) return dispatch(link, std::move(*due));
  // Past the lane's cursor; from the start (stepping over every removed entry not
  // yet compacted away) when nothing is past it, at most once a second, and every
  // ten seconds however busy the lane is.
  auto now = options_.clock();
  auto since_start = now - link.looked_from_start;
  auto eligible = eligible_for(link);
  Result<Queue::Found> found = Queue::Found{};
  bool from_start = link.cursor.empty() || since_start >= std::chrono::seconds(10);
  if (!from_start) {
    found = queue_.first_eligible(link.destination, link.cursor, eligible);
    from_start = found && !found.value().entry && since_start >= std::chrono::seconds(1);
  }
  if (from_start) {
    link.looked_from_start = now;
    found = queue_.first_eligible(link.destination, "", eligible);
  }
  if (!found) {
    spdlog::error("outbox: cannot read the entries for {}: {}", link.destination,
                  describe(found.error()));
    return false;  // the next tick tries again
  }
  if (!found.value().entry) {
    // Only parked groups' entries past the cursor: the next look starts past them
    // (settling a parked entry takes the cursor back to it).
    if (!found.value().passed.empty()) link.cursor = found.value().passed;
    return false;
  }
  return dispatch(link, std::move(*found.value().entry));
}

bool Sender::dispatch(Link& link, Entry entry) {
  link.entry = std::move(entry);
  link.state = Link::State::awaiting;
  link.holding = false;
  link.deadline = options_.clock() + options_.resend_after;
  std::string key = link.entry->key;
  auto sent = link.courier->send(
      *link.entry, [this, &link, key](const Answer& answer) { answered(link, key, answer); });
  switch (sent) {
    case Courier::Sent::sent:
      ++sent_;
      top_up(link);
      return false;
    case Courier::Sent::delivered_before:
      settle(link, {Settlement::Outcome::delivered, ""});
      return false;
    case Courier::Sent::not_now:
      if (link.state == Link::State::awaiting && link.entry && link.entry->key == key) {
        link.state = Link::State::idle;
        link.entry.reset();
      }
      return false;
    case Courier::Sent::aside:
      park(link, key, options_.clock() + link.courier->aside_for());
      return true;
    case Courier::Sent::cancelled:
      settle(link, {Settlement::Outcome::cancelled, "cancelled"});
      return false;
    case Courier::Sent::unreadable:
      spdlog::error("outbox: an unreadable entry for {} is given up", link.destination);
      settle(link, {Settlement::Outcome::unreadable, "unreadable"});
      return false;
  }
  return false;
}

bool Sender::parked_due(const Link& link) const {
  auto now = options_.clock();
  for (const auto& [group, parked] : link.parked) {
    if (now >= parked.until) return true;
  }
  return false;
}

void Sender::top_up(Link& link) {
  auto window = static_cast<std::size_t>(std::max(1, link.courier->window()));
  // A parked entry whose time has come goes first: the lane lets its run end.
  if (window == 1 || link.state != Link::State::awaiting || link.holding || parked_due(link)) {
    return;
  }
  // In runs: once half the window is free (or nothing is held), so that a lane at
  // full speed costs one look at the queue per half window, not one per entry.
  // The window may shrink while entries are held (a courier sizing it to its pace).
  if (link.ahead.size() + 1 >= window) return;
  std::size_t room = window - 1 - link.ahead.size();
  if (!link.ahead.empty() && room < window / 2) return;
  auto eligible = eligible_for(link);
  const std::string after = link.ahead.empty() ? link.entry->key : link.ahead.back().key;
  auto found = queue_.eligible_after(link.destination, after, eligible, room);
  if (!found) return;  // a read error: the lane's own look reports it
  link.courier->prepare(found.value());
  for (auto& next : found.value()) {
    std::string key = next.key;
    auto sent = link.courier->send(
        next, [this, &link, key](const Answer& answer) { answered(link, key, answer); });
    // Anything but a send (a cancel, a recipient over its rate, a mark found) is
    // met by the lane in its turn, once the run before it has ended.
    if (sent != Courier::Sent::sent) return;
    ++sent_;
    link.ahead.push_back(std::move(next));
  }
}

void Sender::recall_ahead(Link& link) {
  auto dropped = std::min(link.courier->recall(), link.ahead.size());
  link.ahead.resize(link.ahead.size() - dropped);
}

void Sender::settle_durable(Link& link) {
  if (!GOSMART_BREAK_POINT("outbox.skip_settle")) {
    queue_.stage_removal(owner_.staging(), *link.entry);
  }
  owner_.settle(*link.entry, {Settlement::Outcome::delivered, ""});
  crash_point("outbox.after_ack");
  std::string key = link.entry->key;
  landing_.insert(key);
  owner_.commit([this, key, destination = link.destination](bool stored) {
    landing_.erase(key);
    if (stored) {
      ++settled_;
    } else {
      // Its mark stays: found again, it is settled without being sent.
      spdlog::warn("outbox: settling an entry for {} was not stored; it is settled again",
                   destination);
    }
  });
  link.cursor = key;
  if (!link.ahead.empty() && parked_due(link)) recall_ahead(link);
  if (link.ahead.empty()) {
    link.state = Link::State::idle;
    link.entry.reset();
    send_next(link);
    return;
  }
  link.entry = std::move(link.ahead.front());
  link.ahead.pop_front();
  link.holding = false;
  link.deadline = options_.clock() + options_.resend_after;
  top_up(link);
}

void Sender::answered(Link& link, const std::string& key, const Answer& answer) {
  // A late answer to an entry settled meanwhile, or a repeat, changes nothing.
  if (link.state != Link::State::awaiting || !link.entry || link.entry->key != key) return;
  if (answer.verdict == Answer::Verdict::delivered && answer.durable) {
    settle_durable(link);
    return;
  }
  link.ahead.clear();  // the courier dropped them unstarted (Courier::window)
  switch (answer.verdict) {
    case Answer::Verdict::retry: {
      auto wait = answer.retry_after.count() > 0 ? answer.retry_after : options_.resend_after;
      if (!answer.step_aside || GOSMART_BREAK_POINT("outbox.hold_lane")) {
        link.deadline = options_.clock() + wait;
        link.holding = true;
        return;
      }
      park(link, key, options_.clock() + wait);
      send_next(link);
      return;
    }
    case Answer::Verdict::refused: {
      std::string reason = answer.reason.empty() ? "refused" : answer.reason;
      spdlog::error("outbox: {} refused a request for good: {}", link.destination, reason);
      settle(link, {Settlement::Outcome::refused, reason});
      return;
    }
    case Answer::Verdict::delivered:
      settle(link, {Settlement::Outcome::delivered, ""});
      return;
  }
}

void Sender::settle(Link& link, const Settlement& settlement) {
  link.state = Link::State::settling;
  // The removal and the owner's change go into one batch: both land or neither.
  if (!GOSMART_BREAK_POINT("outbox.skip_settle")) {
    queue_.stage_removal(owner_.staging(), *link.entry);
  }
  owner_.settle(*link.entry, settlement);
  // Test-only: the destination answered, nothing of the settle is durable yet.
  if (settlement.outcome != Settlement::Outcome::unreadable &&
      settlement.outcome != Settlement::Outcome::cancelled) {
    crash_point("outbox.after_ack");
  }
  std::string key = link.entry->key;
  owner_.commit([this, &link, key](bool stored) { settled(link, key, stored); });
}

void Sender::settled(Link& link, const std::string& key, bool stored) {
  if (link.state != Link::State::settling || !link.entry || link.entry->key != key) return;
  link.state = Link::State::idle;
  link.entry.reset();
  if (!stored) {
    spdlog::warn("outbox: settling an entry for {} was not stored; it is sent again",
                 link.destination);
    return;  // the next tick sends it again; the destination answers the repeat
  }
  ++settled_;
  link.cursor = key;
  send_next(link);
}

}  // namespace gosmart::outbox
