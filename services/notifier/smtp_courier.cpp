#include "services/notifier/smtp_courier.hpp"

#include <curl/curl.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <random>
#include <stdexcept>

#include "common/core/break_point.hpp"
#include "common/core/crash_point.hpp"
#include "common/service/loop.hpp"

namespace gosmart::notifier {

namespace {

struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

size_t read_upload(char* buffer, size_t size, size_t items, void* user) {
  auto* upload = static_cast<Upload*>(user);
  std::size_t room = size * items;
  std::size_t left = upload->data->size() - upload->offset;
  std::size_t n = std::min(room, left);
  std::memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

// Cuts a connection kept after a failed send, so that closing the handle does not
// say QUIT on it and wait for a reply the relay, stalled, never gives: libcurl keeps
// the connection when the failure came in its "done" phase (no reply to the end of
// the message), and closing it then waited another whole reply timeout (outside
// findings: a stall after the message body held the lane twice send_timeout_s).
// shutdown(), not close(): the descriptor stays libcurl's to close.
void abandon_connection(CURL* curl) {
  curl_socket_t socket = CURL_SOCKET_BAD;
  if (curl_easy_getinfo(curl, CURLINFO_ACTIVESOCKET, &socket) == CURLE_OK &&
      socket != CURL_SOCKET_BAD) {
    ::shutdown(socket, SHUT_RDWR);
  }
}

}  // namespace

SmtpCourier::SmtpCourier(SmtpSettings settings, RetryPolicy retry, SmtpRenderer render)
    : settings_(std::move(settings)), retry_(retry), render_(std::move(render)) {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::runtime_error("notifier: eventfd failed");
  worker_ = std::thread([this] { work(); });
}

SmtpCourier::~SmtpCourier() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  abort_sends_ = true;
  ready_.notify_all();
  worker_.join();
  close(wake_fd_);
}

namespace {

// A message gated longer ago than this goes back to be gated again rather than
// out: a send before it stalled (the gate's registry answers are fresh for half a
// second, NotifierOptions::contacts_fresh_for_us).
constexpr auto kGateFreshFor = std::chrono::milliseconds(250);

std::string fingerprint_of(std::string_view payload) {
  std::array<unsigned char, 16> hash{};
  crypto_generichash(hash.data(), hash.size(),
                     reinterpret_cast<const unsigned char*>(payload.data()), payload.size(),
                     nullptr, 0);
  return std::string(hash.begin(), hash.end());
}

}  // namespace

int SmtpCourier::window() const {
  auto per_send = send_us_.load(std::memory_order_relaxed);
  // Before the first delivery its pace is unknown: a few, not the whole window (64
  // taken at once from a distant relay went stale before their turn).
  if (per_send <= 0) return std::min(window_, 4);
  auto fit = std::chrono::duration_cast<std::chrono::microseconds>(kGateFreshFor).count() * 4 / 5 /
             per_send;
  return static_cast<int>(std::clamp<int64_t>(fit, 1, window_));
}

void SmtpCourier::set_marks(SendMarks marks, int window, std::function<uint64_t()> changes) {
  marks_ = std::move(marks);
  window_ = std::max(1, window);
  changes_ = std::move(changes);
}

outbox::Courier::Sent SmtpCourier::send(const outbox::Entry& entry, Answered answered) {
  {
    // Only this (the loop) thread adds jobs; the sending thread only takes them.
    std::lock_guard lock(mutex_);
    std::size_t taken = jobs_.size() + (in_flight_ ? 1 : 0);
    // A resend of the message still on the wire waits for it.
    if (blocked_ || taken >= static_cast<std::size_t>(window_) || in_flight_ == entry.key) {
      return Sent::not_now;
    }
  }
  std::string fingerprint;
  if (marks_.find) {
    fingerprint = fingerprint_of(entry.payload);
    if (marks_.find(entry.key) == fingerprint) return Sent::delivered_before;
  }
  if (gate_) {
    std::chrono::milliseconds wait{1000};
    switch (gate_(entry, wait)) {
      case SendGate::send:
        break;
      case SendGate::cancel:
        return Sent::cancelled;
      case SendGate::later:
        return Sent::not_now;
      case SendGate::aside:
        aside_for_ = wait;
        return Sent::aside;
    }
  }
  auto message = render_(entry);
  if (!message) return Sent::unreadable;
  tries_.try_emplace(entry.key, Tries{message->attempts_before, message->first_failed_us});
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(Job{entry.key, std::move(*message), std::move(fingerprint),
                        std::chrono::steady_clock::now(), changes_ ? changes_() : 0});
  }
  waiting_[entry.key] = std::move(answered);
  ready_.notify_one();
  return Sent::sent;
}

