#include <signal.h>

#include <catch2/catch.hpp>

#include "common/service/loop.hpp"

using namespace gosmart;
using namespace std::chrono_literals;

TEST_CASE("timers fire repeatedly until the loop is stopped", "[service]") {
  service::Loop loop;
  int fast = 0;
  int slow = 0;
  loop.every(5ms, [&] {
    if (++fast == 10) loop.stop();
  });
  loop.every(1000ms, [&] { ++slow; });
  auto started = std::chrono::steady_clock::now();
  CHECK(loop.run() == 0);
  CHECK(fast == 10);
  CHECK(slow == 0);
  CHECK(std::chrono::steady_clock::now() - started < 900ms);
}

TEST_CASE("SIGTERM ends the loop in order, through its signalfd", "[service]") {
  service::Loop loop;
  int ticks = 0;
  loop.every(2ms, [&] {
    if (++ticks == 3) ::raise(SIGTERM);
  });
  CHECK(loop.run() == SIGTERM);
  CHECK(loop.stopping());
  CHECK(ticks >= 3);
}
