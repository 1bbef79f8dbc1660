// The outbox with a courier that takes several entries at once (Courier::window):
// a courier whose sending is driven by the test, one entry at a time, that keeps
// durable marks as the notifier's SMTP lanes do, and an owner whose batch the test
// lands or loses (tests/support/outbox_owner.hpp).
#include <catch2/catch.hpp>
#include <deque>
#include <set>

#include "common/outbox/sender.hpp"
#include "tests/support/outbox_owner.hpp"
#include "tests/support/process.hpp"

using namespace gosmart;
using namespace std::chrono_literals;
using outbox::Answer;
using outbox::Settlement;

namespace {

class WindowCourier : public outbox::Courier {
 public:
  std::vector<std::string> sent;  // payloads as taken, in order
  std::set<std::string> marks;    // keys whose delivery was marked durable
  bool started = false;           // the first entry held is on the wire by now (recall keeps it)
  int size = 3;                   // the window it says it has now (it may shrink)

  int window() const override { return size; }
  std::chrono::milliseconds aside_for() const override { return 3s; }
  std::string group_of(const outbox::Entry& entry) const override {
    auto slash = entry.payload.find('/');
    return slash == std::string::npos ? std::string() : entry.payload.substr(0, slash);
  }
  void attach(service::Loop&) override {}

  Sent send(const outbox::Entry& entry, Answered answered) override {
    if (marks.contains(entry.key)) return Sent::delivered_before;
    if (entry.payload.rfind("withdrawn", 0) == 0) return Sent::cancelled;
    if (held_.size() >= static_cast<std::size_t>(size)) return Sent::not_now;
    sent.push_back(entry.payload);
    held_.push_back({entry.key, std::move(answered)});
    return Sent::sent;
  }
  std::size_t recall() override {
    std::size_t keep = started && !held_.empty() ? 1 : 0;
    std::size_t dropped = held_.size() - keep;
    held_.resize(keep);
    return dropped;
  }
  std::size_t holding() const { return held_.size(); }

  // The entry on the wire is answered; as the contract says, anything but a durable
  // delivery drops the entries held behind it.
  void finish(Answer answer) {
    REQUIRE(!held_.empty());
    auto [key, answered] = std::move(held_.front());
    held_.pop_front();
    bool durable = answer.verdict == Answer::Verdict::delivered && answer.durable;
    if (durable) marks.insert(key);
    if (!durable) held_.clear();
    answered(answer);
  }
  void deliver(bool durable = true) {
    Answer answer;
    answer.durable = durable;
    finish(answer);
  }

 private:
  std::deque<std::pair<std::string, Answered>> held_;
};

// The payloads the owner was asked to settle, in order.
std::vector<std::string> settled(const testing::StagingOwner& owner) {
  std::vector<std::string> out;
  for (const auto& [payload, settlement] : owner.settled) out.push_back(payload);
  return out;
}

struct Bench {
  testing::TempDir dir;
  std::unique_ptr<store::Store> db = store::Store::open(dir.path() / "db", {"outbox", "status"});
  outbox::Queue queue{*db, "outbox"};
  testing::StagingOwner owner{*db};
  outbox::Sender::Clock::time_point now{};
  outbox::Sender sender{queue, owner, {2000ms, 100ms, [this] { return now; }}};
  WindowCourier* courier = nullptr;

  Bench() {
    auto owned = std::make_unique<WindowCourier>();
    courier = owned.get();
    sender.add("mail", std::move(owned));
  }
  void enqueue(std::initializer_list<std::string> payloads) {
    rocksdb::WriteBatch batch;
    for (const auto& payload : payloads) queue.stage(batch, "mail", payload);
    REQUIRE(db->commit(batch).ok());
  }
  std::vector<std::string> stored() {
    std::vector<std::string> out;
    auto it = db->iterate(db->cf("outbox"));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto entry = queue.at(it->key().ToString());
      REQUIRE(entry.ok());
      if (entry.value()) out.push_back(entry.value()->payload);
    }
    return out;
  }
};

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE(
    "a windowed lane is given the entries behind the one on the wire and goes on "
    "before their settles land",
    "[outbox]") {
  Bench b;
  b.enqueue({"a-1", "b-1", "c-1", "d-1", "e-1"});
  b.sender.tick();
  CHECK(b.courier->sent == Strings{"a-1", "b-1", "c-1"});

  b.courier->deliver();  // nothing landed yet: the lane goes on all the same
  CHECK(b.courier->sent == Strings{"a-1", "b-1", "c-1", "d-1"});
  b.courier->deliver();
  b.courier->deliver();
  b.courier->deliver();
  b.courier->deliver();
  CHECK(b.courier->sent == Strings{"a-1", "b-1", "c-1", "d-1", "e-1"});
  CHECK(settled(b.owner) == Strings{"a-1", "b-1", "c-1", "d-1", "e-1"});
  CHECK(b.sender.settled() == 0);

  // Idle, looking from the start: the settles not yet landed are not sent again.
  b.now += 11s;
  b.sender.tick();
  CHECK(b.courier->sent.size() == 5);
  b.owner.land(true);
  CHECK(b.sender.settled() == 5);
  CHECK(b.stored().empty());
}