void SmtpCourier::attach(service::Loop& loop) {
  loop.on_fd_readable(wake_fd_, [this] { drain(); });
}

void SmtpCourier::work() {
  CURL* curl = curl_easy_init();
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || (!blocked_ && !jobs_.empty()); });
      if (stopping_) break;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      in_flight_ = job.key;
    }
    Outcome outcome{job.key, false, 0, "", false, false};
    if (std::chrono::steady_clock::now() - job.gated_at > kGateFreshFor ||
        (changes_ && changes_() != job.changes)) {
      outcome.stale = true;
    } else if (job.message.mime.empty() && job.message.build) {
      try {
        job.message.mime = job.message.build();
      } catch (const std::exception& e) {
        outcome.error = e.what();
        outcome.unreadable = true;
      }
    }
    if (!outcome.unreadable && !outcome.stale) {
      auto started = std::chrono::steady_clock::now();
      outcome = curl ? deliver(curl, job)
                     : Outcome{job.key, false, 0, "libcurl unavailable", false, false};
      if (outcome.ok) {
        auto took = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
        // One slow send (a hiccup of the machine) moves the average by a quarter of
        // its value at most: a relay's pace is what is measured, not the outliers.
        auto before = send_us_.load(std::memory_order_relaxed);
        if (before > 0) took = std::min(took, before * 3);
        send_us_.store(before == 0 ? took : (before * 7 + took) / 8, std::memory_order_relaxed);
      }
      // A failed send may leave its connection mid-conversation (a timeout in DATA):
      // the next message must not go out on it (outside findings: it did, and failed
      // with no reply). A fresh handle opens a fresh connection.
      if (!outcome.ok && curl) {
        if (!GOSMART_BREAK_POINT("notifier.quit_after_failure")) abandon_connection(curl);
        curl_easy_cleanup(curl);
        curl = curl_easy_init();
      }
    }
    // The mark before anything else is started: a crash from here on does not send
    // this message again, so at most the one on the wire is repeated.
    if (outcome.ok && marks_.mark) {
      outcome.marked = GOSMART_BREAK_POINT("notifier.claim_unwritten_mark") ||
                       marks_.mark(job.key, job.fingerprint);
      // Test-only: the relay took it and its mark is written; the loop knows nothing.
      if (outcome.marked) crash_point("notifier.after_send_mark");
    }
    bool wake = false;
    {
      std::lock_guard lock(mutex_);
      in_flight_.reset();
      // Nothing further starts until the loop has taken this answer: after a failure
      // the held messages may be the same recipient's, to be kept in order.
      if (!outcome.marked) blocked_ = true;
      // A marked delivery needs nothing of the loop until half the window is left:
      // then it settles the run and tops the window up at one wake, instead of one
      // wake (a poll round, a commit) per message taken from the cores libcurl and
      // the relay share. Anything else is the loop's to act on at once.
      bool half_left = jobs_.size() <= static_cast<std::size_t>(window_ / 2);
      wake = !wake_pending_ && (!outcome.marked || half_left);
      if (wake) wake_pending_ = true;
      done_.push_back(std::move(outcome));
    }
    uint64_t one = 1;
    if (wake && write(wake_fd_, &one, sizeof one) < 0) {
      spdlog::error("notifier: cannot wake the service loop: {}", std::strerror(errno));
    }
  }
  if (curl) {
    abandon_connection(curl);  // stopping: no QUIT to wait on
    curl_easy_cleanup(curl);
  }
}

void SmtpCourier::abort_on_stop(void* handle) {
  // libcurl asks at least once a second, waiting on a reply included: a send that
  // stalls ends within a second of the stop (outside findings: SIGTERM waited out
  // send_timeout_s, 30 s by default, with a relay that did not answer).
  CURL* curl = static_cast<CURL*>(handle);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &abort_sends_);
  curl_easy_setopt(
      curl, CURLOPT_XFERINFOFUNCTION,
      +[](void* abort, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
        return static_cast<std::atomic<bool>*>(abort)->load() ? 1 : 0;
      });
}

