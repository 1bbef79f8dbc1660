#include "common/outbox/sender.hpp"

#include <spdlog/spdlog.h>

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
    }
    if (link.state == Link::State::idle) send_next(link);
  }
}

void Sender::send_next(Link& link) {
  // Past the last settled entry; from the start (stepping over every removed entry
  // not yet compacted away) when nothing is past it, at most once a second, and
  // every ten seconds however busy the lane is.
  auto now = options_.clock();
  auto since_start = now - link.looked_from_start;
  Result<std::optional<Entry>> oldest = std::optional<Entry>{};
  bool from_start = link.settled.empty() || since_start >= std::chrono::seconds(10);
  if (!from_start) {
    oldest = queue_.next_after(link.destination, link.settled);
    from_start = oldest && !oldest.value() && since_start >= std::chrono::seconds(1);
  }
  if (from_start) {
    link.looked_from_start = now;
    oldest = queue_.oldest(link.destination);
  }
  if (!oldest) {
    spdlog::error("outbox: cannot read the entries for {}: {}", link.destination,
                  describe(oldest.error()));
    return;  // the next tick tries again
  }
  if (!oldest.value()) return;
  link.entry = std::move(*oldest.value());
  link.state = Link::State::awaiting;
  link.deadline = options_.clock() + options_.resend_after;
  std::string key = link.entry->key;
  auto sent = link.courier->send(
      *link.entry, [this, &link, key](const Answer& answer) { answered(link, key, answer); });
  switch (sent) {
    case Courier::Sent::sent:
      ++sent_;
      return;
    case Courier::Sent::not_now:
      if (link.state == Link::State::awaiting && link.entry && link.entry->key == key) {
        link.state = Link::State::idle;
        link.entry.reset();
      }
      return;
    case Courier::Sent::cancelled:
      settle(link, {Settlement::Outcome::cancelled, "cancelled"});
      return;
    case Courier::Sent::unreadable:
      spdlog::error("outbox: an unreadable entry for {} is given up", link.destination);
      settle(link, {Settlement::Outcome::unreadable, "unreadable"});
      return;
  }
}

void Sender::answered(Link& link, const std::string& key, const Answer& answer) {
  // A late answer to an entry settled meanwhile, or a repeat, changes nothing.
  if (link.state != Link::State::awaiting || !link.entry || link.entry->key != key) return;
  switch (answer.verdict) {
    case Answer::Verdict::retry:
      link.deadline = options_.clock() +
                      (answer.retry_after.count() > 0 ? answer.retry_after : options_.resend_after);
      return;
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
  link.settled = key;
  send_next(link);
}

}  // namespace gosmart::outbox
