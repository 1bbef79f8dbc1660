// The platform outbox without sockets: a courier that records what it is given and
// answers when the test says, and an owner whose batch the test lands or loses.
#include <catch2/catch.hpp>

#include "common/outbox/sender.hpp"
#include "tests/support/outbox_owner.hpp"
#include "tests/support/process.hpp"

using namespace gosmart;
using namespace std::chrono_literals;
using outbox::Answer;
using outbox::Settlement;
using testing::StagingOwner;

namespace {

class RecordingCourier : public outbox::Courier {
 public:
  std::vector<std::string> sent;  // payloads, resends included
  bool connected = true;
  bool limited = true;  // "limited/…" entries step aside (their recipient is over its rate)
  std::chrono::milliseconds aside_for() const override { return std::chrono::seconds(3); }

  Sent send(const outbox::Entry& entry, Answered answered) override {
    if (entry.payload.rfind("garbage", 0) == 0) return Sent::unreadable;
    if (entry.payload.rfind("withdrawn", 0) == 0) return Sent::cancelled;
    if (entry.payload.rfind("limited", 0) == 0 && limited) return Sent::aside;
    if (!connected) return Sent::not_now;
    sent.push_back(entry.payload);
    last_key_ = entry.key;
    answered_ = std::move(answered);
    return Sent::sent;
  }
  const std::string& last_key() const { return last_key_; }
  void attach(service::Loop&) override {}
  // "alice/2": the group (recipient) is what comes before the slash.
  std::string group_of(const outbox::Entry& entry) const override {
    auto slash = entry.payload.find('/');
    return slash == std::string::npos ? std::string() : entry.payload.substr(0, slash);
  }
  void answer(Answer::Verdict verdict, std::string reason = "") {
    REQUIRE(answered_);
    auto answered = answered_;
    answered(Answer{verdict, std::move(reason)});
  }
  void answer_with(const Answer& answer) {
    REQUIRE(answered_);
    auto answered = answered_;
    answered(answer);
  }

 private:
  Answered answered_;
  std::string last_key_;
};

struct Bench {
  testing::TempDir dir;
  std::unique_ptr<store::Store> db = store::Store::open(dir.path() / "db", {"outbox", "status"});
  outbox::Queue queue{*db, "outbox"};
  StagingOwner owner{*db};
  outbox::Sender::Clock::time_point now{};
  outbox::Sender sender{queue, owner, {2000ms, 100ms, [this] { return now; }}};
  std::map<std::string, RecordingCourier*> couriers;

