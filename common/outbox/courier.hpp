#pragma once
// The transport of one destination's deliveries, the part of an outbox that differs
// between uses: a peer registry's api over CURVE (api_courier.hpp), an SMTP relay or
// a webhook for the notifier. A courier sends and reads answers; what is stored,
// in which order, when to resend and how an answer is settled is the sender's
// (sender.hpp), the same for every courier.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/outbox/queue.hpp"

namespace gosmart::service {
class Loop;
}

namespace gosmart::outbox {

struct Answer {
  enum class Verdict {
    delivered,  // the destination took it (a repeat taken again counts too)
    refused,    // for good: never to be sent again; `reason` says why
    retry,      // not now (the destination is busy or failed): send again later
  };
  Verdict verdict = Verdict::delivered;
  std::string reason;
  // With `retry`: when to send again (0: the sender's resend_after). A courier that
  // backs off (exponentially, with jitter: an SMTP relay that is down) says so here.
  std::chrono::milliseconds retry_after{0};
  // With `retry`: the failure is this entry's group's alone (one mailbox, one
  // webhook), not the destination's. The lane steps aside: this entry and every later
  // entry of its group (Courier::group_of) wait out `retry_after` while the lane
  // sends the other groups' entries. Otherwise (the relay itself is down) the lane
  // waits with it, as no other entry could go either.
  bool step_aside = false;
  // With `delivered`: the courier made the delivery durable itself before going on
  // (a mark in the store, written in its own thread, that outlives a crash), so the
  // lane need not wait for the settle to land. Only a courier with window() > 1
  // says so; it has then started the next entry it took, if any.
  bool durable = false;
};

class Courier {
 public:
  // Called in the loop thread with the destination's answer to the entry sent.
  using Answered = std::function<void(const Answer&)>;
  enum class Sent {
    sent,              // on its way; the answer comes through `answered`, or never
    not_now,           // the transport cannot take it yet (not connected): the next tick tries
    unreadable,        // the payload cannot be sent at all: the entry is given up
    cancelled,         // the owner no longer wants it sent (a contact withdrew consent):
                       // settled as such without being sent
    aside,             // not now for this entry's group alone (its recipient is over its
                       // rate): parked for aside_for(), the lane goes on with other groups
    delivered_before,  // the courier's durable mark says it went out before a crash:
                       // settled as delivered without being sent again
  };

  virtual ~Courier() = default;
  // Starts delivering `entry`, replacing whatever was sent before: the sender sends
  // one entry per destination at a time and sends it again after a timeout.
  virtual Sent send(const Entry& entry, Answered answered) = 0;
  // Puts the courier's sockets or descriptors in the service loop.
  virtual void attach(service::Loop& loop) = 0;
  // The group an entry belongs to (its recipient), whose entries keep their order:
  // while one of them waits after a failure (Answer::step_aside) the later ones wait
  // too. Empty: the entry is a group of its own.
  virtual std::string group_of(const Entry&) const { return std::string(); }
  // After Sent::aside: how long the entry waits.
  virtual std::chrono::milliseconds aside_for() const { return std::chrono::seconds(1); }

  // How many entries the courier takes at once: the one it sends and those it holds
  // ready behind it, sent in order, one at a time. 1: the sender waits for each
  // settle to land before it sends the next. More: the courier must mark each
  // delivery durable before it starts the next entry (Answer::durable), so a crash
  // still repeats at most the one entry on the wire; and after any answer that is
  // not a durable delivery it drops every entry it holds unstarted (their answers
  // never come), so that nothing is sent past a failure out of its order.
  virtual int window() const { return 1; }
  // Drops the entries held and not yet started (their answers never come); returns
  // how many, the last ones taken: the one on the wire, if any, keeps going.
  virtual std::size_t recall() { return 0; }
  // The entries a windowed courier is about to be given, in one run: so that it can
  // gather what their sends need at once (the notifier's gate asks the registry for
  // their organisations together) instead of once a send().
  virtual void prepare(const std::vector<Entry>&) {}
};

}  // namespace gosmart::outbox
