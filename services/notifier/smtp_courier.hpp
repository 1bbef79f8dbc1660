#pragma once
// The notifier's e-mail transport: libcurl's SMTP client in a worker thread (a send
// waits on the relay for up to a timeout; the service loop must not), answers
// handed back to the loop through an eventfd. STARTTLS is used when the relay
// offers it, authentication when configured. A failure is retried with exponential
// back-off and jitter (domain/retry.hpp) until the policy's attempts are used up;
// then, or at once on a permanent refusal (5xx), the entry is refused for good and
// becomes a dead letter. The relay's reply text is never logged nor kept: it echoes
// addresses; only its numeric code and libcurl's own error are.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/outbox/courier.hpp"
#include "services/notifier/domain/retry.hpp"
#include "services/notifier/send_gate.hpp"

namespace gosmart::notifier {

struct SmtpSettings {
  std::string url;  // smtp://host:port (STARTTLS when offered) or smtps://host:port
  std::string username;
  std::string password;
  std::string from;  // the envelope sender (MAIL FROM)
  long timeout_s = 30;
  bool require_tls = false;  // refuse to send without STARTTLS
};

// One message as the courier sends it: the envelope recipient and the whole MIME
// text; or, for a webhook, an HTTP POST of `mime` (the JSON body) to `url` with
// `headers` (the same worker, back-off and dead letters).
struct SmtpMessage {
  std::string recipient;
  std::string mime;
  int attempts_before = 0;      // failed attempts already recorded (kept across restarts)
  int64_t first_failed_us = 0;  // when the first of them failed (0: none)
  std::string url;              // non-empty: a webhook POST instead of a mail
  std::vector<std::string> headers;
  // When set (and `mime` empty), makes `mime` in the sending thread: MIME encoding
  // is the costliest step of a send and needs nothing of the loop thread. May throw
  // std::exception: the message is then refused for good as unreadable.
  std::function<std::string()> build;
};

// Turns an outbox entry's payload into what is sent; nullopt: unreadable.
using SmtpRenderer = std::function<std::optional<SmtpMessage>(const outbox::Entry&)>;
// The recipient an entry goes to (a mailbox, a webhook URL), whose messages keep
// their order and wait together after a failure of that recipient alone.
using SmtpGrouper = std::function<std::string(const outbox::Entry&)>;
// Asked in the loop thread right before each send (a retry and an operator's retry
// too): whether the message may still go out, as consent and preferences are now.
// With `aside` it sets the wait until the message may go.
using SmtpGate = std::function<SendGate(const outbox::Entry&, std::chrono::milliseconds& wait)>;

// Durable marks of sends the relay took (outbox::Courier::window): written by the
// sending thread before it starts the next message, read in the loop thread before
// a send. `fingerprint` names the message's content, so that a mark left behind is
// never taken for a later message stored under a reused key.
struct SendMarks {
  std::function<bool(const std::string& key, const std::string& fingerprint)> mark;
  std::function<std::optional<std::string>(const std::string& key)> find;
};

class SmtpCourier : public outbox::Courier {
 public:
  SmtpCourier(SmtpSettings settings, RetryPolicy retry, SmtpRenderer render);
  ~SmtpCourier() override;
  SmtpCourier(const SmtpCourier&) = delete;
  SmtpCourier& operator=(const SmtpCourier&) = delete;