SmtpCourier::Outcome SmtpCourier::post(void* handle, const Job& job) {
  CURL* curl = static_cast<CURL*>(handle);
  curl_easy_reset(curl);
  curl_slist* headers = nullptr;
  for (const auto& header : job.message.headers)
    headers = curl_slist_append(headers, header.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, job.message.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, job.message.mime.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(job.message.mime.size()));
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect is the receiver's error
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, settings_.timeout_s);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  abort_on_stop(curl);
  // The receiver's body is not read into memory nor logged.
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION,
      +[](char*, size_t size, size_t count, void*) { return size * count; });
  CURLcode result = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(headers);
  Outcome outcome{job.key, result == CURLE_OK && code >= 200 && code < 300, code, "", true, false};
  if (result != CURLE_OK) outcome.error = curl_easy_strerror(result);
  if (result == CURLE_OK && !outcome.ok) outcome.error = "HTTP status";
  return outcome;
}

namespace {

int follow_smtp_step(CURL*, curl_infotype type, char* data, size_t size, void* step_ptr) {
  auto* step = static_cast<SmtpStep*>(step_ptr);
  if (type == CURLINFO_HEADER_OUT) {
    *step = step_after_command({data, size}, *step);
  } else if (type == CURLINFO_DATA_OUT && *step == SmtpStep::data) {
    *step = SmtpStep::message;  // the body after DATA's 354
  }
  return 0;
}

}  // namespace

SmtpCourier::Outcome SmtpCourier::deliver(void* handle, const Job& job) {
  if (!job.message.url.empty()) return post(handle, job);
  CURL* curl = static_cast<CURL*>(handle);
  // The handle is kept between messages so that libcurl reuses the connection.
  curl_easy_reset(curl);
  Upload upload{&job.message.mime};
  curl_slist* recipients = curl_slist_append(nullptr, ("<" + job.message.recipient + ">").c_str());
  std::string from = "<" + settings_.from + ">";
  curl_easy_setopt(curl, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                   static_cast<curl_off_t>(job.message.mime.size()));
  curl_easy_setopt(curl, CURLOPT_USE_SSL, settings_.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, settings_.timeout_s);
  // Also the wait for each reply, the QUIT of a connection closed after a failure
  // included (else closing a stalled one waited on the relay far longer).
  curl_easy_setopt(curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, settings_.timeout_s);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  abort_on_stop(curl);
  if (!settings_.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, settings_.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, settings_.password.c_str());
  }
  // Which command the relay is answering: libcurl's debug callback sees each line it
  // writes (nothing is printed; the lines, with addresses, are not kept).
  SmtpStep step = SmtpStep::greeting;
  curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, follow_smtp_step);
  curl_easy_setopt(curl, CURLOPT_DEBUGDATA, &step);
  curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
  CURLcode result = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(recipients);
  Outcome outcome{job.key, result == CURLE_OK, code, "", false, false};
  outcome.step = step;
  if (result != CURLE_OK) outcome.error = curl_easy_strerror(result);
  // Not reached: every message would fail the same way (a wrong password included,
  // which is the operator's to mend, not a reason to give messages up).
  outcome.reached = result != CURLE_COULDNT_RESOLVE_HOST && result != CURLE_COULDNT_CONNECT &&
                    result != CURLE_COULDNT_RESOLVE_PROXY && result != CURLE_LOGIN_DENIED &&
                    result != CURLE_USE_SSL_FAILED && result != CURLE_SSL_CONNECT_ERROR;
  return outcome;
}

std::size_t SmtpCourier::drop_waiting_jobs() {
  std::deque<Job> dropped;
  {
    std::lock_guard lock(mutex_);
    dropped.swap(jobs_);
    blocked_ = false;
  }
  for (const auto& job : dropped) {
    waiting_.erase(job.key);
    tries_.erase(job.key);
  }
  if (!dropped.empty()) ready_.notify_one();
  return dropped.size();
}

std::size_t SmtpCourier::recall() {
  // Only unstarted jobs; blocked_ stays as it is (an answer not yet drained).
  std::deque<Job> taken;
  {
    std::lock_guard lock(mutex_);
    taken.swap(jobs_);
  }
  for (const auto& job : taken) {
    waiting_.erase(job.key);
    tries_.erase(job.key);
  }
  return taken.size();
}

