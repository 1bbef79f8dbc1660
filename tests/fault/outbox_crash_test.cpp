// A registry crashes (SIGKILL, at a crash point) after its peer acknowledged an
// expression of interest and before the commit that settles it: after the restart
// the EoI still ends forwarded, and the peer applied the delivery once.
#include <signal.h>

#include <catch2/catch.hpp>

#include "tests/support/eoi_helpers.hpp"

using namespace gosmart;
using namespace std::chrono_literals;
using testing::eoi_events;
using testing::eoi_status;

TEST_CASE("a crash between a peer's ack and the settle still ends the EoI forwarded",
          "[fault][outbox]") {
  testing::Federation f({"PL", "FI"});
  auto parties = testing::publish_for_eoi(f);
  auto& fi = f.processes.at("FI");
  fi->signal(SIGTERM);
  REQUIRE(fi->wait(10s) == 0);
  f.start("FI", {"GOSMART_CRASH_AT=outbox.after_ack"});
  f.await("FI");

  std::string id = testing::send_eoi(f, parties);
  REQUIRE(f.processes.at("FI")->wait(15s) == 128 + SIGKILL);
  CHECK(f.processes.at("FI")->log().find("crash point outbox.after_ack reached") !=
        std::string::npos);
  CHECK(eoi_status(f, "PL", id) == "forwarded");  // PL stored it and acknowledged

  f.start("FI");
  f.await("FI");
  CHECK(testing::eventually([&] { return eoi_status(f, "FI", id) == "forwarded"; }, 20s));
  CHECK(eoi_status(f, "PL", id) == "forwarded");
  CHECK(eoi_events(f, "PL", "registry.eoi.received", id) == 1);
  CHECK(eoi_events(f, "FI", "registry.eoi.changed", id) == 2);  // submitted, forwarded
}