TEST_CASE(
    "a windowed lane drops what it took ahead after a failure and keeps each "
    "recipient's order",
    "[outbox]") {
  Bench b;
  b.enqueue({"alice/1", "alice/2", "bob/1", "bob/2"});
  b.sender.tick();
  REQUIRE(b.courier->sent == Strings{"alice/1", "alice/2", "bob/1"});

  Answer failed;
  failed.verdict = Answer::Verdict::retry;
  failed.step_aside = true;
  failed.retry_after = 3s;
  b.courier->finish(failed);
  // alice waits; the lane goes on with bob's, taken again in their order.
  CHECK(b.courier->sent == Strings{"alice/1", "alice/2", "bob/1", "bob/1", "bob/2"});
  b.courier->deliver();
  b.courier->deliver();
  CHECK(b.courier->holding() == 0);
  CHECK(settled(b.owner) == Strings{"bob/1", "bob/2"});

  b.now += 3100ms;
  b.sender.tick();
  CHECK(b.courier->sent ==
        Strings{"alice/1", "alice/2", "bob/1", "bob/1", "bob/2", "alice/1", "alice/2"});
  b.courier->deliver();
  b.courier->deliver();
  CHECK(settled(b.owner) == Strings{"bob/1", "bob/2", "alice/1", "alice/2"});
  b.owner.land(true);
  CHECK(b.stored().empty());
}

TEST_CASE(
    "a delivery the courier could not mark durable waits for its settle, as an "
    "unwindowed lane does",
    "[outbox]") {
  Bench b;
  b.enqueue({"a-1", "b-1", "c-1"});
  b.sender.tick();
  b.courier->deliver(/*durable=*/false);
  CHECK(b.courier->holding() == 0);
  CHECK(b.courier->sent == Strings{"a-1", "b-1", "c-1"});
  b.sender.tick();
  CHECK(b.courier->sent.size() == 3);  // settling: nothing more until it lands
  b.owner.land(true);
  CHECK(b.courier->sent == Strings{"a-1", "b-1", "c-1", "b-1", "c-1"});
}

TEST_CASE(
    "an entry marked delivered whose settle was lost is settled again without "
    "being sent",
    "[outbox]") {
  Bench b;
  b.enqueue({"a-1", "b-1"});
  b.sender.tick();
  b.courier->deliver();
  b.courier->deliver();
  b.owner.land(false);  // both settles lost: the entries stay, with their marks
  CHECK(b.stored() == Strings{"a-1", "b-1"});
  b.now += 11s;
  b.sender.tick();
  CHECK(b.courier->sent == Strings{"a-1", "b-1"});  // not sent again
  b.owner.land(true);
  b.sender.tick();
  b.owner.land(true);
  CHECK(settled(b.owner) == Strings{"a-1", "b-1", "a-1", "b-1"});
  CHECK(b.stored().empty());
  CHECK(b.courier->sent.size() == 2);
}

TEST_CASE("a windowed lane lets its run end when a parked entry's time has come", "[outbox]") {
  Bench b;
  b.enqueue({"alice/1", "bob/1", "bob/2", "bob/3", "bob/4"});
  b.sender.tick();
  Answer failed;
  failed.verdict = Answer::Verdict::retry;
  failed.step_aside = true;
  failed.retry_after = 1s;
  b.courier->finish(failed);  // alice parked for a second
  REQUIRE(b.courier->sent == Strings{"alice/1", "bob/1", "bob/2", "bob/1", "bob/2", "bob/3"});
  b.now += 1100ms;
  b.courier->started = true;  // bob/2 is on the wire when bob/1's answer comes
  b.courier->deliver();
  CHECK(b.courier->holding() == 1);  // bob/3 dropped, bob/2 goes on
  b.courier->deliver();
  // The lane, idle, takes alice's due entry before bob's next.
  CHECK(b.courier->sent.at(6) == "alice/1");
}

TEST_CASE(
    "a windowed lane whose window shrinks while it holds entries takes no more until "
    "it has room",
    "[outbox]") {
  // The notifier's lane sizes its window to its relay's pace (SmtpCourier::window): a
  // window smaller than what is held once made the room an unsigned wrap-around.
  Bench b;
  b.courier->size = 8;
  b.enqueue({"a-1", "b-1", "c-1", "d-1", "e-1", "f-1", "g-1", "h-1", "i-1", "j-1"});
  b.sender.tick();
  CHECK(b.courier->sent.size() == 8);
  b.courier->size = 2;
  b.courier->deliver();  // seven held, a window of two: nothing more is taken
  CHECK(b.courier->sent.size() == 8);
  for (int i = 0; i < 6; ++i) b.courier->deliver();
  // One on the wire (h-1) and one ahead of it: a window of two.
  CHECK(b.courier->holding() == 2);
  CHECK(b.courier->sent.size() == 9);
  b.courier->deliver();
  CHECK(b.courier->sent.size() == 10);
  b.courier->deliver();
  b.courier->deliver();
  CHECK(settled(b.owner).size() == 10);
}