void SmtpCourier::drain() {
  uint64_t count = 0;
  if (read(wake_fd_, &count, sizeof count) < 0 && errno != EAGAIN) {
    spdlog::error("notifier: eventfd read failed: {}", std::strerror(errno));
  }
  std::deque<Outcome> outcomes;
  {
    std::lock_guard lock(mutex_);
    outcomes.swap(done_);
    wake_pending_ = false;
  }
  static thread_local std::mt19937_64 random{std::random_device{}()};
  for (auto& outcome : outcomes) {
    // Anything but a marked delivery ends the run of messages taken ahead: they are
    // dropped unstarted (the sender knows, outbox::Courier::window) and the thread
    // may start again; so too after a late answer nobody waits for.
    if (!outcome.marked) drop_waiting_jobs();
    auto it = waiting_.find(outcome.key);
    if (it == waiting_.end()) continue;
    Answered answered = std::move(it->second);
    waiting_.erase(it);
    outbox::Answer answer;
    if (outcome.ok) {
      tries_.erase(outcome.key);
      relay_streak_ = 0;
      answer.durable = outcome.marked;
      answered(answer);
      continue;
    }
    if (outcome.stale) {
      // Not sent, not a failure: gated again at once, then sent.
      tries_.erase(outcome.key);
      answer.verdict = outbox::Answer::Verdict::retry;
      answer.retry_after = std::chrono::milliseconds(1);
      answered(answer);
      continue;
    }
    ++failures_;
    if (outcome.unreadable) {
      tries_.erase(outcome.key);
      spdlog::error("notifier: message {} cannot be built: {}", outcome.key, outcome.error);
      answer.verdict = outbox::Answer::Verdict::refused;
      answer.reason = "unreadable: " + outcome.error;
      answered(answer);
      continue;
    }
    std::string reason = failure_reason(outcome.http, outcome.code, outcome.error, outcome.step);
    bool everyone =
        fails_every_recipient(outcome.http, outcome.reached, outcome.code, outcome.step);
    auto& tries = tries_[outcome.key];
    if (everyone && !GOSMART_BREAK_POINT("notifier.count_relay_failures")) {
      // The relay's failure: the lane waits with this message, which keeps its count.
      ++relay_streak_;
      answer.verdict = outbox::Answer::Verdict::retry;
      answer.reason = reason;
      answer.retry_after =
          std::chrono::milliseconds(relay_delay_ms(retry_, relay_streak_, random()));
      spdlog::warn(
          "notifier: the relay failed ({}), {} time{} in a row; not counted against "
          "the message, again in {} ms",
          reason, relay_streak_, relay_streak_ == 1 ? "" : "s", answer.retry_after.count());
      if (on_retry_) {
        on_retry_({outcome.key, tries.attempts, tries.first_failed_us,
                   reason + " (the relay's failure: not counted)"});
      }
      answered(answer);
      continue;
    }
    relay_streak_ = 0;  // the relay answered for this recipient
    int attempts = ++tries.attempts;
    int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    if (tries.first_failed_us == 0) tries.first_failed_us = now_us;
    bool permanent = refused_for_good(outcome.http, outcome.code);
    if (permanent || exhausted(retry_, attempts, (now_us - tries.first_failed_us) / 1000)) {
      tries_.erase(outcome.key);
      answer.verdict = outbox::Answer::Verdict::refused;
      answer.reason = (permanent ? "refused for good after " : "gave up after ") +
                      std::to_string(attempts) + " attempt" + (attempts == 1 ? "" : "s") + ": " +
                      reason;
    } else {
      answer.verdict = outbox::Answer::Verdict::retry;
      answer.reason = reason;
      answer.step_aside = true;
      answer.retry_after = std::chrono::milliseconds(next_delay_ms(retry_, attempts, random()));
      spdlog::warn("notifier: a send failed ({}); attempt {} of at least {}, again in {} ms",
                   reason, attempts, retry_.max_attempts, answer.retry_after.count());
      if (on_retry_) on_retry_({outcome.key, attempts, tries.first_failed_us, reason});
    }
    answered(answer);
  }
  if (after_answers_ && !outcomes.empty()) after_answers_();
}

}  // namespace gosmart::notifier
