#pragma once
// Store-and-forward (Titanic): the entries of an outbox (queue.hpp) are sent one at
// a time per destination, oldest first, through that destination's courier, sent
// again every `resend_after` until answered, and settled once answered for good.
//
// Exactly-once in effect, across crashes: settling stages the entry's removal and
// the owner's change for the answer (an expression of interest becomes forwarded,
// a notification sent) into the same batch of the owner, so both are durable or
// neither is. Until that batch lands the destination waits; if it is lost, or the
// process dies before it, the entry is still stored and is sent again, and the
// destination (which treats a repeat as a repeat) answers it again.
//
// Oldest first, nearly: a lane looks for its next entry past the one it settled
// last (Queue::next_after), and from its start once idle (at most once a second) or
// every ten seconds, so that an entry whose batch landed after a later-numbered one
// was settled waits until the lane is idle, ten seconds at most.
//
// One recipient's failure does not hold the others back: when a courier answers
// that a failure is its entry's group's alone (Answer::step_aside: a mailbox that
// stalls, a webhook that answers 500), the entry is parked until its retry time and
// the lane goes on with the entries of other groups, passing over the parked
// group's later ones so that a recipient's messages keep their order. A parked
// entry goes first once its time comes; settling it takes the lane back to its key,
// so the group's entries passed over are found again.
//
// A courier with a window (Courier::window() > 1: the notifier's SMTP lanes) is
// given the entries after the one it sends too, in order, so its sending thread
// goes from one to the next without waiting for this thread. It marks each delivery
// durable before it starts the next (Answer::durable), and the settle then lands
// later, grouped with others: the lane no longer waits for it. A crash still
// repeats at most the entry on the wire; a marked entry found after a crash is
// settled without being sent (Courier::Sent::delivered_before). Any other answer
// ends the run of entries taken ahead (the courier drops them unstarted) and the
// lane goes on as above; so does a parked entry whose time has come.
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/outbox/courier.hpp"
#include "common/outbox/queue.hpp"

namespace gosmart::outbox {

struct Settlement {
  enum class Outcome {
    delivered,
    refused,     // for good, with the destination's reason
    unreadable,  // the courier could not send the payload at all (logged as an error)
    cancelled,   // not sent: the owner no longer wanted it sent (Courier::Sent::cancelled)
  };
  Outcome outcome = Outcome::delivered;
  std::string reason;
};

// The service whose batch an outbox's entries live in.
class Owner {
 public:
  virtual ~Owner() = default;
  // The batch being staged now; the entry's removal goes in it.
  virtual rocksdb::WriteBatchBase& staging() = 0;
  // Stages the owner's change for an answered entry into staging() (nothing, if the
  // answer changes nothing for it). Called right after the removal was staged.
  virtual void settle(const Entry& entry, const Settlement& settlement) = 0;
  // Commits what is staged; calls `done(true)` once it is durable, `done(false)` if
  // it was lost. `done` may run at once or later, in the loop thread.
  virtual void commit(std::function<void(bool stored)> done) = 0;
};

class Sender {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    std::chrono::milliseconds resend_after{2000};
    std::chrono::milliseconds tick_every{100};  // how often attach() runs tick()
    std::function<Clock::time_point()> clock;   // steady_clock::now unless a test sets one
  };

  Sender(Queue& queue, Owner& owner, Options options);
  Sender(Queue& queue, Owner& owner) : Sender(queue, owner, Options{}) {}
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  void add(const std::string& destination, std::unique_ptr<Courier> courier);
  // Puts the couriers and a timer running tick() into the service loop.
  void attach(service::Loop& loop);
  // Sends the oldest entry of every idle destination and resends what timed out.
  void tick();

  uint64_t sent() const { return sent_; }        // sends, resends included
  uint64_t settled() const { return settled_; }  // entries removed for good
  std::size_t parked() const;                    // entries waiting aside, all lanes
  // When the entry `key` is tried next, if it waits for a retry: parked after its
  // recipient's failure, or held by its lane after the destination's. Nothing when
  // it waits only for its turn, or is on its way.
  std::optional<Clock::time_point> next_try(const std::string& key) const;

 private:
  struct Link {
    std::string destination;
    std::unique_ptr<Courier> courier;
    enum class State { idle, awaiting, settling } state = State::idle;
    std::optional<Entry> entry;  // awaiting or settling
    std::deque<Entry> ahead;     // awaiting: taken by the courier behind `entry`, in order
    Clock::time_point deadline;  // awaiting: when to send again
    bool holding = false;        // awaiting a retry of a failed send (not an answer)
    // The key the lane goes on from: the last entry settled, parked or passed over.
    std::string cursor;
    Clock::time_point looked_from_start;  // when it last looked from the destination's start
    struct Parked {
      std::string key;
      Clock::time_point until;
    };
    std::map<std::string, Parked> parked;  // by group (an entry's key when it has none)
  };
  bool parked(const Link& link, const Entry& entry) const;
  // Which of the lane's entries it may take next.
  Queue::Eligible eligible_for(const Link& link) const;
  // A parked entry whose time has come, if any (dropping those removed meanwhile).
  std::optional<Entry> due_parked(Link& link);
  // Parks the lane's entry (and its group) until `until`; the lane is idle again.
  void park(Link& link, const std::string& key, Clock::time_point until);
  // Sends one entry; true when it stepped aside at once, so the lane may look again.
  bool send_one(Link& link);
  bool dispatch(Link& link, Entry entry);
  // Gives a windowed courier the entries after the last it took, up to its window.
  void top_up(Link& link);
  // Forgets the entries taken ahead that the courier dropped (all, after an answer
  // that is not a durable delivery: the courier dropped them itself).
  void recall_ahead(Link& link);
  bool parked_due(const Link& link) const;
  // A durable delivery: the removal is staged, the lane goes on before it lands.
  void settle_durable(Link& link);
  void send_next(Link& link);
  void answered(Link& link, const std::string& key, const Answer& answer);
  void settle(Link& link, const Settlement& settlement);
  void settled(Link& link, const std::string& key, bool stored);

  Queue& queue_;
  Owner& owner_;
  Options options_;
  std::map<std::string, Link> links_;  // node addresses stay put: callbacks hold them
  // Entries whose durable delivery is staged and not yet landed: not sent again.
  std::set<std::string> landing_;
  uint64_t sent_ = 0;
  uint64_t settled_ = 0;
};

}  // namespace gosmart::outbox