  explicit Bench(std::vector<std::string> destinations) {
    for (const auto& destination : destinations) {
      auto courier = std::make_unique<RecordingCourier>();
      couriers[destination] = courier.get();
      sender.add(destination, std::move(courier));
    }
  }
  void enqueue(const std::string& destination, const std::string& payload) {
    rocksdb::WriteBatch batch;
    queue.stage(batch, destination, payload);
    REQUIRE(db->commit(batch).ok());
  }
  std::vector<std::string>& sent(const std::string& destination) {
    return couriers.at(destination)->sent;
  }
  std::optional<std::string> oldest(const std::string& destination) {
    auto entry = queue.oldest(destination);
    REQUIRE(entry.ok());
    if (!entry.value()) return std::nullopt;
    return entry.value()->payload;
  }
  std::optional<std::string> status(const std::string& payload) {
    return db->get(db->cf("status"), payload).value();
  }
};

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("the outbox sends one entry per destination at a time, oldest first", "[outbox]") {
  Bench b({"FI", "PL"});
  b.enqueue("FI", "fi-1");
  b.enqueue("PL", "pl-1");
  b.enqueue("FI", "fi-2");
  b.enqueue("FI", "fi-3");
  b.sender.tick();
  CHECK(b.sent("FI") == Strings{"fi-1"});
  CHECK(b.sent("PL") == Strings{"pl-1"});
  b.sender.tick();  // nothing new while each waits for its answer
  CHECK(b.sent("FI") == Strings{"fi-1"});

  b.couriers.at("FI")->answer(Answer::Verdict::delivered);
  b.sender.tick();  // settling: the next waits until the settle is durable
  CHECK(b.sent("FI") == Strings{"fi-1"});
  b.owner.land(true);
  CHECK(b.sent("FI") == Strings{"fi-1", "fi-2"});
  b.couriers.at("FI")->answer(Answer::Verdict::delivered);
  b.owner.land(true);
  CHECK(b.sent("FI") == Strings{"fi-1", "fi-2", "fi-3"});
  CHECK(b.sent("PL") == Strings{"pl-1"});
  CHECK(b.sender.settled() == 2);
}

TEST_CASE("the outbox sends again what is not answered in time", "[outbox]") {
  Bench b({"FI"});
  b.couriers.at("FI")->connected = false;
  b.enqueue("FI", "fi-1");
  b.sender.tick();
  CHECK(b.sent("FI").empty());  // not connected: tried at every tick
  b.couriers.at("FI")->connected = true;
  b.sender.tick();
  CHECK(b.sent("FI") == Strings{"fi-1"});

  b.now += 1900ms;
  b.sender.tick();
  CHECK(b.sent("FI").size() == 1);
  b.now += 200ms;
  b.sender.tick();
  CHECK(b.sent("FI") == Strings{"fi-1", "fi-1"});

  SECTION("a transient refusal waits a whole period again") {
    b.now += 1000ms;
    b.couriers.at("FI")->answer(Answer::Verdict::retry);
    b.now += 1900ms;
    b.sender.tick();
    CHECK(b.sent("FI").size() == 2);
    b.now += 200ms;
    b.sender.tick();
    CHECK(b.sent("FI").size() == 3);
    CHECK(b.owner.settled.empty());
    CHECK(b.oldest("FI") == "fi-1");
  }
  SECTION("an answer to an earlier send still settles the entry") {
    b.couriers.at("FI")->answer(Answer::Verdict::delivered);
    CHECK(b.owner.land(true) == 2);
    CHECK(b.oldest("FI") == std::nullopt);
    b.now += 5000ms;
    b.sender.tick();
    CHECK(b.sent("FI").size() == 2);
  }
}

TEST_CASE("settling removes the entry in one batch with the owner's status change", "[outbox]") {
  Bench b({"FI"});
  b.enqueue("FI", "fi-1");
  b.sender.tick();
  b.couriers.at("FI")->answer(Answer::Verdict::delivered);
  REQUIRE(b.owner.settled.size() == 1);
  CHECK(b.owner.settled[0].second.outcome == Settlement::Outcome::delivered);
  REQUIRE(b.owner.committing());

  // The batch is lost: neither the removal nor the status change is stored, and
  // the entry goes out again; its answer settles it again.
  CHECK(b.owner.land(false) == 2);
  CHECK(b.oldest("FI") == "fi-1");
  CHECK(b.status("fi-1") == std::nullopt);
  b.sender.tick();
  CHECK(b.sent("FI") == Strings{"fi-1", "fi-1"});
  b.couriers.at("FI")->answer(Answer::Verdict::delivered);

  // A repeat of the answer while the settle is under way changes nothing.
  b.couriers.at("FI")->answer(Answer::Verdict::delivered);
  CHECK(b.owner.settled.size() == 2);
  CHECK(b.owner.land(true) == 2);  // the removal and the status change, one batch
  CHECK(b.oldest("FI") == std::nullopt);
  CHECK(b.status("fi-1") == "delivered ");
  b.couriers.at("FI")->answer(Answer::Verdict::delivered);  // and after it
  CHECK(b.owner.settled.size() == 2);
  CHECK_FALSE(b.owner.committing());
}

TEST_CASE("a refusal for good settles the entry with the reason; it is not sent again",
          "[outbox]") {
  Bench b({"PL"});
  b.enqueue("PL", "pl-1");
  b.enqueue("PL", "pl-2");
  b.sender.tick();
  b.couriers.at("PL")->answer(Answer::Verdict::refused, "the profile was withdrawn");
  REQUIRE(b.owner.settled.size() == 1);
  CHECK(b.owner.settled[0].second.outcome == Settlement::Outcome::refused);
  CHECK(b.owner.settled[0].second.reason == "the profile was withdrawn");
  b.owner.land(true);
  CHECK(b.status("pl-1") == "refused the profile was withdrawn");
  CHECK(b.sent("PL") == Strings{"pl-1", "pl-2"});
  b.now += 10s;
  b.sender.tick();
  CHECK(b.sent("PL") == Strings{"pl-1", "pl-2", "pl-2"});  // pl-2 again, never pl-1
}

TEST_CASE("an unreadable entry is given up through the owner's batch; the next goes out",
          "[outbox]") {
  Bench b({"PL"});
  b.enqueue("PL", "garbage");
  b.enqueue("PL", "pl-2");
  b.sender.tick();
  CHECK(b.sent("PL").empty());
  REQUIRE(b.owner.settled.size() == 1);
  CHECK(b.owner.settled[0].second.outcome == Settlement::Outcome::unreadable);
  CHECK(b.oldest("PL") == "garbage");  // removed only with the owner's batch
  b.owner.land(true);
  CHECK(b.status("garbage") == "unreadable unreadable");
  CHECK(b.sent("PL") == Strings{"pl-2"});
  CHECK(b.oldest("PL") == "pl-2");
}

TEST_CASE("outbox entries keep their order per destination across a reopen", "[outbox]") {
  testing::TempDir dir;
  {
    auto db = store::Store::open(dir.path() / "db", {"outbox"});
    outbox::Queue queue(*db, "outbox");
    rocksdb::WriteBatch batch;
    queue.stage(batch, "A", "a-1");
    queue.stage(batch, "AB", "ab-1");
    CHECK(queue.oldest("A").value() == std::nullopt);  // staged is not sent
    REQUIRE(db->commit(batch).ok());
    CHECK_THROWS_AS(queue.stage(batch, "", "x"), std::invalid_argument);
    CHECK_THROWS_AS(queue.stage(batch, std::string("A\0B", 3), "x"), std::invalid_argument);
  }
  auto db = store::Store::open(dir.path() / "db", {"outbox"});
  outbox::Queue queue(*db, "outbox");
  rocksdb::WriteBatch batch;
  queue.stage(batch, "AB", "ab-2");
  queue.stage(batch, "A", "a-2");
  REQUIRE(db->commit(batch).ok());
  // "A" is not a prefix of "AB"'s entries, and new entries go after stored ones.
  auto a = queue.oldest("A").value();
  REQUIRE(a);
  CHECK(a->payload == "a-1");
  CHECK(a->destination == "A");
  auto ab = queue.oldest("AB").value();
  REQUIRE(ab);
  CHECK(ab->payload == "ab-1");
  batch.Clear();
  queue.stage_removal(batch, *a);
  queue.stage_removal(batch, *ab);
  REQUIRE(db->commit(batch).ok());
  CHECK(queue.oldest("A").value()->payload == "a-2");
  CHECK(queue.oldest("AB").value()->payload == "ab-2");
}

TEST_CASE("a courier that backs off says when to send again", "[outbox]") {
  Bench b({"mail-0"});
  b.enqueue("mail-0", "m-1");
  b.sender.tick();
  REQUIRE(b.sent("mail-0").size() == 1);
  Answer later{Answer::Verdict::retry, "451", 500ms};
  auto* courier = b.couriers.at("mail-0");
  // The answer goes through the courier's callback, as a relay's would.
  courier->answer_with(later);
  b.now += 400ms;
  b.sender.tick();
  CHECK(b.sent("mail-0").size() == 1);  // not before its time
  b.now += 200ms;
  b.sender.tick();
  CHECK(b.sent("mail-0").size() == 2);  // at 500 ms, not at the default 2 s
}

TEST_CASE("one recipient's failure steps aside: the lane goes on and its later entries wait",
          "[outbox]") {
  Bench b({"mail-0"});
  for (const char* payload : {"stuck/1", "bob/1", "stuck/2", "carol/1"})
    b.enqueue("mail-0", payload);
  auto* courier = b.couriers.at("mail-0");
  b.sender.tick();
  REQUIRE(b.sent("mail-0") == Strings{"stuck/1"});
  auto stuck_key = b.queue.oldest("mail-0").value()->key;
  CHECK_FALSE(b.sender.next_try(stuck_key));  // on its way: no retry time
  Answer aside{Answer::Verdict::retry, "timeout", 5000ms};
  aside.step_aside = true;
  auto failed_at = b.now;
  courier->answer_with(aside);
  // At once, not after the stuck mailbox's back-off.
  CHECK(b.sent("mail-0") == Strings{"stuck/1", "bob/1"});
  CHECK(b.sender.parked() == 1);
  // An operator is told when it is tried next (outside findings: not shown).
  REQUIRE(b.sender.next_try(stuck_key));
  CHECK(*b.sender.next_try(stuck_key) == failed_at + 5000ms);
  courier->answer(Answer::Verdict::delivered);
  b.owner.land(true);
  // stuck/2 keeps its place behind stuck/1: carol's goes first.
  CHECK(b.sent("mail-0") == Strings{"stuck/1", "bob/1", "carol/1"});
  courier->answer(Answer::Verdict::delivered);
  b.owner.land(true);
  b.now += 2000ms;
  b.sender.tick();
  CHECK(b.sent("mail-0").size() == 3);

  SECTION("the parked entry goes first when its time comes; then its group's next") {
    b.now += 3000ms;
    b.sender.tick();
    CHECK(b.sent("mail-0").back() == "stuck/1");
    CHECK(b.sender.parked() == 0);
    courier->answer(Answer::Verdict::delivered);
    b.owner.land(true);
    CHECK(b.sent("mail-0").back() == "stuck/2");
    CHECK(b.sent("mail-0").size() == 5);
  }
  SECTION("a failure of the relay itself holds the lane") {
    b.enqueue("mail-0", "dave/1");
    b.sender.tick();
    REQUIRE(b.sent("mail-0").back() == "dave/1");
    auto held_at = b.now;
    courier->answer_with(Answer{Answer::Verdict::retry, "cannot connect", 1000ms});
    auto held = b.sender.next_try(b.couriers.at("mail-0")->last_key());
    REQUIRE(held);
    CHECK(*held == held_at + 1000ms);
    b.enqueue("mail-0", "erin/1");
    b.now += 900ms;
    b.sender.tick();
    CHECK(b.sent("mail-0").back() == "dave/1");
    CHECK(b.sent("mail-0").size() == 4);
  }
  SECTION("a parked entry removed meanwhile lets its group go on") {
    auto stuck = b.queue.oldest("mail-0");
    REQUIRE(stuck.ok());
    REQUIRE(stuck.value());
    REQUIRE(stuck.value()->payload == "stuck/1");
    b.queue.stage_removal(b.owner.staging(), *stuck.value());
    b.owner.land(true);
    b.now += 3000ms;
    b.sender.tick();
    CHECK(b.sent("mail-0").back() == "stuck/2");
  }
}

TEST_CASE("an entry whose recipient is over its rate steps aside before it is sent", "[outbox]") {
  Bench b({"mail-0"});
  for (const char* payload : {"limited/1", "limited/2", "bob/1"}) b.enqueue("mail-0", payload);
  auto* courier = b.couriers.at("mail-0");
  b.sender.tick();
  // Neither of the limited recipient's went out; Bob's did, at once.
  CHECK(b.sent("mail-0") == Strings{"bob/1"});
  CHECK(b.sender.parked() == 1);
  courier->answer(Answer::Verdict::delivered);
  b.owner.land(true);
  courier->limited = false;
  b.now += 2000ms;
  b.sender.tick();
  CHECK(b.sent("mail-0") == Strings{"bob/1"});
  b.now += 1000ms;  // its token has come: its messages go, in their order
  b.sender.tick();
  CHECK(b.sent("mail-0") == Strings{"bob/1", "limited/1"});
  courier->answer(Answer::Verdict::delivered);
  b.owner.land(true);
  CHECK(b.sent("mail-0") == Strings{"bob/1", "limited/1", "limited/2"});
}

TEST_CASE("an entry its owner no longer wants sent is settled unsent; the next goes out",
          "[outbox]") {
  Bench b({"PL"});
  b.enqueue("PL", "withdrawn-1");
  b.enqueue("PL", "pl-2");
  b.sender.tick();
  CHECK(b.sent("PL").empty());
  REQUIRE(b.owner.settled.size() == 1);
  CHECK(b.owner.settled[0].second.outcome == Settlement::Outcome::cancelled);
  CHECK(b.oldest("PL") == "withdrawn-1");  // removed only with the owner's batch
  b.owner.land(true);
  CHECK(b.status("withdrawn-1") == "cancelled cancelled");
  CHECK(b.sent("PL") == Strings{"pl-2"});
}

TEST_CASE("a lane looks past its last settled entry and from its start once a second", "[outbox]") {
  Bench b({"FI"});
  b.enqueue("FI", "fi-1");
  // Staged before fi-2 but its batch lands only after fi-2 was settled.
  rocksdb::WriteBatch late;
  b.queue.stage(late, "FI", "fi-late");
  b.enqueue("FI", "fi-2");
  b.enqueue("FI", "fi-3");
  b.sender.tick();
  b.couriers.at("FI")->answer(Answer::Verdict::delivered);
  b.owner.land(true);
  REQUIRE(b.sent("FI") == Strings{"fi-1", "fi-2"});
  b.couriers.at("FI")->answer(Answer::Verdict::delivered);
  REQUIRE(b.db->commit(late).ok());
  b.owner.land(true);
  // Past fi-2's key: fi-3, not the earlier-numbered fi-late.
  CHECK(b.sent("FI") == Strings{"fi-1", "fi-2", "fi-3"});
  b.couriers.at("FI")->answer(Answer::Verdict::delivered);
  b.owner.land(true);
  CHECK(b.oldest("FI") == "fi-late");
  b.sender.tick();
  CHECK(b.sent("FI").size() == 3);  // nothing past fi-3, and no look from the start yet
  b.now += 1100ms;
  b.sender.tick();
  CHECK(b.sent("FI") == Strings{"fi-1", "fi-2", "fi-3", "fi-late"});
}

TEST_CASE("an outbox queue finds the entry past a settled key among many removed", "[outbox]") {
  Bench b({"FI"});
  for (int i = 0; i < 5; ++i) b.enqueue("FI", "fi-" + std::to_string(i));
  b.enqueue("PL", "pl-0");
  auto first = b.queue.oldest("FI");
  REQUIRE(first.ok());
  REQUIRE(first.value());
  auto next = b.queue.next_after("FI", first.value()->key);
  REQUIRE(next.ok());
  REQUIRE(next.value());
  CHECK(next.value()->payload == "fi-1");
  auto* batch = &b.owner.staging();
  b.queue.stage_removal(*batch, *first.value());
  b.owner.land(true);
  // A settled key of another destination is no hint: the destination's oldest.
  auto other = b.queue.next_after("PL", first.value()->key);
  REQUIRE(other.ok());
  REQUIRE(other.value());
  CHECK(other.value()->payload == "pl-0");
  CHECK(b.oldest("FI") == "fi-1");
}