  Sent send(const outbox::Entry& entry, Answered answered) override;
  // Runs after each round of answers (the owner commits their settles as one group).
  void set_after_answers(std::function<void()> after) { after_answers_ = std::move(after); }
  void set_gate(SmtpGate gate) { gate_ = std::move(gate); }
  void set_grouper(SmtpGrouper grouper) { grouper_ = std::move(grouper); }
  // With marks, the courier takes up to `window` messages at once and its thread
  // goes from one to the next on its own (outbox/sender.hpp). `changes` counts what
  // the gate cannot see coming (unsubscribes taken by the link endpoint; any
  // thread): a message gated before it changed goes back to be gated again.
  void set_marks(SendMarks marks, int window, std::function<uint64_t()> changes);
  // Up to the configured window, fewer when sends are slow: as many as the lane
  // sends within the gate's freshness, so that a slow relay does not see the later
  // messages of each run gated too long ago, dropped and gated again (outside
  // findings, session 18: with a relay taking 8 ms a message, 2.5-3 hand-overs per
  // message sent).
  int window() const override;
  std::size_t recall() override;
  void prepare(const std::vector<outbox::Entry>& entries) override {
    if (prepare_) prepare_(entries);
  }
  // Runs before a run of sends (outbox::Courier::prepare), in the loop thread.
  void set_prepare(std::function<void(const std::vector<outbox::Entry>&)> prepare) {
    prepare_ = std::move(prepare);
  }
  std::string group_of(const outbox::Entry& entry) const override {
    return grouper_ ? grouper_(entry) : std::string();
  }
  std::chrono::milliseconds aside_for() const override { return aside_for_; }
  // Told of each failed attempt that will be tried again, so the owner can record it:
  // `notify outbox` shows it, a restart keeps it. A relay-wide failure leaves
  // `attempts` as it was (not counted, domain/retry.hpp).
  struct Failure {
    std::string key;
    int attempts = 0;             // counted failures so far
    int64_t first_failed_us = 0;  // when the first counted one failed (0: none yet)
    std::string reason;
  };
  using FailureRecorder = std::function<void(const Failure&)>;
  void set_on_retry(FailureRecorder record) { on_retry_ = std::move(record); }
  void attach(service::Loop& loop) override;

  uint64_t failures() const { return failures_; }  // loop thread
  int relay_streak() const { return relay_streak_; }

 private:
  struct Job {
    std::string key;
    SmtpMessage message;
    std::string fingerprint;
    std::chrono::steady_clock::time_point gated_at;
    uint64_t changes = 0;  // `changes_` when it was gated
  };
  struct Outcome {
    std::string key;
    bool ok = false;
    long code = 0;
    std::string error;
    bool http = false;
    bool unreadable = false;  // `build` failed: never sent, refused for good
    bool reached = true;      // the relay was reached and took the session (domain/retry.hpp)
    bool marked = false;      // ok, and its durable mark is written
    bool stale = false;       // not sent: gated too long ago, or before a change
    SmtpStep step = SmtpStep::message;  // what the relay was answering (SMTP only)
  };
  void work();
  Outcome deliver(void* curl, const Job& job);
  Outcome post(void* curl, const Job& job);
  void abort_on_stop(void* curl);
  void drain();
  // Drops the jobs not started, and lets the thread start jobs again (loop thread).
  std::size_t drop_waiting_jobs();

  SmtpSettings settings_;
  RetryPolicy retry_;
  SmtpRenderer render_;
  SmtpGate gate_;
  SmtpGrouper grouper_;
  std::chrono::milliseconds aside_for_{1000};
  FailureRecorder on_retry_;
  int wake_fd_ = -1;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> jobs_;                  // taken, not started
  std::optional<std::string> in_flight_;  // the key on the wire
  bool blocked_ = false;  // after an answer that was not a marked delivery: until drained
  SendMarks marks_;
  int window_ = 1;
  std::atomic<int64_t> send_us_{0};  // recent time a delivery took (µs, moving average)
  std::function<uint64_t()> changes_;
  std::deque<Outcome> done_;
  bool wake_pending_ = false;  // the eventfd is written and done_ not yet drained
  bool stopping_ = false;
  std::atomic<bool> abort_sends_{false};     // read by libcurl's progress callback
  std::map<std::string, Answered> waiting_;  // loop thread only
  struct Tries {
    int attempts = 0;
    int64_t first_failed_us = 0;
  };
  std::map<std::string, Tries> tries_;  // per entry key in flight (loop thread only)
  int relay_streak_ = 0;                // the relay's failures in a row
  uint64_t failures_ = 0;
  std::function<void()> after_answers_;
  std::function<void(const std::vector<outbox::Entry>&)> prepare_;
  std::thread worker_;
};

}  // namespace gosmart::notifier
